package postgres

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// metaScanner gives what pgx's JSON codec gave (json.Unmarshal into a
// fresh map, NULL a nil map), decoding by hand only jsonb's text of an
// object of plain strings.
func TestMetaScanner(t *testing.T) {
	tests := []struct {
		src  string
		null bool
		fast bool // decodeJSONBMeta decodes it
	}{
		{src: "", null: true},
		{src: `{}`, fast: true},
		{src: `{"a": "b"}`, fast: true},
		{src: `{"": ""}`, fast: true},
		{src: `{"kind": "usage", "late": "false", "batch": "1", "events": "1", "seller": "seller002", "source": "default", "channel": "ch0"}`, fast: true},
		{src: `{"a": "<&> ~"}`, fast: true},
		{src: `{"a":"b"}`},                        // not jsonb's spacing
		{src: `{"a": "x\"y", "b": "\\"}`},         // escapes
		{src: `{"a": "\u00e9\n"}`},                // escaped non-ASCII, control
		{src: `{"é": "ü"}`},                       // non-ASCII
		{src: `{"a": "b", "a": "c"}`, fast: true}, // the last wins, as json.Unmarshal
		{src: `{"a": 1}`},                         // an error
		{src: `{"a": "b",}`},                      // an error
		{src: `{"a": "b"`},                        // an error
		{src: `null`},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			var src []byte
			if !tc.null {
				src = []byte(tc.src)
			}
			var want map[string]string // pgx zeroes the map before json.Unmarshal
			var wantErr error
			if !tc.null {
				wantErr = json.Unmarshal(src, &want)
			}
			got := map[string]string{"stale": "key"}
			err := metaScanner{&got}.ScanBytes(src)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, %v; want %#v, %v", got, err, want, wantErr)
			}
			if _, ok := decodeJSONBMeta(src); ok != tc.fast {
				t.Errorf("decoded by hand: %v, want %v", ok, tc.fast)
			}
		})
	}
}
