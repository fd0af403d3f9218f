package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// oldBook creates the book at path with only the embedded migrations keep
// accepts (by file name), as an older binary left it, and returns it and
// its one raw connection.
func oldBook(t *testing.T, path string, keep func(name string) bool) (*DB, *sql.DB) {
	t.Helper()
	raw, err := sql.Open(driverName, dsn(path, url.Values{"_txlock": {"immediate"}}))
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	old := &DB{path: path, w: raw, clock: ledger.SystemClock{}}
	before := fstest.MapFS{}
	ms, err := migrations(migrationFS)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if keep(m.Name) {
			before["migrations/"+m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	if err := old.migrate(context.Background(), before); err != nil {
		t.Fatal(err)
	}
	return old, raw
}

// TestMigrate0007KeepsEvents builds a database with the events table of
// 0002 (one column per field, entry_id on each event), then opens it with
// this binary: 0007 moves the events to narrow rows, and they read back
// field for field, link to the same entry, pass verify (digests included),
// and are recognised by a re-import as duplicates and conflicts.
func TestMigrate0007KeepsEvents(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	// 0025, 0050 and 0060 too: the journal's write path keeps their tables (it does
	// not touch the events).
	old, raw := oldBook(t, path, func(name string) bool {
		return name < "0007" || name == "0025_balance_history.sql" || name == "0050_amount_limbs.sql" || name == "0060_balance_versions.sql"
	})

	const csv = "event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency,note\n" +
		"e1,2026-01-05T10:00:00+02:00,openai,azure,acme,gpt-5,us,2,5.25,10.50,USD,\"say \"\"hi\"\" \\ ok\"\n" +
		"e2,2026-01-06,openai,azure,beta,o4,eu,,,-3,USD,\n"
	rd, err := usage.NewReader(strings.NewReader(csv), "old.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []ledger.Event
	var rows []usage.Row
	for {
		var row usage.Row
		if err := rd.Next(&row); errors.Is(err, io.EOF) {
			break
		} else if err != nil || len(row.Errors) > 0 {
			t.Fatal(err, row.Errors)
		}
		row.Event.Source = "default"
		row.Event.Meta = map[string]string{"note": row.Record[11]}
		if row.Record[11] == "" {
			row.Event.Meta = nil
		}
		rows = append(rows, row)
		want = append(want, row.Event)
	}
	// An import as 0002's code stored it: batch 1, entry 1, both events.
	err = old.WithTx(ctx, func(tx *Tx) error {
		q := tx.SQL()
		if _, err := q.Exec(`INSERT INTO import_batches (kind, source, file_name, file_sha256, mode, status, rows, posted,
			entries, started_at, finished_at) VALUES ('usage', 'default', 'old.csv', 'abc', 'all', 'complete', 2, 2, 1, '2026-01-05T10:00:00.000000000Z', '2026-01-05T10:00:01.000000000Z')`); err != nil {
			return err
		}
		res, err := tx.PostEntries([]ledger.Entry{{
			Key: ledger.Key{Source: EntrySourceImport, ExternalID: "old"}, Date: storetest.D("2026-01-05"),
			Description: "usage", Meta: map[string]string{"kind": "usage", "batch": "1"},
			Postings: []ledger.Posting{
				{Account: ledger.ReceivableAccount("openai", "azure"), Amount: decimal.RequireFromString("7.50"), Currency: "USD"},
				{Account: ledger.RevenueAccount("openai", "azure"), Amount: decimal.RequireFromString("-7.50"), Currency: "USD"},
			},
		}})
		if err != nil {
			return err
		}
		for i, row := range rows {
			ev := row.Event
			digest, _ := usage.Digest(&ev, nil)
			var meta any = "{}"
			if ev.Meta != nil {
				meta = `{"note":"say \"hi\" \\ ok"}`
			}
			if _, err := q.Exec(`INSERT INTO events (source, event_id, occurred_at, date_only, date, seller, channel, customer,
				product, region, quantity, unit_price, amount, currency, meta, digest, batch_id, line, entry_id, late)
				VALUES ('default', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, 0)`,
				ev.EventID, row.OccurredText, ev.DateOnly, ev.AccountingDate().String(), ev.Seller, ev.Channel, ev.Customer,
				ev.Product, ev.Region, nullText(row.QuantityText), nullText(row.UnitPriceText), row.AmountText, ev.Currency,
				meta, digest[:], i+2, res[0].ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Events(ctx, ledger.EventFilter{EntryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("entry 1 has %d events after the migration, want 2", len(got))
	}
	for i := range got {
		w := want[i]
		w.ID, w.BatchID, w.EntryID = int64(i+1), 1, 1
		g := got[i]
		if !g.OccurredAt.Equal(w.OccurredAt) || !g.Amount.Equal(w.Amount) {
			t.Errorf("event %d: occurred %v amount %v, want %v %v", i, g.OccurredAt, g.Amount, w.OccurredAt, w.Amount)
		}
		g.OccurredAt, g.Amount = w.OccurredAt, w.Amount
		if (g.Quantity == nil) != (w.Quantity == nil) || g.Quantity != nil && !g.Quantity.Equal(*w.Quantity) {
			t.Errorf("event %d: quantity %v, want %v", i, g.Quantity, w.Quantity)
		}
		g.Quantity, g.UnitPrice, w.Quantity, w.UnitPrice = nil, nil, nil, nil
		if !reflect.DeepEqual(g, w) {
			t.Errorf("event %d after the migration:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if err := db.VerifyEvents(ctx); err != nil {
		t.Fatalf("verify after the migration: %v", err)
	}
	// The same rows again are duplicates; e2 with another amount conflicts with the migrated version.
	res, err := db.ImportUsage(ctx, strings.NewReader(csv), usage.ImportOptions{FileName: "again.csv"})
	if err != nil || res.Duplicates != 2 || res.Posted != 0 {
		t.Fatalf("re-import: %+v, %v", res, err)
	}
	changed := strings.Replace(csv, ",-3,", ",-4,", 1)
	var reasons []string
	_, err = db.ImportUsage(ctx, strings.NewReader(changed), usage.ImportOptions{FileName: "changed.csv", OnReject: func(r *usage.Row) error {
		reasons = append(reasons, r.Errors[0].Reason)
		return nil
	}})
	wantReason := `conflicts with the version imported in batch 1 (line 3): amount "-3" -> "-4"`
	if !errors.Is(err, usage.ErrBadRows) || len(reasons) != 1 || reasons[0] != wantReason {
		t.Fatalf("changed import: %v, %q, want %q", err, reasons, wantReason)
	}
}

func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
