package sqlite

import (
	"encoding/json"
	"sort"
	"strings"
)

// encodeMeta writes an entry's meta as entries.meta stores it: JSON with
// sorted keys, "{}" when empty.
func encodeMeta(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	// The common case by hand: keys and values of printable ASCII that
	// JSON writes as they are (json.Marshal escapes ", \, <, > and &).
	var arr [8]string
	keys := arr[:0]
	n := 2
	for k, v := range m {
		if !plainJSON(k) || !plainJSON(v) {
			b, err := json.Marshal(m) // keys sorted
			return string(b), err
		}
		keys = append(keys, k)
		n += len(k) + len(v) + 6
	}
	sort.Strings(keys)
	// A Builder: one allocation, where a byte slice and its conversion to
	// a string were two per entry.
	var b strings.Builder
	b.Grow(n)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		b.WriteString(k)
		b.WriteString(`":"`)
		b.WriteString(m[k])
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// plainString reads a quoted plain string (printable ASCII, no escapes) at
// s[i:], returning it and the index after the closing quote.
func plainString(s string, i int) (string, int, bool) {
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

// decodePlainMeta decodes what encodeMeta writes by hand: {"k":"v",...}
// with plainJSON keys and values, and no spaces. ok is false for anything
// else (json.Unmarshal decodes it, or says what is wrong).
func decodePlainMeta(s string) (m map[string]string, ok bool) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	m = map[string]string{}
	for i := 1; ; {
		k, j, ok := plainString(s, i)
		if !ok || j >= len(s) || s[j] != ':' {
			return nil, false
		}
		v, j, ok := plainString(s, j+1)
		if !ok {
			return nil, false
		}
		m[k] = v
		switch {
		case j == len(s)-1:
			return m, true
		case s[j] != ',':
			return nil, false
		}
		i = j + 1
	}
}

// plainJSON reports whether json.Marshal writes s between quotes unchanged.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}

func decodeMeta(s string) (map[string]string, error) {
	if s == "{}" || s == "" {
		return nil, nil
	}
	if m, ok := decodePlainMeta(s); ok {
		return m, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	return m, nil
}
