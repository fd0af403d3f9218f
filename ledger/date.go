package ledger

import (
	"fmt"
	"time"
)

// DateLayout is the layout of accounting dates everywhere: storage, JSON, CLI.
const DateLayout = "2006-01-02"

// Date is a calendar date (an accounting date). It carries no time zone:
// the zero hour of a Date is only meaningful in a given location.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// MinBookYear and MaxBookYear bound the years of what the books hold: an
// event's time (in UTC), a payment's date, an advance's date. Year 0000 is
// no date, and 0001-01-01T00:00:00Z is Go's zero time, which code reads as
// "no time"; no revenue share predates the year 1000.
const (
	MinBookYear = 1000
	MaxBookYear = 9999
)

// CheckBookYear is the one rule of MinBookYear and MaxBookYear: an error
// "out of range: years 1000 to 9999" for a year outside them. Callers say
// what the year is of.
func CheckBookYear(year int) error {
	if year < MinBookYear || year > MaxBookYear {
		return fmt.Errorf("out of range: years %d to %d", MinBookYear, MaxBookYear)
	}
	return nil
}

// MustParseDate is ParseDate for a date written in the code (tests,
// examples), where an invalid one is the programmer's mistake: it panics.
func MustParseDate(s string) Date { return must(ParseDate(s)) }

// must returns v when err is nil and panics with err otherwise.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// ParseDate parses YYYY-MM-DD and refuses impossible dates such as 2026-02-30.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		if y, m, ok := dateShape(s); ok {
			if m < 1 || m > 12 {
				return Date{}, fmt.Errorf("invalid date %q: not a calendar date (no month %02d)", s, m)
			}
			last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			return Date{}, fmt.Errorf("invalid date %q: not a calendar date (%04d-%02d has %d days)", s, y, m, last)
		}
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	if t.Year() < 1 {
		return Date{}, fmt.Errorf("invalid date %q: year 0000 is not allowed (years 0001 to 9999)", s)
	}
	return DateOf(t), nil
}

// dateShape reports whether s is written YYYY-MM-DD, digits in place, and
// returns its year and month.
func dateShape(s string) (year, month int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, false
	}
	n := 0
	for i, c := range []byte(s) {
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, 0, false
		}
		n = n*10 + int(c-'0')
		if i == 3 {
			year, n = n, 0
		} else if i == 6 {
			month, n = n, 0
		}
	}
	return year, month, true
}

// ParseAsOf reads an "as of" bound: a date YYYY-MM-DD, or a period (2026-02,
// 2026-Q1, 2026), which means the period's last day.
func ParseAsOf(s string) (Date, error) {
	if _, _, ok := dateShape(s); ok || len(s) > 7 && s[4] == '-' && s[7] == '-' {
		return ParseDate(s)
	}
	if p, err := ParsePeriod(s); err == nil {
		return p.Last(), nil
	}
	return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD, or a period (2026-02, 2026-Q1, 2026) for its last day", s)
}

// ParseKnownAt reads a "known at" instant: an RFC 3339 timestamp, or a date
// YYYY-MM-DD, which means the end of that day in UTC (everything recorded
// on or before it), as the REST API's known_at does.
func ParseKnownAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if _, _, ok := dateShape(s); ok {
		d, err := ParseDate(s)
		if err != nil {
			return time.Time{}, err
		}
		return d.AddDays(1).In(time.UTC).Add(-time.Nanosecond), nil
	}
	return time.Time{}, fmt.Errorf("invalid timestamp %q: want RFC 3339 (2026-04-01T09:00:00Z) or a date YYYY-MM-DD (the end of that day, UTC)", s)
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// In returns midnight at the start of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns the date n days after d (n may be negative).
func (d Date) AddDays(n int) Date { return DateOf(d.In(time.UTC).AddDate(0, 0, n)) }

func (d Date) String() string {
	var b [10]byte
	return string(d.appendText(b[:0]))
}

// appendText appends d's text (String's) to b. Hand-formatted (same text
// as "%04d-%02d-%02d"): every entry's hash formats its date, so this is on
// the posting and verify paths; appended, Entry.Content writes it without
// an allocation.
func (d Date) appendText(b []byte) []byte {
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 0 || d.Day > 99 {
		return fmt.Appendf(b, "%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
	}
	return append(b,
		byte('0'+d.Year/1000), byte('0'+d.Year/100%10), byte('0'+d.Year/10%10), byte('0'+d.Year%10), '-',
		byte('0'+int(d.Month)/10), byte('0'+int(d.Month)%10), '-',
		byte('0'+d.Day/10), byte('0'+d.Day%10))
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Before reports whether d is strictly earlier than o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is strictly later than o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Compare returns -1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.Year != o.Year:
		return sign(d.Year - o.Year)
	case d.Month != o.Month:
		return sign(int(d.Month) - int(o.Month))
	default:
		return sign(d.Day - o.Day)
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// MarshalText renders YYYY-MM-DD (used by encoding/json and yaml).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// LoadZone returns the IANA time zone name. It refuses "" and "Local" as
// well as unknown names: both stand for the zone of the machine that runs
// revshare (time.LoadLocation("Local") is that machine's zone), so the same
// file would read as different instants, even different months, on a
// laptop and on a server.
func LoadZone(name string) (*time.Location, error) {
	switch name {
	case "":
		return nil, fmt.Errorf("empty time zone: name an IANA time zone such as UTC or Europe/Paris")
	case "Local":
		return nil, fmt.Errorf("%q is the zone of the machine that runs revshare, which differs between machines: name an IANA time zone such as UTC or Europe/Paris", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("%q is not a known IANA time zone", name)
	}
	return loc, nil
}
