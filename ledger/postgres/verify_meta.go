package postgres

import (
	"bytes"
	"encoding/json"
)

// metaScanner scans entries.meta, a jsonb object of strings, into *m as
// pgx's JSON codec does (json.Unmarshal into a fresh map; NULL a nil map),
// but decodes the common form by hand: jsonb's text of an object whose
// keys and values are printable ASCII without escapes,
// {"batch": "1", "kind": "usage"}. Anything else goes to json.Unmarshal.
//
// Why: on the per-event book verify spent about a quarter of its CPU in
// json.Unmarshal of the entries' meta (docs/postgres.md, "Session 20").
type metaScanner struct{ m *map[string]string }

// ScanBytes implements pgtype.BytesScanner: src is the object's text
// (pgx strips jsonb's version byte), valid until the next row.
func (s metaScanner) ScanBytes(src []byte) error {
	*s.m = nil
	if src == nil {
		return nil
	}
	if m, ok := decodeJSONBMeta(src); ok {
		*s.m = m
		return nil
	}
	return json.Unmarshal(src, s.m)
}

// decodeJSONBMeta decodes jsonb's text of an object of plain strings:
// "{}", or {"k": "v", "k2": "v2"} (jsonb writes ": " and ", "), each key
// and value of bytes 0x20-0x7e other than " and \. ok is false for
// anything else.
func decodeJSONBMeta(src []byte) (m map[string]string, ok bool) {
	if string(src) == "{}" {
		return map[string]string{}, true
	}
	if len(src) < 2 || src[0] != '{' || src[len(src)-1] != '}' {
		return nil, false
	}
	s := string(src) // one allocation; the keys and values are its substrings
	m = make(map[string]string, bytes.Count(src, []byte(`": "`)))
	for i := 1; ; {
		k, j, ok := plainJSONString(s, i)
		if !ok || j+2 > len(s) || s[j:j+2] != ": " {
			return nil, false
		}
		v, j, ok := plainJSONString(s, j+2)
		if !ok {
			return nil, false
		}
		m[k] = v
		switch {
		case j == len(s)-1:
			return m, true
		case j+2 > len(s) || s[j:j+2] != ", ":
			return nil, false
		}
		i = j + 2
	}
}

// plainJSONString reads a quoted string of printable ASCII without
// escapes at s[i:], returning it and the index after its closing quote.
func plainJSONString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return "", 0, false
		}
	}
	return "", 0, false
}
