package sqlite

import (
	"strconv"

	"github.com/revshare/revshare/ledger"
)

// contentWriter writes a stored entry's ledger.Entry.Content straight from
// its stored texts, for verify's hash check, when they are in the form
// Content prints: the meta a plain JSON object with its keys in increasing
// order, every amount as decimal.Decimal.String prints it (no '+', no
// leading zeros, no trailing fractional zeros, no "-0"). Decoding the entry
// into a ledger.Entry and formatting it again took about 2.5 s of verify's
// CPU at 1M entries (docs/design/speed.md, section 4). For any other entry
// write says no and verify takes the long way (rawEntry.entryWith,
// Entry.Content), which also names what is unreadable.
type contentWriter struct {
	times              *parsedTimes // shared with entryWith
	dateOf, dateString string       // the last date text and its Date.String
}

// write appends r's Content to b after parsing its date and recorded-at
// through w.times. ok false: b is not its Content (or r does not decode);
// kind is its meta's "kind".
func (w *contentWriter) write(b []byte, r *rawEntry) (_ []byte, kind string, ok bool) {
	if !w.parseTimes(r) {
		return b, "", false
	}
	b = append(b, "key="...)
	b = append(b, r.source...)
	b = append(b, '\x1f')
	b = append(b, r.externalID...)
	b = append(b, "\ndate="...)
	b = append(b, w.dateString...)
	b = append(b, "\ndesc="...)
	b = append(b, r.description...)
	b = append(b, "\nreverses="...)
	b = strconv.AppendInt(b, r.reverses.Int64, 10)
	b = append(b, '\n')
	if b, kind, ok = appendPlainMeta(b, r.meta); !ok {
		return b, "", false
	}
	for i := range r.postings {
		p := &r.postings[i]
		if !canonicalAmount(p.amount) {
			return b, "", false
		}
		b = append(b, "posting="...)
		b = append(b, p.account.String...)
		b = append(b, '\x1f')
		b = append(b, p.amount...)
		b = append(b, '\x1f')
		b = append(b, p.currency...)
		b = append(b, '\n')
	}
	return b, kind, true
}

// parseTimes parses r's date and recorded-at as entryWith does (the same
// cache): false if either does not parse.
func (w *contentWriter) parseTimes(r *rawEntry) bool {
	c := w.times
	if c.dateText != r.date || r.date == "" {
		d, err := ledger.ParseDate(r.date)
		if err != nil {
			return false
		}
		c.dateText, c.date = r.date, d
	}
	if w.dateOf != r.date || w.dateString == "" {
		w.dateOf, w.dateString = r.date, c.date.String()
	}
	if c.recordedText != r.recordedAt || r.recordedAt == "" {
		t, err := parseTime(r.recordedAt)
		if err != nil {
			return false
		}
		c.recordedText, c.recorded = r.recordedAt, t
	}
	return true
}

// appendPlainMeta appends Content's meta lines for a stored meta object of
// plain strings (decodePlainMeta's) whose keys come in increasing order,
// and returns its "kind"; ok false for any other meta.
func appendPlainMeta(b []byte, s string) (_ []byte, kind string, ok bool) {
	if s == "{}" || s == "" {
		return b, "", true
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return b, "", false
	}
	last, first := "", true
	for i := 1; ; {
		k, j, ok := ledger.PlainJSONString(s, i)
		if !ok || j >= len(s) || s[j] != ':' || (!first && k <= last) {
			return b, "", false
		}
		v, j, ok := ledger.PlainJSONString(s, j+1)
		if !ok {
			return b, "", false
		}
		b = append(b, "meta="...)
		b = append(b, k...)
		b = append(b, '\x1f')
		b = append(b, v...)
		b = append(b, '\n')
		if k == "kind" {
			kind = v
		}
		last, first = k, false
		switch {
		case j == len(s)-1:
			return b, kind, true
		case s[j] != ',':
			return b, "", false
		}
		i = j + 1
	}
}

// canonicalAmount reports whether s is a stored amount that
// decimal.Decimal.String prints as s: an optional '-', digits without
// leading zeros (or one "0"), optionally '.' and digits not ending in '0',
// and not "-0".
func canonicalAmount(s string) bool {
	body := s
	neg := len(body) > 0 && body[0] == '-'
	if neg {
		body = body[1:]
	}
	intEnd := 0
	for intEnd < len(body) && body[intEnd] >= '0' && body[intEnd] <= '9' {
		intEnd++
	}
	switch {
	case intEnd == 0, intEnd > 1 && body[0] == '0':
		return false
	case intEnd == len(body):
		return !(neg && body == "0")
	case body[intEnd] != '.' || intEnd+1 == len(body) || body[len(body)-1] == '0':
		return false
	}
	for i := intEnd + 1; i < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			return false
		}
	}
	return true
}
