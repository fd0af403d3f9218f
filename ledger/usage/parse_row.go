package usage

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// scanField reports, in one pass, whether v is all ASCII and whether it
// holds U+001E or U+001F.
func scanField(v string) (ascii, separators, nul bool) {
	ascii = true
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= utf8.RuneSelf:
			ascii = false
		case c == 0x1e || c == 0x1f:
			separators = true
		case c == 0:
			nul = true
		}
	}
	return ascii, separators, nul
}

func (r *Reader) lineOf(col int) int {
	l, _ := r.cr.FieldPos(col)
	return l
}

// value returns the text of canonical field f and the name to show in errors.
func (r *Reader) value(rec []string, f field) (string, int) {
	i := r.idx[f]
	if i < 0 {
		return r.fixed[f], -1
	}
	v := strings.TrimSpace(rec[i])
	if v == "" {
		v = r.fixed[f]
	}
	return v, i
}

func (r *Reader) parseRow(row *Row) {
	rec := row.Record
	bad := func(col int, f field, val, reason string) {
		line := row.Line
		name := fieldNames[f]
		if col >= 0 {
			line = r.lineOf(col)
			name = r.header[col]
		}
		row.Errors = append(row.Errors, &RowError{File: r.file, Line: line, Column: name, Value: val, Reason: reason})
	}
	for i, v := range rec {
		ascii, separators, nul := scanField(v)
		if nul {
			// SQLite and C tools cut text at a NUL; the stored event would
			// not say what the file said.
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: "NUL bytes (U+0000) are not allowed"})
		} else if !ascii && !utf8.ValidString(v) {
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: "invalid UTF-8"})
		} else if len(v) > MaxFieldBytes {
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: fmt.Sprintf("longer than %d bytes", MaxFieldBytes)})
		} else if separators {
			// The content digest uses them as separators.
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: "control characters U+001E and U+001F are not allowed"})
		}
	}
	if len(row.Errors) > 0 {
		return
	}
	ev := &row.Event
	text := func(f field, required bool) string {
		v, col := r.value(rec, f)
		if v == "" && required {
			bad(col, f, v, "required")
		} else if ledger.HasControl(v) {
			// An identity field names accounts and statement lines, and
			// is printed in tables and terminals; other columns (metadata)
			// may hold any text. A bidirectional control would show the
			// name in another order than it is stored (docs/import.md).
			if r, ok := ledger.BidiControl(v); ok {
				bad(col, f, v, ledger.BidiReason(r))
			} else {
				bad(col, f, v, "control characters (a line break, a tab, an escape) are not allowed")
			}
		}
		return v
	}
	ev.EventID = text(fEventID, true)
	if v, col := r.value(rec, fOccurredAt); v == "" {
		bad(col, fOccurredAt, v, "required")
	} else if t, dateOnly, canonical, reason := r.parseTime(v); reason != "" {
		// A value a layout reads but that names no instant (no such date, a
		// skipped local time) needs no layout hint.
		if reason != "no such date" && !strings.HasPrefix(reason, noSuchLocalTime) {
			reason = withHint(reason, layoutHint(v))
		}
		bad(col, fOccurredAt, v, reason)
	} else if err := ledger.CheckBookYear(t.UTC().Year()); err != nil {
		bad(col, fOccurredAt, v, err.Error()+" (in UTC)")
	} else {
		ev.OccurredAt, ev.DateOnly = t, dateOnly
		row.OccurredText = v
		if !canonical {
			// A mapping layout: store the canonical form.
			if dateOnly {
				row.OccurredText = t.Format(ledger.DateLayout)
			} else {
				row.OccurredText = t.Format(time.RFC3339Nano)
			}
		}
	}
	ev.Seller = text(fSeller, true)
	ev.Channel = text(fChannel, true)
	ev.Customer = text(fCustomer, false)
	ev.Product = text(fProduct, false)
	ev.Region = text(fRegion, false)
	if v, col := r.value(rec, fCurrency); v == "" {
		bad(col, fCurrency, v, "required")
	} else if c := strings.ToUpper(v); !ledger.IsCurrency(c) {
		bad(col, fCurrency, v, "unknown ISO 4217 currency")
	} else {
		ev.Currency = c
	}
	num := func(f field, text *string) (*decimal.Decimal, bool) {
		*text = ""
		v, col := r.value(rec, f)
		if v == "" {
			return nil, true
		}
		d, reason := ParseDecimal(v, r.m.number)
		if reason != "" {
			reason = withHint(reason, numberHint(v, r.m.number))
			bad(col, f, v, reason)
			return nil, false
		}
		if r.m.number.Decimal == '.' && isCanonicalDecimal(v) {
			*text = v
		} else {
			*text = ledger.FormatAmount(d)
		}
		return &d, true
	}
	q, okQ := num(fQuantity, &row.QuantityText)
	p, okP := num(fUnitPrice, &row.UnitPriceText)
	a, okA := num(fAmount, &row.AmountText)
	switch {
	case !okQ || !okP || !okA:
	case a == nil && q != nil && p != nil:
		ev.Amount = q.Mul(*p)
		if n := fractionDigits(ev.Amount); n > MaxFractionDigits {
			// Each factor has at most 18; their product may not.
			v, col := r.value(rec, fUnitPrice)
			bad(col, fUnitPrice, v, fmt.Sprintf("quantity × unit_price = %s has %d fractional digits, more than %d (give the amount instead)",
				ev.Amount.String(), n, MaxFractionDigits))
		} else if ev.Amount.Exponent() < -MaxFractionDigits {
			// The factors' places add up past 18 but the digits there are
			// zeros (1.0000000000 × 1.000000000): the amount is written
			// with 18, exactly, as an amount may be.
			ev.Amount = ev.Amount.Round(MaxFractionDigits)
		}
		row.AmountText = ledger.FormatAmount(ev.Amount)
	case a == nil:
		v, col := r.value(rec, fAmount)
		bad(col, fAmount, v, "required (or give both quantity and unit_price)")
	case q != nil && p != nil && !q.Mul(*p).Equal(*a):
		v, col := r.value(rec, fAmount)
		bad(col, fAmount, v, fmt.Sprintf("not quantity × unit_price (%s × %s = %s)", q, p, ledger.FormatAmount(q.Mul(*p))))
	default:
		ev.Amount = *a
	}
	if okQ && okP && okA && a == nil && q != nil && p != nil && ev.Amount.Abs().Cmp(maxAmount) >= 0 {
		// Each factor has at most 18 integer digits; their product may not.
		v, col := r.value(rec, fUnitPrice)
		bad(col, fUnitPrice, v, fmt.Sprintf("quantity × unit_price = %s has more than %d digits before the decimal point (an amount has at most %d)",
			ev.Amount.String(), MaxIntegerDigits, MaxIntegerDigits))
	}
	ev.Quantity, ev.UnitPrice = q, p
	negate := r.m.Amount.Negate
	if r.signCol >= 0 {
		v := strings.ToLower(strings.TrimSpace(rec[r.signCol]))
		if r.m.negative[v] || r.m.positive[v] {
			r.checkUnsigned(rec, row, a, q, p, bad)
		}
		switch {
		case r.m.negative[v]:
			negate = !negate
		case r.m.positive[v]:
		case len(r.m.positive) == 0:
			// Without a positive list, any other value keeps the sign.
		default:
			row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(r.signCol), Column: r.header[r.signCol],
				Value: rec[r.signCol], Reason: "not one of the mapping's amount.positive or amount.negative values"})
		}
	}
	if negate {
		ev.Amount = ev.Amount.Neg()
		row.AmountText = ledger.FormatAmount(ev.Amount)
		if ev.Quantity != nil {
			n := ev.Quantity.Neg()
			ev.Quantity = &n
			row.QuantityText = ledger.FormatAmount(n)
		}
	}
	if len(r.meta) > 0 {
		for _, i := range r.meta {
			if v := rec[i]; v != "" {
				// Metadata may hold any text, line breaks included, but not
				// a bidirectional control: the web view and exports show
				// it beside the event's names, where it would reorder
				// what is read (docs/import.md). Each one starts with the
				// byte 0xE2, so most text skips the rune scan.
				if strings.IndexByte(v, 0xE2) >= 0 {
					if c, ok := ledger.BidiControl(v); ok {
						row.Errors = append(row.Errors, &RowError{File: r.file, Line: r.lineOf(i), Column: r.header[i], Value: v, Reason: ledger.BidiReason(c)})
						continue
					}
				}
				if ev.Meta == nil {
					ev.Meta = make(map[string]string, len(r.meta))
				}
				ev.Meta[r.header[i]] = v
			}
		}
	}
}

