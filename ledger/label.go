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
		return Errorf(EINVALID, "%s %q %s", what, s, TextRule(s))
	}
	return nil
}

// HasControl says whether s is not UTF-8 or holds a control character
// (C0, DEL or C1: a line break, a tab, an escape sequence) or a
// bidirectional control (IsBidiControl).
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
		if unicode.IsControl(r) || IsBidiControl(r) {
			return true
		}
	}
	return false
}

// bidiNames are the bidirectional controls IsBidiControl refuses, by the
// names Unicode gives them (lower-cased).
var bidiNames = map[rune]string{
	0x200E: "left-to-right mark",
	0x200F: "right-to-left mark",
	0x202A: "left-to-right embedding",
	0x202B: "right-to-left embedding",
	0x202C: "pop directional formatting",
	0x202D: "left-to-right override",
	0x202E: "right-to-left override",
	0x2066: "left-to-right isolate",
	0x2067: "right-to-left isolate",
	0x2068: "first strong isolate",
	0x2069: "pop directional isolate",
}

// IsBidiControl says whether r is a bidirectional control character
// (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069). Invisible, they
// reorder the text around them when it is displayed: a seller named
// "abc\u202Efed" shows as "abcdef", so a statement line, an account's
// owner or a table row could read otherwise than what is stored ("Trojan
// Source", CVE-2021-42574). Names that people read and compare are
// refused them, as control characters; see docs/import.md.
func IsBidiControl(r rune) bool {
	return r == 0x200E || r == 0x200F || r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

// BidiControl returns the first bidirectional control character in s, if
// any.
func BidiControl(s string) (rune, bool) {
	for _, r := range s {
		if IsBidiControl(r) {
			return r, true
		}
	}
	return 0, false
}

// BidiReason says why the bidirectional control r is refused:
// "bidirectional control character U+202E (right-to-left override) is not
// allowed: it shows the text in another order than it is stored".
func BidiReason(r rune) string {
	return fmt.Sprintf("bidirectional control character %U (%s) is not allowed: it shows the text in another order than it is stored", r, bidiNames[r])
}

// TextRule is what s breaks when HasControl(s), as messages say it after
// the quoted text: LabelRule, or for a bidirectional control "has the
// bidirectional control character U+202E (right-to-left override), which
// shows the text in another order than it is stored: remove it".
func TextRule(s string) string {
	if r, ok := BidiControl(s); ok && utf8.ValidString(s) && !hasC0C1(s) {
		return fmt.Sprintf("has the bidirectional control character %U (%s), which shows the text in another order than it is stored: remove it", r, bidiNames[r])
	}
	return LabelRule
}

// hasC0C1 says whether s holds a control character (C0, DEL or C1).
func hasC0C1(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// Printable is s with each control character, each bidirectional control
// and each byte of invalid UTF-8 written as a Go escape (`\n`, `\x1b`,
// `\u0085`, `\u202e`), for text printed
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
		case IsBidiControl(r):
			b.WriteString(bidiEscape(r))
		case unicode.IsControl(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bidiEscape is how Printable and EscapeBidi write the bidirectional
// control r: `\u202e`.
func bidiEscape(r rune) string { return fmt.Sprintf(`\u%04x`, r) }

// bidiEscaper replaces each bidirectional control with bidiEscape's text.
var bidiEscaper = func() *strings.Replacer {
	var pairs []string
	for r := range bidiNames {
		pairs = append(pairs, string(r), bidiEscape(r))
	}
	return strings.NewReplacer(pairs...)
}()

// EscapeBidi is s with each bidirectional control written as Printable
// writes it (`\u202e`) and every other byte left as it is, line breaks
// and invalid UTF-8 included. It is for a whole rendered HTML page (the
// web view, an HTML statement): HTML escaping leaves these characters
// alone, so a name stored before the rule that refuses them (or by a
// hand edit) would reorder what an auditor reads, and the page's own
// markup holds none, so every one in it came from stored text.
func EscapeBidi(s string) string { return bidiEscaper.Replace(s) }

// isInvalidAt says whether the rune at s[i] is a byte of invalid UTF-8
// (utf8.RuneError decoded from one byte) rather than an encoded U+FFFD.
func isInvalidAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 1
}
