package postgres

import (
	"encoding/json"

	"github.com/revshare/revshare/ledger"
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
// "{}", or {"k": "v", "k2": "v2"} (jsonb writes ": " and ", "); ok is
// false for anything else.
func decodeJSONBMeta(src []byte) (map[string]string, bool) {
	// One allocation: the keys and values are substrings of it.
	return ledger.DecodePlainJSONObject(string(src), ": ", ", ")
}