// fractionDigits is how many digits d has after the decimal point, trailing
// zeros not counted.
func fractionDigits(d decimal.Decimal) int {
	s := d.String() // no exponent, trailing zeros trimmed
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// parseTime reads an occurred_at value: a date YYYY-MM-DD or an RFC 3339
// timestamp (canonical: the text can be stored as is), else one of the
// mapping's layouts (the caller stores the canonical form of what it gives).
// A value shaped like RFC 3339 that is not one (no offset, say) may still
// match a layout; when none does, the reason names the RFC 3339 problem.
func (r *Reader) parseTime(s string) (t time.Time, dateOnly, canonical bool, reason string) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		if d, ok := parseISODate(s); ok {
			return d, true, true, ""
		}
		if allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:]) {
			return time.Time{}, false, false, "no such date"
		}
	}
	isoReason := ""
	if len(s) > 10 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't') {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, false, true, ""
		}
		if _, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
			isoReason = "RFC 3339 timestamp without a time zone offset (add Z or ±hh:mm)"
		} else if _, ok := parseISODate(s[:10]); !ok && allDigits(s[:4]) && allDigits(s[5:7]) && allDigits(s[8:10]) {
			return time.Time{}, false, false, "no such date"
		}
	}
	for _, l := range r.m.layouts {
		t, err := time.ParseInLocation(l.layout, s, r.m.loc)
		if err != nil {
			continue
		}
		if l.dateOnly {
			y, mo, d := t.Date()
			return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), true, false, ""
		}
		if r.m.loc != time.UTC && skippedByClockChange(t, l.layout, s) { // UTC skips no time: no second parse
			return time.Time{}, false, false, fmt.Sprintf("%s in %s: the clocks skipped it (a daylight-saving change)", noSuchLocalTime, r.m.loc)
		}
		return t, false, false, ""
	}
	if isoReason != "" {
		return time.Time{}, false, false, isoReason
	}
	if len(r.m.layouts) > 0 {
		return time.Time{}, false, false, "not an RFC 3339 timestamp, a date YYYY-MM-DD or a date in one of the mapping's layouts"
	}
	return time.Time{}, false, false, "not an RFC 3339 timestamp (2026-01-05T10:00:00Z) or a date YYYY-MM-DD"
}

