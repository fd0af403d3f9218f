package sqlite

import (
	"database/sql"
	"testing"
)

// contentWriter writes exactly what Entry.Content gives for the entries it
// takes, takes the common ones, and leaves the others to entryWith.
func TestContentWriterAsContent(t *testing.T) {
	posting := func(seq int64, account, amount string) rawPosting {
		return rawPosting{entryID: 7, seq: seq, account: sql.NullString{String: account, Valid: true}, currency: "USD", amount: amount}
	}
	entry := func(meta string, amounts ...string) rawEntry {
		r := rawEntry{id: 7, source: "import", externalID: "x:1", date: "2024-02-29", recordedAt: "2024-03-01T10:00:00.500000000Z",
			description: "usage seller/ch", meta: meta, reverses: sql.NullInt64{Int64: 3, Valid: true}}
		for i, a := range amounts {
			r.postings = append(r.postings, posting(int64(i+1), "assets:x", a))
		}
		return r
	}
	const plain = `{"batch":"1","kind":"usage","seller":"s"}`
	for _, c := range []struct {
		r    rawEntry
		take bool // the writer takes it (else entryWith)
	}{
		{entry(plain, "7919.01", "-7919.01"), true},
		{entry(plain, "0", "-0.5", "0.5", "120", "-120"), true},
		{entry("{}", "1", "-1"), true},
		{entry("", "1", "-1"), true},
		{entry(`{"a":"","b":"x y"}`, "123456789012345678901234567890.123456789012345678", "-1"), true},
		{entry(plain, "7919.10", "-7919.1"), false},               // trailing zero
		{entry(plain, "07919.1", "-7919.1"), false},               // leading zero
		{entry(plain, "-0", "0"), false},                          // "-0"
		{entry(plain, "-0.0", "0"), false},                        // zero with a sign
		{entry(plain, "1.", "-1"), false},                         // not readable
		{entry(plain, ".5", "-0.5"), false},                       // not readable
		{entry(plain, "+1", "-1"), false},                         // not readable
		{entry(plain, "1e3", "-1000"), false},                     // not readable
		{entry(plain, "1,000", "-1000"), false},                   // not readable
		{entry(plain, "", "1"), false},                            // not readable
		{entry(`{"kind":"usage","batch":"1"}`, "1", "-1"), false}, // keys out of order
		{entry(`{"a":"1","a":"2"}`, "1", "-1"), false},            // a key twice
		{entry(`{"a":"\u0041"}`, "1", "-1"), false},               // an escape
		{entry(`{"a": "1"}`, "1", "-1"), false},                   // a space
		{entry(`{"a":1}`, "1", "-1"), false},                      // not a string
		{entry(`[]`, "1", "-1"), false},                           // not an object
	} {
		var times parsedTimes
		w := contentWriter{times: &times}
		got, kind, ok := w.write(nil, &c.r)
		if ok != c.take {
			t.Errorf("%s %v: taken %v, want %v", c.r.meta, c.r.postings, ok, c.take)
		}
		if !ok {
			continue
		}
		e, err := c.r.entryWith(nil)
		if err != nil {
			t.Fatalf("%s %v: taken but entryWith says %v", c.r.meta, c.r.postings, err)
		}
		if string(got) != e.Content() {
			t.Errorf("%s %v: writes\n%q\nwant\n%q", c.r.meta, c.r.postings, got, e.Content())
		}
		if kind != e.Meta["kind"] {
			t.Errorf("%s: kind %q, want %q", c.r.meta, kind, e.Meta["kind"])
		}
		if want, _ := parseTime(c.r.recordedAt); !times.recorded.Equal(want) || times.dateText != c.r.date {
			t.Errorf("times %+v after %s", times, c.r.recordedAt)
		}
	}
	// A date or recorded-at that does not parse is entryWith's to name.
	for _, r := range []rawEntry{
		{id: 1, source: "a", externalID: "b", date: "2024-02-30", recordedAt: "2024-03-01T10:00:00.000000000Z", meta: "{}"},
		{id: 1, source: "a", externalID: "b", date: "2024-02-28", recordedAt: "yesterday", meta: "{}"},
	} {
		var times parsedTimes
		w := contentWriter{times: &times}
		if _, _, ok := w.write(nil, &r); ok {
			t.Errorf("%s %s: taken", r.date, r.recordedAt)
		}
	}
}
