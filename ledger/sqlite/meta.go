package sqlite

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/revshare/revshare/ledger"
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

// decodePlainMeta decodes what encodeMeta writes by hand: {"k":"v",...}
// with plainJSON keys and values, and no spaces. ok is false for anything
// else (json.Unmarshal decodes it, or says what is wrong).
func decodePlainMeta(s string) (map[string]string, bool) {
	return ledger.DecodePlainJSONObject(s, ":", ",")
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
