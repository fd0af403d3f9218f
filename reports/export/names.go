package export

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/revshare/revshare/ledger"
)

// beancountRoots maps revshare's account roots to beancount's typed roots
// (beancount's default name_assets, name_liabilities, ... options).
var beancountRoots = map[string]string{
	"assets":      "Assets",
	"liabilities": "Liabilities",
	"equity":      "Equity",
	"income":      "Income",
	"expenses":    "Expenses",
}

// Escape letters inside a beancount component (after its first character)
// and the two-letter escapes a component may start with. No letter of the
// second set follows an 'X' in any other encoding, which keeps the mapping
// injective (docs/export.md has the table).
const (
	bcUnderscore = 'U' // '_' after the first character
	bcDot        = 'D' // '.' after the first character
)

var bcLeading = map[byte]string{'-': "XM", '_': "XL", '.': "XP"}

// BeancountAccount maps a revshare account name to a beancount account name:
// the root becomes Assets, Liabilities, Equity, Income or Expenses, and each
// other segment becomes a component that starts with a capital letter or a
// digit and holds only letters, digits and '-'. Lower-case letters, digits
// and '-' are kept (the first letter is capitalised); '_' becomes 'U' and '.'
// becomes 'D'; a segment starting with '-', '_' or '.' starts with "XM",
// "XL" or "XP". AccountFromBeancount inverts it. An invalid revshare account
// name is an EINVALID error.
func BeancountAccount(name string) (string, error) {
	if _, err := ledger.AccountTypeOf(name); err != nil {
		return "", err
	}
	segs := strings.Split(name, ":")
	var b strings.Builder
	b.Grow(len(name) + 8)
	b.WriteString(beancountRoots[segs[0]])
	for _, s := range segs[1:] {
		b.WriteByte(':')
		switch c := s[0]; {
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			b.WriteString(bcLeading[c])
		}
		for i := 1; i < len(s); i++ {
			switch c := s[i]; c {
			case '_':
				b.WriteByte(bcUnderscore)
			case '.':
				b.WriteByte(bcDot)
			default:
				b.WriteByte(c)
			}
		}
	}
	return b.String(), nil
}

// AccountFromBeancount inverts BeancountAccount. A name that BeancountAccount
// cannot produce is an EINVALID error.
func AccountFromBeancount(name string) (string, error) {
	bad := func(why string) (string, error) {
		return "", ledger.Errorf(ledger.EINVALID, "beancount account %q is not an exported revshare account: %s", name, why)
	}
	segs := strings.Split(name, ":")
	var b strings.Builder
	root := ""
	for r, br := range beancountRoots {
		if br == segs[0] {
			root = r
		}
	}
	if root == "" {
		return bad("unknown root")
	}
	b.WriteString(root)
	for _, s := range segs[1:] {
		if s == "" {
			return bad("empty component")
		}
		b.WriteByte(':')
		i := 1
		switch c := s[0]; {
		case c == 'X' && len(s) > 1 && (s[1] == 'M' || s[1] == 'L' || s[1] == 'P'):
			b.WriteByte(map[byte]byte{'M': '-', 'L': '_', 'P': '.'}[s[1]])
			i = 2
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c - 'A' + 'a')
		case c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			return bad("component must start with a capital letter or a digit")
		}
		for ; i < len(s); i++ {
			switch c := s[i]; {
			case c == bcUnderscore:
				b.WriteByte('_')
			case c == bcDot:
				b.WriteByte('.')
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
				b.WriteByte(c)
			default:
				return bad("unexpected character " + strconv.QuoteRune(rune(c)))
			}
		}
	}
	out := b.String()
	if _, err := ledger.AccountTypeOf(out); err != nil {
		return bad(ledger.ErrorMessage(err))
	}
	return out, nil
}

// reservedMeta are metadata keys the export writes itself, or that a tool
// gives a meaning of its own (hledger's date/date2/type, beancount's
// filename/lineno). An Entry.Meta key among them is written encoded.
var reservedMeta = map[string]bool{
	"entry_id": true, "key_source": true, "key_external_id": true, "recorded_at": true,
	"reverses": true, "hash": true, "opening": true,
	"date": true, "date2": true, "type": true, "filename": true, "lineno": true,
}

