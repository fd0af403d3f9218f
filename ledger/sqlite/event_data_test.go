package sqlite

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// TestEventDataRoundTrip stores awkward values (quotes, backslashes, JSON
// look-alikes, non-ASCII, metadata) and reads them back exactly, through
// eventFields and through SQLite's own json_extract (events_view).
func TestEventDataRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	const csv = "event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency,x,y\n" +
		`"q""1",2026-03-01T23:59:59.123456789-05:00,openai,direct,"a,b ""c"" \n",[1]{},ü€😀,3,0.000000000000000001,3e0,USD,"{""k"":1}",]` + "\n" +
		`q2,2026-03-02,openai,direct,,,,,,-0.10,JPY,,` + "\n"
	_, err := db.ImportUsage(ctx, strings.NewReader(csv), usage.ImportOptions{FileName: "odd.csv"})
	var bad usage.RowErrors
	if errors.As(err, &bad) || err != nil && !errors.Is(err, usage.ErrBadRows) {
		t.Fatal(err)
	}
	var rejects []string
	_, err = db.ImportUsage(ctx, strings.NewReader(strings.Replace(csv, "3e0", "0.000000000000000003", 1)), usage.ImportOptions{FileName: "odd.csv",
		OnReject: func(r *usage.Row) error { rejects = append(rejects, r.Errors[0].Reason); return nil }})
	if err != nil {
		t.Fatalf("import: %v %q", err, rejects)
	}
	evs, err := db.Events(ctx, ledger.EventFilter{})
	if err != nil || len(evs) != 2 {
		t.Fatalf("events: %d, %v", len(evs), err)
	}
	e := evs[0]
	if e.EventID != `q"1` || e.Customer != `a,b "c" \n` || e.Product != "[1]{}" || e.Region != "ü€😀" ||
		e.Quantity.String() != "3" || e.UnitPrice.String() != "0.000000000000000001" || e.Amount.String() != "0.000000000000000003" ||
		e.Meta["x"] != `{"k":1}` || e.Meta["y"] != "]" || e.OccurredAt.Nanosecond() != 123456789 || e.DateOnly || e.EntryID != 1 {
		t.Errorf("event 1 read back as %+v", e)
	}
	if e := evs[1]; !e.DateOnly || e.Customer != "" || e.Quantity != nil || e.UnitPrice != nil || e.Amount.String() != "-0.1" ||
		e.Meta != nil || e.Currency != "JPY" {
		t.Errorf("event 2 read back as %+v", e)
	}
	var customer, meta, amount string
	var entry int64
	if err := db.r.QueryRow(`SELECT customer, meta, amount, entry_id FROM events_view WHERE event_id = 'q"1'`).Scan(&customer, &meta, &amount, &entry); err != nil {
		t.Fatal(err)
	}
	if customer != `a,b "c" \n` || meta != `{"x":"{\"k\":1}","y":"]"}` || amount != "0.000000000000000003" || entry != 1 {
		t.Errorf("events_view: %q %q %q %d", customer, meta, amount, entry)
	}
	if err := db.VerifyEvents(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyCatchesEventTampering alters stored events with raw SQL (the
// immutability triggers dropped first) and expects verify to name the
// first broken event or entry.
func TestVerifyCatchesEventTampering(t *testing.T) {
	const csv = "event_id,occurred_at,seller,channel,customer,amount,currency\n" +
		"a,2026-01-05,openai,azure,acme,10.00,USD\n" +
		"b,2026-01-05,openai,azure,acme,5.00,USD\n" +
		"c,2026-01-06,openai,direct,beta,1.00,USD\n"
	tests := []struct {
		name, sql, want string
	}{
		{"amount", `UPDATE events SET data = replace(data, '"10.00"', '"11.00"') WHERE event_id = 'a'`,
			"event 1: content does not match its digest: altered after import"},
		{"customer", `UPDATE events SET data = replace(data, '"acme"', '"acne"') WHERE event_id = 'b'`,
			"event 2: content does not match its digest: altered after import"},
		{"delete", `DELETE FROM events WHERE event_id = 'b'`,
			"entry 1: import entry posts 15.00 USD to assets:receivable:openai:azure, but its 1 event(s) sum to 10.00 USD on assets:receivable:openai:azure"},
		{"regroup", `UPDATE events SET data = json_set(data, '$[12]', 7) WHERE event_id = 'c'`,
			"entry 2: import entry carries no events"},
		{"forged", `INSERT INTO events (id, source_id, event_id, data) SELECT 9, source_id, 'z', data FROM events WHERE event_id = 'c'`,
			"event 9: content does not match its digest: altered after import"}, // the digest covers the event_id
		{"bad json", `UPDATE events SET data = '[1,2' WHERE event_id = 'c'`, "event 3: event data ends early"},
		{"source", `UPDATE events SET source_id = 5 WHERE event_id = 'c'`, "event 3: unknown source 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTestDB(t, nil)
			importCSV(t, db, "t.csv", csv, usage.ImportOptions{})
			if err := db.VerifyEvents(ctx); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			if _, err := db.w.Exec(`DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; ` + tt.sql); err != nil {
				t.Fatal(err)
			}
			err := db.VerifyEvents(ctx)
			var ve *VerifyError
			if !errors.As(err, &ve) || !strings.Contains(ve.Error(), tt.want) {
				t.Errorf("verify: %v\nwant %s", err, tt.want)
			}
		})
	}
}

// TestEventsAreImmutable: the triggers refuse changes to stored events and
// to the groups that link them to entries.
func TestEventsAreImmutable(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	importCSV(t, db, "i.csv", "event_id,occurred_at,seller,channel,amount,currency\na,2026-01-05,o,d,1,USD\n", usage.ImportOptions{})
	for _, q := range []string{
		`UPDATE events SET data = data`, `DELETE FROM events`,
		`UPDATE import_groups SET events = 2`, `DELETE FROM import_groups`,
	} {
		_, err := db.w.Exec(q)
		if err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Errorf("%s: %v", q, err)
		}
	}
	ev, err := db.Events(ctx, ledger.EventFilter{})
	if err != nil || len(ev) != 1 {
		t.Fatalf("%v %v", ev, err)
	}
}
