package ledger

import (
	"fmt"
	"testing"
	"time"
)

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in                string
		label             string
		start, last, next string
	}{
		{"2026-03", "2026-03", "2026-03-01", "2026-03-31", "2026-04"},
		{"2026-02", "2026-02", "2026-02-01", "2026-02-28", "2026-03"},
		{"2028-02", "2028-02", "2028-02-01", "2028-02-29", "2028-03"},
		{"2026-12", "2026-12", "2026-12-01", "2026-12-31", "2027-01"},
		{"2026-Q1", "2026-Q1", "2026-01-01", "2026-03-31", "2026-Q2"},
		{"2026-q4", "2026-Q4", "2026-10-01", "2026-12-31", "2027-Q1"},
		{"2026", "2026", "2026-01-01", "2026-12-31", "2027"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePeriod(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Label(); got != tc.label {
				t.Errorf("Label = %s, want %s", got, tc.label)
			}
			if got := p.Start().String(); got != tc.start {
				t.Errorf("Start = %s, want %s", got, tc.start)
			}
			if got := p.Last().String(); got != tc.last {
				t.Errorf("Last = %s, want %s", got, tc.last)
			}
			if got := p.Next().Label(); got != tc.next {
				t.Errorf("Next = %s, want %s", got, tc.next)
			}
			if !p.Contains(p.Start()) || !p.Contains(p.Last()) || p.Contains(p.End()) || p.Contains(p.Start().AddDays(-1)) {
				t.Errorf("Contains is wrong at the boundaries of %s", p)
			}
		})
	}
}

func TestParsePeriodBad(t *testing.T) {
	for _, in := range []string{"", "26", "2026-13", "2026-00", "2026-Q0", "2026-Q5", "0000", "abcd", "2026-Qx", "2026-02-30x", "2026/13", "2026--02", "0000-02-01"} {
		t.Run(in, func(t *testing.T) {
			_, err := ParsePeriod(in)
			want := `invalid period "` + in + `": want YYYY-MM, YYYY-Qn or YYYY`
			if err == nil || err.Error() != want {
				t.Errorf("ParsePeriod(%q) = %v, want %q", in, err, want)
			}
		})
	}
}

// TestParsePeriodHints: a label that says a period another way is refused
// with the period it most likely means; a date where a period is wanted
// (run --through 2026-02-15) suggests its month.
func TestParsePeriodHints(t *testing.T) {
	tests := []struct{ in, hint string }{
		{"2026-02-15", "2026-02-15 is a date; did you mean its month, 2026-02?"},
		{"2026-12-31", "2026-12-31 is a date; did you mean its month, 2026-12?"},
		{"2026-02-31", "2026-02-31 is a date; did you mean its month, 2026-02?"},
		{"2026/03", "did you mean 2026-03?"},
		{"2026-3", "did you mean 2026-03?"},
		{"2026.3", "did you mean 2026-03?"},
		{"202603", "did you mean 2026-03?"},
		{"2026 Q1", "did you mean 2026-Q1?"},
		{"2026Q4", "did you mean 2026-Q4?"},
		{"2026/q2", "did you mean 2026-Q2?"},
		{"02-2026", "did you mean 2026-02?"},
		{"2/2026", "did you mean 2026-02?"},
		{"12.2026", "did you mean 2026-12?"},
		{"Q1 2026", "did you mean 2026-Q1?"},
		{"q4-2026", "did you mean 2026-Q4?"},
		{"feb 2026", "did you mean 2026-02?"},
		{"February-2026", "did you mean 2026-02?"},
		{"2026-Sept", "did you mean 2026-09?"},
		{"feb", "a month needs its year: YYYY-02"},
		{"December", "a month needs its year: YYYY-12"},
	}
	for _, tc := range tests {
		_, err := ParsePeriod(tc.in)
		want := `invalid period "` + tc.in + `": want YYYY-MM, YYYY-Qn or YYYY (` + tc.hint + `)`
		if err == nil || err.Error() != want {
			t.Errorf("ParsePeriod(%q) = %v, want %q", tc.in, err, want)
		}
	}
}

func TestPeriodOf(t *testing.T) {
	d := Date{2026, time.August, 31}
	tests := []struct {
		f    Frequency
		want string
	}{{Month, "2026-08"}, {Quarter, "2026-Q3"}, {Year, "2026"}, {"", "2026-08"}}
	for _, tc := range tests {
		if got := PeriodOf(tc.f, d).Label(); got != tc.want {
			t.Errorf("PeriodOf(%q, %s) = %s, want %s", tc.f, d, got, tc.want)
		}
	}
}

