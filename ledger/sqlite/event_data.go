package sqlite

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// An event is stored as one row of events (id, source_id, event_id, data):
// data is a JSON array of its other fields, in this order (migration 0007
// and the events_view that names them):
//
//	0 occurred_at  as given (RFC 3339, or YYYY-MM-DD for a date)
//	1 seller   2 channel   3 customer   4 product   5 region
//	6 amount   exact decimal text     7 currency
//	8 digest   hex of the first 8 bytes of the SHA-256 of the canonical content
//	9 line     10 late (0|1)   11 batch_id   12 group_no
//	13 quantity  14 unit_price   exact decimal text, or null
//	15 meta    object of the other columns
//
// The last three are written only up to the last one present: most usage
// rows have none. The accounting date is derived (the UTC date of
// occurred_at). One text column instead of twenty, and no index but the
// idempotency key, make an event row cost about what a raw insert of the
// file's columns does (docs/import.md). JSON keeps the row readable with
// SQLite's own json functions; eventFields reads it back without
// encoding/json.
const eventDataFields = 16

// Positions of the fields in data.
const (
	fOccurred = iota
	fSeller
	fChannel
	fCustomer
	fProduct
	fRegion
	fAmount
	fCurrency
	fDigest
	fLine
	fLate
	fBatch
	fGroup
	fQuantity
	fUnitPrice
	fMeta
)

// storedDigestBytes is how much of the content digest a row keeps: 64 bits
// tell a changed row from a re-imported one, and an edit from the import,
// with a chance of error far below any other failure's.
const storedDigestBytes = 8

// storedDigest is the digest as data holds it.
func storedDigest(d [usage.DigestSize]byte) string {
	return hex.EncodeToString(d[:storedDigestBytes])
}

// appendEventHead appends the fields of data that the file decides, up to
// the line (0 to 9), leaving the array open; appendEventOptional appends
// what comes after the transaction's fields. appendEventTail adds those
// (10 to 12); the row's data is head + tail + optional + "]".
func appendEventHead(b []byte, row *usage.Row, digest [usage.DigestSize]byte) []byte {
	ev := &row.Event
	b = append(b, '[')
	b = appendJSONString(b, row.OccurredText)
	for _, s := range [...]string{ev.Seller, ev.Channel, ev.Customer, ev.Product, ev.Region, row.AmountText, ev.Currency} {
		b = append(b, ',')
		b = appendJSONString(b, s)
	}
	b = append(b, `,"`...)
	b = hex.AppendEncode(b, digest[:storedDigestBytes])
	b = append(b, `",`...)
	return strconv.AppendInt(b, int64(row.Line), 10)
}

// appendEventOptional appends quantity, unit_price and meta, each preceded
// by a comma, up to the last one the row has.
func appendEventOptional(b []byte, row *usage.Row) ([]byte, error) {
	ev := &row.Event
	if row.QuantityText == "" && row.UnitPriceText == "" && len(ev.Meta) == 0 {
		return b, nil
	}
	for _, s := range [...]string{row.QuantityText, row.UnitPriceText} {
		b = append(b, ',')
		if s == "" {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, s)
		}
	}
	if len(ev.Meta) == 0 {
		return b, nil
	}
	m, err := json.Marshal(ev.Meta) // keys sorted
	if err != nil {
		return b, err
	}
	b = append(b, ',')
	return append(b, m...), nil
}

// appendEventTail appends the fields the transaction decides.
func appendEventTail(b []byte, late bool, batch, group int64) []byte {
	if late {
		b = append(b, ",1,"...)
	} else {
		b = append(b, ",0,"...)
	}
	b = strconv.AppendInt(b, batch, 10)
	b = append(b, ',')
	return strconv.AppendInt(b, group, 10)
}

// appendJSONString appends s as a JSON string: as is when nothing needs
// escaping (the common case), else as encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf && !utf8.ValidString(s) {
			q, _ := json.Marshal(s)
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// eventFields splits data into its top-level values: strings unquoted,
// null as "" with null[i] set, the meta object and numbers as their text.
type eventFields struct {
	v    [eventDataFields]string
	null [eventDataFields]bool
}

