package postgres

import (
	"encoding/hex"
	"strconv"
)

// copyText builds rows in COPY's text format (tab-separated, \N for
// NULL, backslash escapes). An import writes its events this way rather
// than through pgx.CopyFrom's binary encoding, which plans the encoding of
// every value and boxes each in an interface: at 1M events that was a third
// of the import's CPU in Go (docs/postgres.md, "Imports").
type copyText struct {
	buf   []byte
	start bool // at the start of a row
}

func (c *copyText) sep() {
	if !c.start {
		c.buf = append(c.buf, '\t')
	}
	c.start = false
}

// text appends s, escaped.
func (c *copyText) text(s string) {
	c.sep()
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case '\\':
			c.buf = append(c.buf, `\\`...)
		case '\t':
			c.buf = append(c.buf, `\t`...)
		case '\n':
			c.buf = append(c.buf, `\n`...)
		case '\r':
			c.buf = append(c.buf, `\r`...)
		default:
			c.buf = append(c.buf, ch)
		}
	}
}

// textOrNull appends s, or NULL when s is empty.
func (c *copyText) textOrNull(s string) {
	if s == "" {
		c.null()
		return
	}
	c.text(s)
}

func (c *copyText) int(n int64) {
	c.sep()
	c.buf = strconv.AppendInt(c.buf, n, 10)
}

func (c *copyText) bool(b bool) {
	c.sep()
	if b {
		c.buf = append(c.buf, 't')
	} else {
		c.buf = append(c.buf, 'f')
	}
}

// bytea appends b in PostgreSQL's hex form (\x..., its backslash escaped).
func (c *copyText) bytea(b []byte) {
	c.sep()
	c.buf = append(c.buf, `\\x`...)
	c.buf = hex.AppendEncode(c.buf, b)
}

func (c *copyText) null() {
	c.sep()
	c.buf = append(c.buf, `\N`...)
}

// end ends the row.
func (c *copyText) end() {
	c.buf = append(c.buf, '\n')
	c.start = true
}

func (c *copyText) reset() {
	c.buf, c.start = c.buf[:0], true
}
