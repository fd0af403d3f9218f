package postgres_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// undo0096 puts back what migration 0096 replaced: the row-level foreign
// keys, without the statement checks.
const undo0096 = `DROP TRIGGER import_groups_batch ON import_groups; DROP FUNCTION revshare_groups_batch();
	DROP TABLE postings_pending; DROP FUNCTION revshare_postings_flush();
	ALTER TABLE balance_totals ADD FOREIGN KEY (account_id) REFERENCES accounts (id);
	ALTER TABLE daily_totals ADD FOREIGN KEY (account_id) REFERENCES accounts (id);
	ALTER TABLE monthly_totals ADD FOREIGN KEY (account_id) REFERENCES accounts (id);
	ALTER TABLE balance_marks ADD FOREIGN KEY (account_id) REFERENCES accounts (id);
	ALTER TABLE entries ADD FOREIGN KEY (reverses) REFERENCES entries (id);
	ALTER TABLE postings ADD FOREIGN KEY (entry_id) REFERENCES entries (id) DEFERRABLE INITIALLY DEFERRED;
	ALTER TABLE import_groups ADD FOREIGN KEY (batch_id) REFERENCES import_batches (id)`

// Migration 0096 upgrades a book with imports and posts in it; afterwards
// no row-level foreign key is left on the tables an import writes, and the
// statement checks that replace them refuse what the keys refused, with
// the keys' messages: postings whose entry never comes (at commit, also in
// a transaction that inserts no entry), and group links to a batch that
// does not exist.
func TestStatementChecksReplaceForeignKeys(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, u, clock)
	if _, err := db.ImportUsage(ctx, bytes.NewReader(usageFile(40, eventID)), usage.ImportOptions{FileName: "a.csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD")}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	db = reapplyMigration(t, db, u, clock, 96, undo0096, "", 31)
	if _, err := db.ImportUsage(ctx, bytes.NewReader(usageFile(80, func(i int) string { return "b" + eventID(i) })),
		usage.ImportOptions{FileName: "b.csv"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("2", "2026-01-11", "5", "USD")}); err != nil {
		t.Fatal(err)
	}
	if res, err := db.Verify(ctx); err != nil || res.Entries != 62 {
		t.Fatalf("verify: %+v %v", res, err)
	}
	checkText(t, u, "foreign keys", `SELECT coalesce(string_agg(conrelid::regclass::text, ' ' ORDER BY 1), '') FROM pg_constraint
		WHERE contype = 'f' AND connamespace = current_schema()::regnamespace`, "import_reject_columns import_rejects")

	conn := connect(t, u)
	// A transaction of postings alone, of an entry that never comes.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO postings (entry_id, seq, account_id, currency, amount)
		SELECT 70, seq, account_id, currency, amount FROM postings WHERE entry_id = 1`); err != nil {
		t.Fatal(err)
	}
	wantRefused(t, tx.Commit(ctx), `insert or update on table "postings" violates foreign key constraint "postings_entry_id_fkey"`)
	// Postings of the next entry, then that entry and another's postings.
	balanced := []rawPosting{{"assets:receivable:s:c", "10.00", "USD"}, {"income:revenue:s:c", "-10", "USD"}}
	wantRefused(t, rawWrite{id: 63, date: "2026-03-01", prevHash: "head", postings: balanced,
		extra: `INSERT INTO postings (entry_id, seq, account_id, currency, amount) SELECT 64, seq, account_id, currency, amount FROM postings WHERE entry_id = 63`}.run(ctx, conn),
		`insert or update on table "postings" violates foreign key constraint "postings_entry_id_fkey"`)
	// The same entry alone is taken: the refusals above were for their reason.
	if err := (rawWrite{id: 63, date: "2026-03-01", prevHash: "head", postings: balanced}).run(ctx, conn); err != nil {
		t.Fatalf("a correct raw entry was refused: %v", err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO import_groups (batch_id, group_no, entry_id, first_event, last_event, events) VALUES (2, 99, 1000, 1, 1, 1), (7, 1, 1001, 1, 1, 1)`)
	wantRefused(t, err, `insert or update on table "import_groups" violates foreign key constraint "import_groups_batch_id_fkey"`)
	for _, c := range []struct{ sql, msg string }{
		{`INSERT INTO postings_pending VALUES (1)`, "pending postings are derived from the postings"},
		{`DELETE FROM postings_pending`, "pending postings are derived from the postings"},
		{`TRUNCATE postings_pending`, "pending postings are derived from the postings"},
	} {
		_, err := conn.Exec(ctx, c.sql)
		wantRefused(t, err, c.msg)
	}
	checkText(t, u, "left behind", `SELECT concat_ws(' ', (SELECT count(*) FROM postings_pending), (SELECT max(entry_id) FROM postings),
		(SELECT max(id) FROM entries), (SELECT count(*) FROM import_groups))`, "0 63 63 60")
}