func (f *eventFields) parse(data string) error {
	i, n := 0, 0
	if len(data) < 2 || data[0] != '[' {
		return fmt.Errorf("event data is not a JSON array")
	}
	i = 1
	for {
		for i < len(data) && data[i] == ' ' {
			i++
		}
		if i >= len(data) {
			return fmt.Errorf("event data ends early")
		}
		if n >= eventDataFields {
			return fmt.Errorf("event data has more than %d fields", eventDataFields)
		}
		var j int
		switch c := data[i]; {
		case c == '"':
			j = i + 1
			escaped := false
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					escaped = true
					j++
				}
				j++
			}
			if j >= len(data) {
				return fmt.Errorf("event data: unterminated string")
			}
			j++
			if escaped {
				var s string
				if err := json.Unmarshal([]byte(data[i:j]), &s); err != nil {
					return fmt.Errorf("event data field %d: %w", n, err)
				}
				f.v[n] = s
			} else {
				f.v[n] = data[i+1 : j-1]
			}
			f.null[n] = false
		case c == '{':
			depth, inString := 0, false
			for j = i; j < len(data); j++ {
				switch data[j] {
				case '\\':
					if inString {
						j++
					}
				case '"':
					inString = !inString
				case '{':
					if !inString {
						depth++
					}
				case '}':
					if !inString {
						depth--
					}
				}
				if depth == 0 {
					break
				}
			}
			if j >= len(data) {
				return fmt.Errorf("event data: unterminated object")
			}
			j++
			f.v[n], f.null[n] = data[i:j], false
		default:
			j = i
			for j < len(data) && data[j] != ',' && data[j] != ']' {
				j++
			}
			f.v[n], f.null[n] = data[i:j], data[i:j] == "null"
			if f.null[n] {
				f.v[n] = ""
			}
		}
		n++
		for j < len(data) && data[j] == ' ' {
			j++
		}
		if j >= len(data) {
			return fmt.Errorf("event data ends early")
		}
		if data[j] == ']' {
			break
		}
		if data[j] != ',' {
			return fmt.Errorf("event data: want , after field %d", n-1)
		}
		i = j + 1
	}
	if n < fQuantity {
		return fmt.Errorf("event data has %d fields, want %d to %d", n, fQuantity, eventDataFields)
	}
	for ; n < eventDataFields; n++ {
		f.v[n], f.null[n] = "", true // absent: not given
	}
	return nil
}

func (f *eventFields) int(i int) (int64, error) {
	return strconv.ParseInt(f.v[i], 10, 64)
}

// decode fills e from the fields (ID, Source and EntryID are the caller's).
func (f *eventFields) decode(e *ledger.Event) error {
	e.Seller, e.Channel, e.Customer = f.v[fSeller], f.v[fChannel], f.v[fCustomer]
	e.Product, e.Region, e.Currency = f.v[fProduct], f.v[fRegion], f.v[fCurrency]
	occurred := f.v[fOccurred]
	e.DateOnly = len(occurred) == len("2006-01-02")
	var err error
	if e.DateOnly {
		d, err := ledger.ParseDate(occurred)
		if err != nil {
			return fmt.Errorf("occurred_at %q: %w", occurred, err)
		}
		e.OccurredAt = d.In(time.UTC)
	} else if e.OccurredAt, err = time.Parse(time.RFC3339Nano, occurred); err != nil {
		return fmt.Errorf("occurred_at %q: %w", occurred, err)
	}
	var reason string
	if e.Amount, reason = storedNumber(f.v[fAmount]); reason != "" {
		return fmt.Errorf("amount %q: %s", f.v[fAmount], reason)
	}
	e.Quantity, e.UnitPrice = nil, nil
	if !f.null[fQuantity] {
		q, reason := storedNumber(f.v[fQuantity])
		if reason != "" {
			return fmt.Errorf("quantity %q: %s", f.v[fQuantity], reason)
		}
		e.Quantity = &q // a new variable per event: a copied Event stays valid
	}
	if !f.null[fUnitPrice] {
		p, reason := storedNumber(f.v[fUnitPrice])
		if reason != "" {
			return fmt.Errorf("unit_price %q: %s", f.v[fUnitPrice], reason)
		}
		e.UnitPrice = &p
	}
	e.Meta = nil
	if m := f.v[fMeta]; !f.null[fMeta] && m != "{}" {
		if err := json.Unmarshal([]byte(m), &e.Meta); err != nil {
			return fmt.Errorf("meta: %w", err)
		}
	}
	switch f.v[fLate] {
	case "0":
		e.Late = false
	case "1":
		e.Late = true
	default:
		return fmt.Errorf("late %q: want 0 or 1", f.v[fLate])
	}
	if e.BatchID, err = f.int(fBatch); err != nil {
		return fmt.Errorf("batch_id: %w", err)
	}
	return nil
}
