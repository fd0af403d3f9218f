package ledger

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// LabelRule is what CheckLabel asks of a label, as messages say it.
const LabelRule = "has control characters or invalid UTF-8: write it on one line, in UTF-8"

// CheckLabel says EINVALID when a free-text label that people read in
// tables, statements and terminals (what names it in the message, as in
// "token name") is longer than max bytes or fails HasControl. Such a label
// broke the tables that print it, and an escape sequence in it reached the
// terminal of whoever listed it.
func CheckLabel(what, s string, max int) error {
	if len(s) > max {
		return Errorf(EINVALID, "%s is %d bytes long, at most %d allowed", what, len(s), max)
	}
	if HasControl(s) {
		return Errorf(EINVALID, "%s %q %s", what, s, LabelRule)
	}
	return nil
}

// HasControl says whether s is not UTF-8 or holds a control character
// (C0, DEL or C1: a line break, a tab, an escape sequence).
//
// ASCII text (nearly every label and usage field) is checked a byte at a
// time; decoding runes from the start cost the usage reader ~12% of its CPU.
func HasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c == 0x7f:
			return true
		case c >= utf8.RuneSelf:
			return hasControlRunes(s[i:])
		}
	}
	return false
}

// hasControlRunes is HasControl from the first byte that is not ASCII.
func hasControlRunes(s string) bool {
	if !utf8.ValidString(s) {
		return true
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// Printable is s with each control character and each byte of invalid
// UTF-8 written as a Go escape (`\n`, `\x1b`, `\u0085`), for text printed
// to a terminal or a table: stored text from before CheckLabel's rule (a
// contract's name, say) is shown, never run as an escape sequence. Text
// without such characters comes back unchanged.
func Printable(s string) string {
	if !HasControl(s) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && isInvalidAt(s, i):
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isInvalidAt says whether the rune at s[i] is a byte of invalid UTF-8
// (utf8.RuneError decoded from one byte) rather than an encoded U+FFFD.
func isInvalidAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 1
}
