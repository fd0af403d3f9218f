package sqlite_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// filterFile has events that differ in customer, product, region and
// currency, so that each filter alone and combined picks a known set.
const filterFile = "event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n" +
	"f1,2026-01-05,openai,azure,acme,gpt,us,10,USD\n" +
	"f2,2026-01-05,openai,azure,acme,dalle,eu,20,EUR\n" +
	"f3,2026-01-06,openai,aws,globex,gpt,eu,30,USD\n" +
	"f4,2026-01-06,openai,azure,globex,gpt,us,40,EUR\n" +
	"f5,2026-01-07,microsoft,azure,acme,gpt,us,50,USD\n" +
	"f6,2026-01-07,openai,azure,initech,whisper,apac,60,JPY\n"

func importFilterFile(t *testing.T) *sqlite.DB {
	t.Helper()
	db := openDB(t, storetest.NewClock(storetest.T0))
	if _, rejects, err := importString(t, db, "f.csv", filterFile, usage.ImportOptions{}); err != nil || len(rejects) > 0 {
		t.Fatalf("import: %v %q", err, rejects)
	}
	return db
}

// eventsText is "id:event_id" of each event, space-separated.
func eventsText(evs []ledger.Event) string {
	var b []string
	for _, e := range evs {
		b = append(b, fmt.Sprintf("%d:%s", e.ID, e.EventID))
	}
	return strings.Join(b, " ")
}

func TestEventFilterByField(t *testing.T) {
	ctx := context.Background()
	db := importFilterFile(t)
	tests := []struct {
		name string
		f    ledger.EventFilter
		want string
	}{
		{"none", ledger.EventFilter{}, "1:f1 2:f2 3:f3 4:f4 5:f5 6:f6"},
		{"customer", ledger.EventFilter{Customer: "acme"}, "1:f1 2:f2 5:f5"},
		{"product", ledger.EventFilter{Product: "gpt"}, "1:f1 3:f3 4:f4 5:f5"},
		{"region", ledger.EventFilter{Region: "eu"}, "2:f2 3:f3"},
		{"currency", ledger.EventFilter{Currency: "EUR"}, "2:f2 4:f4"},
		{"unknown customer", ledger.EventFilter{Customer: "umbrella"}, ""},
		{"case matters", ledger.EventFilter{Currency: "usd"}, ""},
		{"customer and product", ledger.EventFilter{Customer: "acme", Product: "gpt"}, "1:f1 5:f5"},
		{"customer, product, region", ledger.EventFilter{Customer: "globex", Product: "gpt", Region: "us"}, "4:f4"},
		{"product and currency", ledger.EventFilter{Product: "gpt", Currency: "USD"}, "1:f1 3:f3 5:f5"},
		{"all four", ledger.EventFilter{Customer: "acme", Product: "gpt", Region: "us", Currency: "USD"}, "1:f1 5:f5"},
		{"with seller", ledger.EventFilter{Seller: "openai", Customer: "acme", Currency: "USD"}, "1:f1"},
		{"with channel", ledger.EventFilter{Channel: "azure", Product: "gpt"}, "1:f1 4:f4 5:f5"},
		{"with dates", ledger.EventFilter{Region: "us", From: storetest.D("2026-01-06"), To: storetest.D("2026-01-06")}, "4:f4"},
		{"entry alone", ledger.EventFilter{EntryID: 4}, "4:f4"},
		{"with entry", ledger.EventFilter{EntryID: 4, Customer: "acme"}, ""},
		{"with entry, matching", ledger.EventFilter{EntryID: 4, Customer: "globex", Limit: 1}, "4:f4"},
		{"with source", ledger.EventFilter{Source: "default", Region: "apac"}, "6:f6"},
		{"other source", ledger.EventFilter{Source: "billing", Region: "apac"}, ""},
		// The filters skip rows after SQL: a page must still be full.
		{"limit", ledger.EventFilter{Product: "gpt", Limit: 2}, "1:f1 3:f3"},
		{"limit after cursor", ledger.EventFilter{Product: "gpt", AfterID: 3, Limit: 1}, "4:f4"},
		{"currency limit", ledger.EventFilter{Currency: "JPY", Limit: 1}, "6:f6"},
		{"region after cursor", ledger.EventFilter{Region: "eu", AfterID: 2}, "3:f3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			evs, err := db.Events(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := eventsText(evs); got != tt.want {
				t.Errorf("Events = %q, want %q", got, tt.want)
			}
			var each []ledger.Event
			if err := db.EachEvent(ctx, tt.f, func(e *ledger.Event) error { each = append(each, *e); return nil }); err != nil {
				t.Fatal(err)
			}
			if got := eventsText(each); got != tt.want {
				t.Errorf("EachEvent = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestEventsByID(t *testing.T) {
	ctx := context.Background()
	db := importFilterFile(t)
	all, err := db.Events(ctx, ledger.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	evs, err := db.EventsByID(ctx, []int64{5, 1, 3, 5})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := eventsText(evs), "5:f5 1:f1 3:f3 5:f5"; got != want {
		t.Errorf("EventsByID = %q, want %q", got, want)
	}
	for _, e := range evs {
		if !reflect.DeepEqual(e, all[e.ID-1]) {
			t.Errorf("EventsByID event %d:\n%+v\nwant (as Events reads it):\n%+v", e.ID, e, all[e.ID-1])
		}
	}
	if evs, err := db.EventsByID(ctx, nil); err != nil || evs == nil || len(evs) != 0 {
		t.Errorf("EventsByID(nil) = %v, %v; want an empty list", evs, err)
	}
	_, err = db.EventsByID(ctx, []int64{2, 7, 9})
	if ledger.ErrorCode(err) != ledger.ENOTFOUND || ledger.ErrorMessage(err) != "event 7 not found" {
		t.Errorf("EventsByID(2, 7, 9) error = %v, want ENOTFOUND event 7 not found", err)
	}
}

// TestEventsByIDChunks reads more IDs than one query asks for.
func TestEventsByIDChunks(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, storetest.NewClock(storetest.T0))
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	const n = 1203
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "c%d,2026-01-%02d,openai,azure,%d,USD\n", i, 1+i%28, i)
	}
	if _, rejects, err := importString(t, db, "c.csv", b.String(), usage.ImportOptions{}); err != nil || len(rejects) > 0 {
		t.Fatalf("import: %v %q", err, rejects)
	}
	all, err := db.Events(ctx, ledger.EventFilter{})
	if err != nil || len(all) != n {
		t.Fatalf("events: %d %v", len(all), err)
	}
	// Every ID, newest first.
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(n - i)
	}
	evs, err := db.EventsByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n {
		t.Fatalf("EventsByID returned %d events, want %d", len(evs), n)
	}
	for i, e := range evs {
		if want := all[n-1-i]; !reflect.DeepEqual(e, want) {
			t.Fatalf("EventsByID[%d] = %+v, want %+v", i, e, want)
		}
	}
}
