package ledger

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Frequency is the length of a period.
type Frequency string

const (
	Month   Frequency = "month"
	Quarter Frequency = "quarter"
	Year    Frequency = "year"
)

// Period is a calendar month, quarter or year. Its boundaries are calendar
// dates; which instants they are depends on a time zone (the contract's).
type Period struct {
	Freq  Frequency
	Year  int
	Index int // month 1-12, quarter 1-4, or 1 for a year
}

// MustParsePeriod is ParsePeriod for a period written in the code (tests,
// examples), where an invalid one is the programmer's mistake: it panics.
func MustParsePeriod(s string) Period { return must(ParsePeriod(s)) }

// ParsePeriod parses the labels "2026-03", "2026-Q1" and "2026".
func ParsePeriod(s string) (Period, error) {
	p, ok := parsePeriod(s)
	if !ok {
		return Period{}, fmt.Errorf("invalid period %q: want YYYY-MM, YYYY-Qn or YYYY%s", s, periodHint(s))
	}
	return p, nil
}

// parsePeriod is ParsePeriod without the error's words, which cost more
// than the parse (the hint reads the label again).
func parsePeriod(s string) (Period, bool) {
	switch {
	case len(s) == 4:
		y, err := strconv.Atoi(s)
		if err != nil || y < 1 {
			return Period{}, false
		}
		return Period{Year, y, 1}, true
	case len(s) == 7 && (s[5] == 'Q' || s[5] == 'q') && s[4] == '-':
		y, err1 := strconv.Atoi(s[:4])
		q, err2 := strconv.Atoi(s[6:])
		if err1 != nil || err2 != nil || y < 1 || q < 1 || q > 4 {
			return Period{}, false
		}
		return Period{Quarter, y, q}, true
	case len(s) == 7 && s[4] == '-':
		y, err1 := strconv.Atoi(s[:4])
		m, err2 := strconv.Atoi(s[5:])
		if err1 != nil || err2 != nil || y < 1 || m < 1 || m > 12 {
			return Period{}, false
		}
		return Period{Month, y, m}, true
	}
	return Period{}, false
}

// periodHint suggests the period a label that ParsePeriod refuses most
// likely means: the month of a date ("2026-02-15", where a period is
// wanted), or a month or quarter written with another separator or
// without a leading zero ("2026/02", "2026-2", "2026 Q1"). It is empty
// when there is no likely one.
func periodHint(s string) string {
	if y, m, ok := dateShape(s); ok && y >= 1 && m >= 1 && m <= 12 {
		return fmt.Sprintf(" (%s is a date; did you mean its month, %04d-%02d?)", s, y, m)
	}
	if h := periodHintWords(s); h != "" {
		return h
	}
	if len(s) < 6 || len(s) > 8 {
		return ""
	}
	y, err := strconv.Atoi(s[:4])
	if err != nil || y < 1 || s[0] == '+' || s[0] == '-' {
		return ""
	}
	rest := strings.TrimLeft(s[4:], "-/._ ")
	if len(s)-len(rest) > 5 {
		return "" // one separator at most
	}
	return partHint(y, rest)
}

// partHint is the hint for year y and part, a month's number ("2", "02")
// or a quarter's ("Q1"); empty when part is neither.
func partHint(y int, part string) string {
	quarter := part != "" && (part[0] == 'Q' || part[0] == 'q')
	if quarter {
		part = part[1:]
	}
	n, err := strconv.Atoi(part)
	if err != nil || len(part) == 0 || len(part) > 2 || part[0] == '+' || part[0] == '-' {
		return ""
	}
	switch {
	case quarter && n >= 1 && n <= 4:
		return fmt.Sprintf(" (did you mean %04d-Q%d?)", y, n)
	case !quarter && n >= 1 && n <= 12:
		return fmt.Sprintf(" (did you mean %04d-%02d?)", y, n)
	}
	return ""
}

// periodHintWords is periodHint for a period written as people often
// write one: the year last ("02-2026", "2/2026", "Q1 2026"), or the month
// by its name ("feb 2026", "2026-February"); a month's name alone ("feb")
// is told it needs its year.
func periodHintWords(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune("-/._ ", r) })
	if len(fields) == 1 {
		if m := monthByName(fields[0]); m > 0 {
			return fmt.Sprintf(" (a month needs its year: YYYY-%02d)", m)
		}
		return ""
	}
	if len(fields) != 2 {
		return ""
	}
	year, other := fields[1], fields[0]
	y, err := strconv.Atoi(year)
	if len(year) != 4 || err != nil {
		year, other = other, year
		y, err = strconv.Atoi(year)
	}
	if len(year) != 4 || err != nil || y < 1 {
		return ""
	}
	if m := monthByName(other); m > 0 {
		return fmt.Sprintf(" (did you mean %04d-%02d?)", y, m)
	}
	if year == fields[0] {
		return "" // the year first with a number: periodHint's
	}
	return partHint(y, other)
}

// monthByName is the month (1 to 12) that name names in English, in full
// or by its first three letters or more, any case; 0 for none.
func monthByName(name string) int {
	if len(name) < 3 {
		return 0
	}
	for m := time.January; m <= time.December; m++ {
		if full := strings.ToLower(m.String()); strings.HasPrefix(full, strings.ToLower(name)) {
			return int(m)
		}
	}
	return 0
}

// PeriodOf returns the period of frequency f that contains date d.
func PeriodOf(f Frequency, d Date) Period {
	switch f {
	case Quarter:
		return Period{Quarter, d.Year, (int(d.Month)-1)/3 + 1}
	case Year:
		return Period{Year, d.Year, 1}
	}
	return Period{Month, d.Year, int(d.Month)}
}

// Label renders the period as "2026-03", "2026-Q1" or "2026".
func (p Period) Label() string {
	switch p.Freq {
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Index)
	case Year:
		return fmt.Sprintf("%04d", p.Year)
	}
	return fmt.Sprintf("%04d-%02d", p.Year, p.Index)
}

func (p Period) String() string { return p.Label() }

// Start is the first day of the period.
func (p Period) Start() Date {
	switch p.Freq {
	case Quarter:
		return Date{p.Year, time.Month(3*(p.Index-1) + 1), 1}
	case Year:
		return Date{p.Year, time.January, 1}
	}
	return Date{p.Year, time.Month(p.Index), 1}
}

// Next is the period that follows p.
func (p Period) Next() Period {
	n := 12 // a switch, not a map literal: Next runs in hot loops (engine, scenarios)
	switch p.Freq {
	case Quarter:
		n = 4
	case Year:
		n = 1
	}
	if p.Index == n {
		return Period{p.Freq, p.Year + 1, 1}
	}
	return Period{p.Freq, p.Year, p.Index + 1}
}

// End is the first day after the period (exclusive end).
func (p Period) End() Date { return p.Next().Start() }

// Last is the last day of the period (inclusive end).
func (p Period) Last() Date { return p.End().AddDays(-1) }

// Contains reports whether d lies in the period.
func (p Period) Contains(d Date) bool { return !d.Before(p.Start()) && d.Before(p.End()) }

// Before reports whether p ends no later than q starts... for periods of the
// same frequency, whether p comes strictly before q.
func (p Period) Before(q Period) bool { return p.Start().Before(q.Start()) }

// MarshalText renders the label.
func (p Period) MarshalText() ([]byte, error) { return []byte(p.Label()), nil }

// UnmarshalText parses a label.
func (p *Period) UnmarshalText(b []byte) error {
	v, err := ParsePeriod(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	*p = v
	return nil
}
