package postgres

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/revshare/revshare/ledger"
)

// copyBinary builds rows in COPY's binary format: per row a field count,
// then per field its length in bytes (-1: NULL) and its value in the
// type's binary form. An import writes its events this way by hand: the
// server then converts no numbers, dates or hex (its text parsing of the
// same rows cost about 0.4 µs a row more, docs/postgres.md, "Imports"),
// and nothing is boxed in an interface as pgx.CopyFrom would.
type copyBinary struct {
	buf    []byte
	digits []uint16 // numeric's scratch
	keys   []string // jsonbObject's scratch
}

// copyBinaryHeader starts a binary COPY: the signature, no flags and no
// header extension; copyBinaryTrailer ends it.
const (
	copyBinaryHeader  = "PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	copyBinaryTrailer = "\xff\xff"
)

// row starts a row of n fields.
func (c *copyBinary) row(n int) { c.buf = binary.BigEndian.AppendUint16(c.buf, uint16(n)) }

func (c *copyBinary) length(n int) { c.buf = binary.BigEndian.AppendUint32(c.buf, uint32(int32(n))) }

func (c *copyBinary) null() { c.length(-1) }

// text appends s as text (or bytea: both go as their bytes).
func (c *copyBinary) text(s string) {
	c.length(len(s))
	c.buf = append(c.buf, s...)
}

func (c *copyBinary) bytea(b []byte) {
	c.length(len(b))
	c.buf = append(c.buf, b...)
}

// jsonbObject appends m as a jsonb object: a version byte (1), then the
// JSON text, keys sorted. A string of plain ASCII (no quote, backslash or
// control character: metadata almost always) is written as it is, any
// other by encoding/json, as json.Marshal(m) would (the server keeps the
// object, not the text).
func (c *copyBinary) jsonbObject(m map[string]string) error {
	at := len(c.buf)
	c.length(0) // set below
	c.buf = append(c.buf, 1, '{')
	keys := c.keys[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			c.buf = append(c.buf, ',')
		}
		if err := c.jsonString(k); err != nil {
			return err
		}
		c.buf = append(c.buf, ':')
		if err := c.jsonString(m[k]); err != nil {
			return err
		}
	}
	c.buf = append(c.buf, '}')
	binary.BigEndian.PutUint32(c.buf[at:], uint32(len(c.buf)-at-4))
	clear(keys)
	c.keys = keys[:0]
	return nil
}

func (c *copyBinary) jsonString(s string) error {
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' {
			j, err := json.Marshal(s)
			c.buf = append(c.buf, j...)
			return err
		}
	}
	c.buf = append(c.buf, '"')
	c.buf = append(c.buf, s...)
	c.buf = append(c.buf, '"')
	return nil
}

// int8 appends a bigint, int4 an integer.
func (c *copyBinary) int8(n int64) {
	c.length(8)
	c.buf = binary.BigEndian.AppendUint64(c.buf, uint64(n))
}

func (c *copyBinary) int4(n int32) {
	c.length(4)
	c.buf = binary.BigEndian.AppendUint32(c.buf, uint32(n))
}

func (c *copyBinary) bool(b bool) {
	c.length(1)
	if b {
		c.buf = append(c.buf, 1)
	} else {
		c.buf = append(c.buf, 0)
	}
}

// pgEpoch is day 0 of PostgreSQL's date: 2000-01-01, in days since 1970-01-01.
const pgEpoch = 10957

// date appends d as days since 2000-01-01 (both calendars proleptic
// Gregorian).
func (c *copyBinary) date(d ledger.Date) {
	days := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Unix()/86400 - pgEpoch
	c.int4(int32(days))
}

// numericOrNull appends s as numeric, or NULL when s is empty.
func (c *copyBinary) numericOrNull(s string) error {
	if s == "" {
		c.null()
		return nil
	}
	return c.numeric(s)
}

// numeric appends s, a plain decimal ("-1234.50": an optional '-',
// digits, and an optional '.' followed by digits), as numeric with the
// scale written: base-10000 digits, the weight of the first (in powers
// of 10,000), the sign and the display scale, as numeric_send writes
// them. Anything else is an error (the reader gives only this form).
func (c *copyBinary) numeric(s string) error {
	body := s
	neg := len(body) > 0 && body[0] == '-'
	if neg {
		body = body[1:]
	}
	intPart, frac := body, ""
	for i := 0; i < len(body); i++ {
		if body[i] == '.' {
			intPart, frac = body[:i], body[i+1:]
			if frac == "" {
				return fmt.Errorf("numeric %q: no digits after the decimal point", s)
			}
			break
		}
	}
	if intPart == "" || !digitsOnly(intPart) || !digitsOnly(frac) || len(frac) > 0x3fff {
		return fmt.Errorf("numeric %q: not a plain decimal", s)
	}
	for len(intPart) > 0 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	// The integer part in groups of four from the point leftwards (the
	// first group shorter), the fraction from the point rightwards (the
	// last group padded with zeros).
	d := c.digits[:0]
	weight := (len(intPart)+3)/4 - 1
	first := len(intPart) % 4
	if first == 0 {
		first = 4
	}
	for i := 0; i < len(intPart); {
		n := 4
		if i == 0 {
			n = first
		}
		d = append(d, group(intPart[i:i+n], n))
		i += n
	}
	for i := 0; i < len(frac); i += 4 {
		g := frac[i:min(i+4, len(frac))]
		d = append(d, group(g, 4))
	}
	c.digits = d[:0]
	// Leading zero groups (a number below 1) lower the weight; trailing
	// ones carry nothing (the display scale keeps "10.50" as written).
	for len(d) > 0 && d[0] == 0 {
		d = d[1:]
		weight--
	}
	for len(d) > 0 && d[len(d)-1] == 0 {
		d = d[:len(d)-1]
	}
	sign := uint16(0)
	if len(d) == 0 {
		weight = 0 // zero: no digits, positive
	} else if neg {
		sign = 0x4000
	}
	c.length(8 + 2*len(d))
	c.buf = binary.BigEndian.AppendUint16(c.buf, uint16(len(d)))
	c.buf = binary.BigEndian.AppendUint16(c.buf, uint16(int16(weight)))
	c.buf = binary.BigEndian.AppendUint16(c.buf, sign)
	c.buf = binary.BigEndian.AppendUint16(c.buf, uint16(len(frac)))
	for _, g := range d {
		c.buf = binary.BigEndian.AppendUint16(c.buf, g)
	}
	return nil
}

// group is the value of the decimal digits s followed by zeros up to n
// digits ("5", 4 is 5000).
func group(s string, n int) uint16 {
	v := uint16(0)
	for i := 0; i < n; i++ {
		v *= 10
		if i < len(s) {
			v += uint16(s[i] - '0')
		}
	}
	return v
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (c *copyBinary) reset() { c.buf = append(c.buf[:0], copyBinaryHeader...) }

func (c *copyBinary) end() { c.buf = append(c.buf, copyBinaryTrailer...) }
