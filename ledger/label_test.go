package ledger

import "testing"

func TestCheckLabel(t *testing.T) {
	for _, ok := range []string{"", "Q1 usage.csv", "Zürich – 東京", "/srv/exports/2026-03/usage.csv"} {
		if err := CheckLabel("file name", ok, 64); err != nil {
			t.Errorf("CheckLabel(%q) = %v", ok, err)
		}
	}
	for _, tc := range []struct{ s, want string }{
		{"a\nb", `file name "a\nb" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
		{"\x1b[31mred", `file name "\x1b[31mred" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
		{"tab\there", `file name "tab\there" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
		{"c1\u0085", `file name "c1\u0085" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
		{"del\x7f", `file name "del\x7f" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
		{"bad\xff", `file name "bad\xff" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
		{string(make([]byte, 65)), "file name is 65 bytes long, at most 64 allowed"},
	} {
		err := CheckLabel("file name", tc.s, 64)
		if err == nil || err.Error() != tc.want || ErrorCode(err) != EINVALID {
			t.Errorf("CheckLabel(%q) = %v, want %s", tc.s, err, tc.want)
		}
	}
}

// TestPrintable: control characters and invalid UTF-8 come out as Go
// escapes, everything else (U+FFFD written as such included) unchanged.
func TestPrintable(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Small two-way share", "Small two-way share"},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"x\u0085y\u009bz", `x\u0085y\u009bz`},
		{"bad \xff byte", `bad \xff byte`},
		{"kept \ufffd and é", "kept \ufffd and é"},
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