// MetaKey is the name under which an Entry.Meta key is written in every
// format: the key itself when it is lower-case letters, digits and '_',
// starting with a letter, and not reserved; otherwise "meta-" followed by the
// key's bytes in lower-case hex. Keys written as themselves contain no '-',
// so the two forms never collide. MetaKeyFromExport inverts it.
func MetaKey(k string) string {
	if k != "" && !reservedMeta[k] && k[0] >= 'a' && k[0] <= 'z' {
		plain := true
		for i := 0; i < len(k); i++ {
			c := k[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				plain = false
				break
			}
		}
		if plain {
			return k
		}
	}
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 5+2*len(k))
	b = append(b, "meta-"...)
	for i := 0; i < len(k); i++ {
		b = append(b, hex[k[i]>>4], hex[k[i]&15])
	}
	return string(b)
}

// MetaKeyFromExport inverts MetaKey; ok is false for a name MetaKey cannot
// produce (such as the export's own keys, entry_id and the like).
func MetaKeyFromExport(name string) (key string, ok bool) {
	if rest, found := strings.CutPrefix(name, "meta-"); found {
		if len(rest)%2 != 0 {
			return "", false
		}
		b := make([]byte, len(rest)/2)
		for i := range b {
			v, err := strconv.ParseUint(rest[2*i:2*i+2], 16, 8)
			if err != nil || rest[2*i:2*i+2] != strings.ToLower(rest[2*i:2*i+2]) {
				return "", false
			}
			b[i] = byte(v)
		}
		if MetaKey(string(b)) != name {
			return "", false
		}
		return string(b), true
	}
	if MetaKey(name) != name {
		return "", false
	}
	return name, true
}

// Text in hledger and ledger journals has no quoting, so characters that
// would change how a line parses are percent-encoded (%XX, as in URLs);
// DecodeText inverts it. Descriptions encode '%', ';' (starts a comment),
// control characters, bytes that are not UTF-8, a leading '(' (a transaction
// code) and leading or trailing spaces (trimmed by the tools). Metadata
// values encode '%', ',' (ends an hledger tag value), '[' and ']' (bracketed
// dates), control characters, bytes that are not UTF-8, a leading ':' (a
// typed ledger value) and leading or trailing spaces.
type textKind int

const (
	descText textKind = iota
	valueText
)

func needsEncoding(s string, i int, kind textKind) bool {
	c := s[i]
	switch {
	case c == '%' || c < 0x20 || c == 0x7f:
		return true
	case c == ' ' && (i == 0 || i == len(s)-1):
		return true
	case kind == descText && (c == ';' || c == '(' && i == 0):
		return true
	case kind == valueText && (c == ',' || c == '[' || c == ']' || c == ':' && i == 0):
		return true
	}
	return false
}

// appendJournalText appends s to b, percent-encoded for kind.
func appendJournalText(b []byte, s string, kind textKind) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size <= 1 {
				b = append(b, '%', hex[c>>4], hex[c&15])
				i++
				continue
			}
			b = append(b, s[i:i+size]...)
			i += size
			continue
		}
		if needsEncoding(s, i, kind) {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
		i++
	}
	return b
}

// DecodeText inverts the percent-encoding of descriptions and metadata
// values in hledger and ledger exports. A '%' not followed by two hex digits
// is an EINVALID error.
func DecodeText(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", ledger.Errorf(ledger.EINVALID, "bad percent-encoding in %q", s)
		}
		v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
		if err != nil {
			return "", ledger.Errorf(ledger.EINVALID, "bad percent-encoding in %q", s)
		}
		b = append(b, byte(v))
		i += 2
	}
	return string(b), nil
}

// appendBeancountString appends s as a beancount string literal. Beancount
// reads \" \\ \n \r \t; other characters are written as they are. Bytes
// that are not UTF-8 (which beancount cannot read) become U+FFFD.
func appendBeancountString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
