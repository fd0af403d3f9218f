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
//	1 date         its true accounting date (UTC), YYYY-MM-DD
//	2 seller   3 channel   4 customer   5 product   6 region
//	7 quantity  8 unit_price   exact decimal text, or null
//	9 amount   exact decimal text     10 currency
//	11 meta    object of the other columns
//	12 digest  hex of the first 16 bytes of SHA-256 of the canonical content
//	13 line    14 late (0|1)   15 batch_id   16 group_no
//
// One text column instead of twenty, and no index but the idempotency key,
// make an event row cost about what a raw insert of the file's columns does
// (docs/import.md). JSON keeps the row readable with SQLite's own json
// functions; eventFields reads it back without encoding/json.
const eventDataFields = 17

// Positions of the fields in data.
const (
	fOccurred = iota
	fDate
	fSeller
	fChannel
	fCustomer
	fProduct
	fRegion
	fQuantity
	fUnitPrice
	fAmount
	fCurrency
	fMeta
	fDigest
	fLine
	fLate
	fBatch
	fGroup
)

// appendEventHead appends the fields of data that the file decides (0 to
// 13), leaving the array open: appendEventTail closes it with what the
// transaction decides.
func appendEventHead(b []byte, row *usage.Row, date string, digest []byte) ([]byte, error) {
	ev := &row.Event
	b = append(b, '[')
	b = appendJSONString(b, row.OccurredText)
	for _, s := range [...]string{date, ev.Seller, ev.Channel, ev.Customer, ev.Product, ev.Region} {
		b = append(b, ',')
		b = appendJSONString(b, s)
	}
	for _, s := range [...]string{row.QuantityText, row.UnitPriceText} {
		b = append(b, ',')
		if s == "" {
			b = append(b, "null"...)
		} else {
			b = appendJSONString(b, s)
		}
	}
	b = append(b, ',')
	b = appendJSONString(b, row.AmountText)
	b = append(b, ',')
	b = appendJSONString(b, ev.Currency)
	b = append(b, ',')
	if len(ev.Meta) == 0 {
		b = append(b, "{}"...)
	} else {
		m, err := json.Marshal(ev.Meta) // keys sorted
		if err != nil {
			return b, err
		}
		b = append(b, m...)
	}
	b = append(b, `,"`...)
	b = hex.AppendEncode(b, digest)
	b = append(b, `",`...)
	b = strconv.AppendInt(b, int64(row.Line), 10)
	return b, nil
}

// appendEventTail closes what appendEventHead began.
func appendEventTail(b []byte, late bool, batch, group int64) []byte {
	if late {
		b = append(b, ",1,"...)
	} else {
		b = append(b, ",0,"...)
	}
	b = strconv.AppendInt(b, batch, 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, group, 10)
	return append(b, ']')
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
	if n != eventDataFields {
		return fmt.Errorf("event data has %d fields, want %d", n, eventDataFields)
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
	if e.Amount, reason = usage.ParseDecimal(f.v[fAmount], usage.DefaultNumber); reason != "" {
		return fmt.Errorf("amount %q: %s", f.v[fAmount], reason)
	}
	e.Quantity, e.UnitPrice = nil, nil
	if !f.null[fQuantity] {
		q, reason := usage.ParseDecimal(f.v[fQuantity], usage.DefaultNumber)
		if reason != "" {
			return fmt.Errorf("quantity %q: %s", f.v[fQuantity], reason)
		}
		e.Quantity = &q // a new variable per event: a copied Event stays valid
	}
	if !f.null[fUnitPrice] {
		p, reason := usage.ParseDecimal(f.v[fUnitPrice], usage.DefaultNumber)
		if reason != "" {
			return fmt.Errorf("unit_price %q: %s", f.v[fUnitPrice], reason)
		}
		e.UnitPrice = &p
	}
	e.Meta = nil
	if m := f.v[fMeta]; m != "{}" {
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
