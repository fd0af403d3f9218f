package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
)

// The database itself refuses what would break the journal, whoever
// writes: these statements bypass Post and go straight to the tables.

type rawPosting struct {
	account, amount, currency string
}

// rawWrite is one transaction of raw statements: postings of entry id, then
// the entry (dated date, linked to prevHash), then commit.
type rawWrite struct {
	id       int64
	date     string
	prevHash string // "head" for the current head's hash
	postings []rawPosting
	extra    string // a statement run after the entry, before commit
}

func (w rawWrite) run(ctx context.Context, conn *pgx.Conn) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	prev := w.prevHash
	if prev == "head" {
		if err := tx.QueryRow(ctx, `SELECT encode(hash, 'hex') FROM journal_head`).Scan(&prev); err != nil {
			return err
		}
	}
	for i, p := range w.postings {
		if _, err := tx.Exec(ctx, `INSERT INTO postings (entry_id, seq, account_id, currency, amount)
			VALUES ($1, $2, (SELECT id FROM accounts WHERE name = $3), $4, $5::numeric)`, w.id, i+1, p.account, p.currency, p.amount); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO entries (id, source, external_id, date, recorded_at, recorded_ns, description, meta, prev_hash, hash)
		VALUES ($1, 'raw', $4, $2::date, now(), 0, '', '{}', decode($3, 'hex'), decode(repeat('a', 64), 'hex'))`, w.id, w.date, prev, fmt.Sprint(w.id)); err != nil {
		return err
	}
	if w.extra != "" {
		if _, err := tx.Exec(ctx, w.extra); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// wantRefused checks that err is PostgreSQL's refusal with message msg.
func wantRefused(t *testing.T, err error, msg string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v, want PostgreSQL's %q", err, msg)
	}
	if pe.Message != msg {
		t.Errorf("refused with %q (%s), want %q", pe.Message, pe.Code, msg)
	}
}

func TestDatabaseRefuses(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	db, err := postgres.Open(ctx, u, storetest.NewClock(storetest.T0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-01-10", "10", "USD"), storetest.Sale("2", "2026-02-10", "5", "USD")}); err != nil {
		t.Fatal(err)
	}
	if err := db.ClosePeriods(ctx, storetest.D("2026-01-31")); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, u)

	balanced := []rawPosting{{"assets:receivable:s:c", "10.00", "USD"}, {"income:revenue:s:c", "-10", "USD"}}
	// A correct raw write passes: the refusals below are for their reason.
	if err := (rawWrite{id: 3, date: "2026-03-01", prevHash: "head", postings: balanced}).run(ctx, conn); err != nil {
		t.Fatalf("a correct raw entry was refused: %v", err)
	}

	writes := []struct {
		name string
		w    rawWrite
		msg  string
	}{
		{"unbalanced", rawWrite{id: 4, date: "2026-03-01", prevHash: "head",
			postings: []rawPosting{{"assets:receivable:s:c", "10", "USD"}, {"income:revenue:s:c", "-9.99", "USD"}}},
			"entry 4 does not balance"},
		{"unbalanced per currency", rawWrite{id: 4, date: "2026-03-01", prevHash: "head",
			postings: []rawPosting{{"assets:receivable:s:c", "10", "USD"}, {"income:revenue:s:c", "-10", "EUR"}}},
			"entry 4 does not balance"},
		{"one posting", rawWrite{id: 4, date: "2026-03-01", prevHash: "head",
			postings: []rawPosting{{"assets:receivable:s:c", "0", "USD"}}},
			"entry has fewer than 2 postings"},
		{"no posting", rawWrite{id: 4, date: "2026-03-01", prevHash: "head"},
			"entry has fewer than 2 postings"},
		{"gap in the IDs", rawWrite{id: 5, date: "2026-03-01", prevHash: "head", postings: balanced},
			"entry id must follow the last entry"},
		{"wrong prev_hash", rawWrite{id: 4, date: "2026-03-01", prevHash: strings.Repeat("b", 64), postings: balanced},
			"entry 4: prev_hash must be the hash of the entry before it, and recorded_at may not go back"},
		{"closed period", rawWrite{id: 4, date: "2026-01-31", prevHash: "head", postings: balanced},
			"entry is dated in a closed period (closed through 2026-01-31)"},
		{"posting added to a sealed entry", rawWrite{id: 4, date: "2026-03-01", prevHash: "head", postings: balanced,
			extra: `INSERT INTO postings (entry_id, seq, account_id, currency, amount) SELECT 1, 3, account_id, currency, amount FROM postings WHERE entry_id = 1 AND seq = 1`},
			"entry is sealed: no postings may be added"},
		{"postings left without an entry", rawWrite{id: 4, date: "2026-03-01", prevHash: "head", postings: balanced,
			extra: `INSERT INTO postings (entry_id, seq, account_id, currency, amount) SELECT 9, seq, account_id, currency, amount FROM postings WHERE entry_id = 1`},
			`insert or update on table "postings" violates foreign key constraint "postings_entry_id_fkey"`},
		{"posting to no account", rawWrite{id: 4, date: "2026-03-01", prevHash: "head", postings: balanced,
			extra: `INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (5, 1, 999, 'USD', 1), (5, 2, 1, 'USD', -1)`},
			"posting to an account that does not exist"},
		{"lower-case currency", rawWrite{id: 4, date: "2026-03-01", prevHash: "head",
			postings: []rawPosting{{"assets:receivable:s:c", "1", "usd"}, {"income:revenue:s:c", "-1", "usd"}}},
			`new row for relation "postings" violates check constraint "postings_currency_check"`},
		{"19 fractional digits", rawWrite{id: 4, date: "2026-03-01", prevHash: "head",
			postings: []rawPosting{{"assets:receivable:s:c", "0.0000000000000000001", "USD"}, {"income:revenue:s:c", "-0.0000000000000000001", "USD"}}},
			`new row for relation "postings" violates check constraint "postings_amount_check"`},
	}
	for _, tc := range writes {
		t.Run(tc.name, func(t *testing.T) {
			wantRefused(t, tc.w.run(ctx, conn), tc.msg)
		})
	}

	statements := []struct{ sql, msg string }{
		{`UPDATE entries SET description = 'x' WHERE id = 1`, "entries are immutable: post a correcting entry instead"},
		{`DELETE FROM entries WHERE id = 3`, "entries are immutable: post a correcting entry instead"},
		{`UPDATE postings SET amount = 11 WHERE entry_id = 1 AND seq = 1`, "entries are immutable: postings cannot be changed"},
		{`DELETE FROM postings WHERE entry_id = 3`, "entries are immutable: postings cannot be changed"},
		{`TRUNCATE entries, postings`, "entries are immutable: post a correcting entry instead"},
		{`UPDATE accounts SET name = 'assets:x' WHERE id = 1`, "accounts are immutable"},
		{`DELETE FROM period_closes`, "closed periods cannot be reopened"},
		{`INSERT INTO period_closes VALUES ('2026-01-01', now(), 0, '')`, "periods close forward only"},
		{`UPDATE journal_head SET entry_id = 1`, "the journal head moves only when entries are posted"},
		{`UPDATE balance_totals SET amount = 0`, "balance totals are derived from the postings"},
		{`INSERT INTO daily_totals VALUES (1, 'USD', '2026-03-01', 1)`, "daily totals are derived from the postings"},
		{`INSERT INTO monthly_totals VALUES (1, 'USD', '2026-03-01', 1)`, "monthly totals are derived from the postings"},
		{`UPDATE monthly_totals SET amount = 0`, "monthly totals are derived from the postings"},
		{`TRUNCATE monthly_totals`, "monthly totals are derived from the postings"},
		{`INSERT INTO balance_marks VALUES (1, 'USD', 1, 1)`, "balance marks are derived from the postings"},
		{`DELETE FROM balance_marks`, "balance marks are derived from the postings"},
		{`TRUNCATE balance_marks`, "balance marks are derived from the postings"},
		{`INSERT INTO balance_versions VALUES (1, 'USD', '2026-03-01', 1, 1)`, "balance versions are derived from the postings"},
		{`UPDATE balance_versions SET amount = 0`, "balance versions are derived from the postings"},
		{`TRUNCATE balance_versions`, "balance versions are derived from the postings"},
		{`INSERT INTO balance_spans VALUES (1, 'USD', 1, '2026-03-01', '2026-03-01')`, "balance spans are derived from the postings"},
		{`DELETE FROM balance_spans`, "balance spans are derived from the postings"},
		{`TRUNCATE balance_spans`, "balance spans are derived from the postings"},
		{`INSERT INTO balance_pending VALUES (1, 1)`, "pending balance versions are derived from the postings"},
		{`DELETE FROM balance_pending`, "pending balance versions are derived from the postings"},
		{`TRUNCATE balance_pending`, "pending balance versions are derived from the postings"},
		{`UPDATE entries SET meta = '{"n": 1}' WHERE id = 2`, "entries are immutable: post a correcting entry instead"},
	}
	for _, tc := range statements {
		t.Run(tc.sql, func(t *testing.T) {
			_, err := conn.Exec(ctx, tc.sql)
			wantRefused(t, err, tc.msg)
		})
	}

	// Nothing above changed the journal: the trial balance is entries 1-3.
	bs, err := db.TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range bs {
		got = append(got, b.Account+" "+b.Amount.String()+" "+b.Currency)
	}
	if want := "assets:receivable:s:c 25 USD,income:revenue:s:c -25 USD"; strings.Join(got, ",") != want {
		t.Errorf("trial balance %q, want %q", strings.Join(got, ","), want)
	}
	if e, err := db.Entry(ctx, 3); err != nil || e.Postings[0].Amount.String() != "10" || e.Key.Source != "raw" {
		t.Errorf("entry 3: %+v, %v", e, err)
	}
}
