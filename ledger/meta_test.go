package ledger

import (
	"encoding/json"
	"reflect"
	"testing"
)

// DecodePlainJSONObject decodes by hand only what it is asked to (one
// spacing, plain strings) and then gives json.Unmarshal's map.
func TestDecodePlainJSONObject(t *testing.T) {
	tests := []struct {
		s            string
		colon, comma string
		ok           bool
	}{
		{`{}`, ":", ",", true},
		{`{}`, ": ", ", ", true},
		{`{"kind":"usage","batch":"1"}`, ":", ",", true},
		{`{"kind": "usage", "batch": "1"}`, ": ", ", ", true},
		{`{"": ""}`, ": ", ", ", true},
		{`{"a":"b","a":"c"}`, ":", ",", true}, // the last wins, as json.Unmarshal
		{`{"a": "<&> ~:,"}`, ": ", ", ", true},
		{`{"a": "b"}`, ":", ",", false},  // another spacing
		{`{"a":"b"}`, ": ", ", ", false}, // another spacing
		{`{"a":"b",}`, ":", ",", false},
		{`{"a":"b"`, ":", ",", false},
		{`{"a":1}`, ":", ",", false},
		{`{"a":"x\"y"}`, ":", ",", false},
		{`{"a":"\u00e9"}`, ":", ",", false},
		{`{"é":"ü"}`, ":", ",", false},
		{"{\"a\":\"\x7f\"}", ":", ",", false},
		{`{"a":"b"}x`, ":", ",", false},
		{`null`, ":", ",", false},
		{``, ":", ",", false},
	}
	for _, tc := range tests {
		m, ok := DecodePlainJSONObject(tc.s, tc.colon, tc.comma)
		if ok != tc.ok {
			t.Errorf("%q with %q, %q: ok %v, want %v", tc.s, tc.colon, tc.comma, ok, tc.ok)
			continue
		}
		if !ok {
			if m != nil {
				t.Errorf("%q: %v and not ok", tc.s, m)
			}
			continue
		}
		var want map[string]string
		if err := json.Unmarshal([]byte(tc.s), &want); err != nil {
			t.Fatalf("%q: %v", tc.s, err)
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("%q: %#v, want %#v", tc.s, m, want)
		}
	}
}

func TestPlainJSONString(t *testing.T) {
	for _, tc := range []struct {
		s    string
		i    int
		want string
		next int
		ok   bool
	}{
		{`"ab"`, 0, "ab", 4, true},
		{`x:"ab",`, 2, "ab", 6, true},
		{`""`, 0, "", 2, true},
		{`"ab`, 0, "", 0, false},
		{`ab"`, 0, "", 0, false},
		{`"a\"b"`, 0, "", 0, false},
		{"\"a\tb\"", 0, "", 0, false},
		{`"é"`, 0, "", 0, false},
		{`"ab"`, 4, "", 0, false},
	} {
		got, next, ok := PlainJSONString(tc.s, tc.i)
		if got != tc.want || next != tc.next || ok != tc.ok {
			t.Errorf("PlainJSONString(%q, %d) = %q, %d, %v; want %q, %d, %v", tc.s, tc.i, got, next, ok, tc.want, tc.next, tc.ok)
		}
	}
}