const noSuchLocalTime = "no such local time"

// skippedByClockChange reports whether s, read by layout as t in a time
// zone, names a wall-clock time the zone never showed (02:30 on a
// spring-forward day): Go moves such a time on by the gap, which would book
// the event an hour later without a word. The same text read in UTC keeps
// its wall clock, so the two differ exactly then (a layout with an offset
// of its own reads the same in both).
func skippedByClockChange(t time.Time, layout, s string) bool {
	u, err := time.Parse(layout, s)
	if err != nil {
		return false
	}
	y1, m1, d1 := t.Date()
	h1, n1, s1 := t.Clock()
	y2, m2, d2 := u.Date()
	h2, n2, s2 := u.Clock()
	return y1 != y2 || m1 != m2 || d1 != d2 || h1 != h2 || n1 != n2 || s1 != s2
}

// parseISODate parses YYYY-MM-DD without time.Parse (it is on the hot path)
// and refuses impossible dates.
func parseISODate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' || !allDigits(s[:4]) || !allDigits(s[5:7]) || !allDigits(s[8:]) {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(s[:4])
	m := int(s[5]-'0')*10 + int(s[6]-'0')
	d := int(s[8]-'0')*10 + int(s[9]-'0')
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), true
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// isCanonicalDecimal reports whether s is already the text
// ledger.FormatAmount gives for its value: an optional minus (not on zero),
// no superfluous leading zero, digits after a point if there is one.
func isCanonicalDecimal(s string) bool {
	i := 0
	if len(s) > 0 && s[0] == '-' {
		i = 1
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intLen := i - start
	if intLen == 0 || (intLen > 1 && s[start] == '0') {
		return false
	}
	nonZero := intLen > 1 || s[start] != '0'
	if i < len(s) {
		if s[i] != '.' || i == len(s)-1 {
			return false
		}
		for i++; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
			nonZero = nonZero || s[i] != '0'
		}
	}
	return start == 0 || nonZero
}

// maxAmount bounds an event's amount: 18 integer digits, as every input
// amount (spec section 1; docs/ledger.md says why the journal then holds
// every sum and obligation derived from events).
var maxAmount = decimal.New(1, MaxIntegerDigits)

// checkUnsigned refuses a signed amount (or quantity, or unit price) on a
// row whose sign the mapping's sign_column decides: a refund exported as
// "-10.00" with Type "refund" was negated again and booked as +10.00 of
// revenue. Such a file signs its amounts itself and needs no sign_column.
func (r *Reader) checkUnsigned(rec []string, row *Row, a, q, p *decimal.Decimal, bad func(col int, f field, val, reason string)) {
	sign := rec[r.signCol]
	for _, c := range []struct {
		f field
		d *decimal.Decimal
	}{{fAmount, a}, {fQuantity, q}, {fUnitPrice, p}} {
		if c.d == nil || !c.d.IsNegative() {
			continue
		}
		v, col := r.value(rec, c.f)
		bad(col, c.f, v, fmt.Sprintf("has a sign, but %s %q gives the sign (amount.sign_column): write it without the sign, or drop sign_column from the mapping if the file signs its amounts", r.header[r.signCol], sign))
		return
	}
}
