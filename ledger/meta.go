package ledger

import "strings"

// An entry's meta is stored as a JSON object of strings. Both backends
// write its common form by hand, keys and values of printable ASCII that
// need no escape, and read it back by hand (json.Unmarshal was a quarter of
// PostgreSQL's verify, docs/postgres.md, "Session 20"); they differ only in
// the spacing: SQLite stores {"k":"v","k2":"v2"}, jsonb prints
// {"k": "v", "k2": "v2"}.

// PlainJSONString reads a quoted JSON string of printable ASCII without
// escapes at s[i:], returning it and the index after its closing quote; ok
// is false for anything else.
func PlainJSONString(s string, i int) (_ string, next int, ok bool) {
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

// DecodePlainJSONObject decodes "{}", or an object of PlainJSONStrings
// written with colon between a key and its value and comma between pairs
// and nothing else. A key given twice keeps its last value, as with
// json.Unmarshal. ok is false for any other text (the caller then
// decodes it with json.Unmarshal, which also says what is wrong).
func DecodePlainJSONObject(s, colon, comma string) (m map[string]string, ok bool) {
	if s == "{}" {
		return map[string]string{}, true
	}
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	m = make(map[string]string, strings.Count(s, colon))
	for i := 1; ; {
		k, j, ok := PlainJSONString(s, i)
		if !ok || !strings.HasPrefix(s[j:], colon) {
			return nil, false
		}
		v, j, ok := PlainJSONString(s, j+len(colon))
		if !ok {
			return nil, false
		}
		m[k] = v
		switch {
		case j == len(s)-1:
			return m, true
		case !strings.HasPrefix(s[j:], comma):
			return nil, false
		}
		i = j + len(comma)
	}
}
