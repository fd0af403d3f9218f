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
		{"usage\u202ev.csc", `file name "usage\u202ev.csc" has the bidirectional control character U+202E (right-to-left override), which shows the text in another order than it is stored: remove it`},
		{"\u2067x\u2069", `file name "\u2067x\u2069" has the bidirectional control character U+2067 (right-to-left isolate), which shows the text in another order than it is stored: remove it`},
		{"both\n\u202e", `file name "both\n\u202e" has control characters or invalid UTF-8: write it on one line, in UTF-8`},
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
		{"abc\u202efed", `abc\u202efed`},
		{"\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", `\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`},
		{"עברית and العربية", "עברית and العربية"}, // right-to-left text itself is kept
	} {
		if got := Printable(tc.in); got != tc.want {
			t.Errorf("Printable(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestEscapeBidi: each bidirectional control comes out as Printable writes
// it; everything else, line breaks, C0 controls and invalid UTF-8
// included, byte for byte as it was (it runs over whole HTML pages).
func TestEscapeBidi(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"<td>microsoft</td>\n", "<td>microsoft</td>\n"},
		{"<td>micro\u202etfos</td>", `<td>micro\u202etfos</td>`},
		{"\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069", `\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069`},
		{"a\nb\t\x1b \xff \u200d\u2065\u206a", "a\nb\t\x1b \xff \u200d\u2065\u206a"},
		{"עברית and العربية", "עברית and العربية"},
	} {
		if got := EscapeBidi(tc.in); got != tc.want {
			t.Errorf("EscapeBidi(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestBidiControl: exactly U+200E, U+200F, U+202A to U+202E and U+2066 to
// U+2069 are bidirectional controls; HasControl counts them, with a reason
// naming each.
func TestBidiControl(t *testing.T) {
	var got []rune
	for r := rune(0); r <= 0x10ffff; r++ {
		if IsBidiControl(r) {
			got = append(got, r)
		}
	}
	want := []rune{0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069}
	if string(got) != string(want) {
		t.Errorf("bidirectional controls %U, want %U", got, want)
	}
	for _, r := range want {
		s := "a" + string(r) + "b"
		if !HasControl(s) {
			t.Errorf("HasControl(%q) = false", s)
		}
		if c, ok := BidiControl(s); !ok || c != r || bidiNames[r] == "" {
			t.Errorf("BidiControl(%q) = %U, %v (name %q)", s, c, ok, bidiNames[r])
		}
	}
	for _, s := range []string{"openai", "Zürich – 東京", "עברית", "\u200d\u200b\u2060"} { // ZWJ, ZWSP, word joiner: not bidi controls
		if HasControl(s) {
			t.Errorf("HasControl(%q) = true", s)
		}
	}
	if got, want := BidiReason(0x202e), "bidirectional control character U+202E (right-to-left override) is not allowed: it shows the text in another order than it is stored"; got != want {
		t.Errorf("BidiReason = %q, want %q", got, want)
	}
}
