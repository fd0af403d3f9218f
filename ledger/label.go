package ledger

import (
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
func HasControl(s string) bool {
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