func TestParseDate(t *testing.T) {
	good := map[string]Date{
		"2026-01-01": {2026, time.January, 1},
		"2028-02-29": {2028, time.February, 29},
		"2026-12-31": {2026, time.December, 31},
	}
	for in, want := range good {
		got, err := ParseDate(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, reason := range map[string]string{
		"2026-02-29": "not a calendar date (2026-02 has 28 days)",
		"2026-02-31": "not a calendar date (2026-02 has 28 days)",
		"2028-02-30": "not a calendar date (2028-02 has 29 days)",
		"2026-04-31": "not a calendar date (2026-04 has 30 days)",
		"2026-13-01": "not a calendar date (no month 13)",
		"2026-00-10": "not a calendar date (no month 00)",
		"2026-1-1":   "want YYYY-MM-DD", "26-01-01": "want YYYY-MM-DD", "2026-01-01T00:00:00Z": "want YYYY-MM-DD", "": "want YYYY-MM-DD",
		"2026-0a-01": "want YYYY-MM-DD",
	} {
		_, err := ParseDate(in)
		want := `invalid date "` + in + `": ` + reason
		if err == nil || err.Error() != want {
			t.Errorf("ParseDate(%q) = %v, want %q", in, err, want)
		}
	}
}

func TestParseAsOfAndKnownAt(t *testing.T) {
	for in, want := range map[string]string{"2026-02-10": "2026-02-10", "2026-02": "2026-02-28", "2026-Q1": "2026-03-31", "2028": "2028-12-31"} {
		if d, err := ParseAsOf(in); err != nil || d.String() != want {
			t.Errorf("ParseAsOf(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for in, want := range map[string]string{
		"2026-02-31": `invalid date "2026-02-31": not a calendar date (2026-02 has 28 days)`,
		"2026-13":    `invalid date "2026-13": want YYYY-MM-DD, or a period (2026-02, 2026-Q1, 2026) for its last day`,
		"March":      `invalid date "March": want YYYY-MM-DD, or a period (2026-02, 2026-Q1, 2026) for its last day`,
	} {
		if _, err := ParseAsOf(in); err == nil || err.Error() != want {
			t.Errorf("ParseAsOf(%q) = %v, want %s", in, err, want)
		}
	}
	for in, want := range map[string]string{
		"2026-12-04":                "2026-12-04T23:59:59.999999999Z",
		"2026-04-01T09:00:00+02:00": "2026-04-01T07:00:00Z",
	} {
		if got, err := ParseKnownAt(in); err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("ParseKnownAt(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"2026-02-30": `invalid date "2026-02-30": not a calendar date (2026-02 has 28 days)`,
		"yesterday":  `invalid timestamp "yesterday": want RFC 3339 (2026-04-01T09:00:00Z) or a date YYYY-MM-DD (the end of that day, UTC)`,
	} {
		if _, err := ParseKnownAt(in); err == nil || err.Error() != want {
			t.Errorf("ParseKnownAt(%q) = %v, want %s", in, err, want)
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	d := Date{2026, time.February, 28}
	if got := d.AddDays(1).String(); got != "2026-03-01" {
		t.Errorf("AddDays(1) = %s", got)
	}
	if got := d.AddDays(-59).String(); got != "2025-12-31" {
		t.Errorf("AddDays(-59) = %s", got)
	}
	a, b := Date{2026, time.March, 1}, Date{2026, time.March, 2}
	if !a.Before(b) || a.After(b) || a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
		t.Error("Date ordering is wrong")
	}
	if !(Date{}).IsZero() || a.IsZero() {
		t.Error("IsZero is wrong")
	}
	// A date is the same in every zone; In gives that zone's midnight.
	tokyo := time.FixedZone("JST", 9*3600)
	if got := a.In(tokyo).UTC().Format(time.RFC3339); got != "2026-02-28T15:00:00Z" {
		t.Errorf("In(JST) = %s", got)
	}
	if got := DateOf(time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC).In(tokyo)); got != b {
		t.Errorf("DateOf in Tokyo = %s, want %s", got, b)
	}
	var u Date
	if err := u.UnmarshalText([]byte("2026-03-02")); err != nil || u != b {
		t.Errorf("UnmarshalText = %v, %v", u, err)
	}
}

func TestDateString(t *testing.T) {
	for _, d := range []Date{{2026, 3, 1}, {1, 1, 1}, {9999, 12, 31}, {0, 0, 0}, {10000, 1, 1}, {-5, 1, 1}, {2026, 13, 1}} {
		want := fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
		if got := d.String(); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

// TestLoadZone: named IANA zones load; the machine's own zone ("Local", or
// no name) and unknown names are refused with the reason.
func TestLoadZone(t *testing.T) {
	for _, name := range []string{"UTC", "Europe/Paris", "Pacific/Kiritimati"} {
		if loc, err := LoadZone(name); err != nil || loc.String() != name {
			t.Errorf("LoadZone(%q) = %v, %v", name, loc, err)
		}
	}
	for _, tc := range []struct{ name, want string }{
		{"", "empty time zone: name an IANA time zone such as UTC or Europe/Paris"},
		{"Local", `"Local" is the zone of the machine that runs revshare, which differs between machines: name an IANA time zone such as UTC or Europe/Paris`},
		{"Mars/Olympus", `"Mars/Olympus" is not a known IANA time zone`},
		{"../../etc/passwd", `"../../etc/passwd" is not a known IANA time zone`},
	} {
		if _, err := LoadZone(tc.name); err == nil || err.Error() != tc.want {
			t.Errorf("LoadZone(%q) = %v, want %s", tc.name, err, tc.want)
		}
	}
}
