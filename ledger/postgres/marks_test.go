package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
)

// The marks (migration 0091) through posts at ten instants (dates in any
// order, accounts that start late, a balance back to zero), and through a
// copy that writes all ten instants in one statement (as revshare copy
// does): every known-at view, at each instant, between two and before the
// first, equals the sums of the entries recorded by then, and verify
// recomputes every mark.
func TestKnownAtMatchesEntries(t *testing.T) {
	ctx := context.Background()
	src := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, src, clock)
	rnd := rand.New(rand.NewSource(15))
	accounts := []string{"a", "b", "c", "d"}
	n := 0
	var instants []time.Time
	for post := 0; post < 10; post++ {
		clock.Advance(time.Second)
		var es []ledger.Entry
		for i := 0; i < 1+rnd.Intn(12); i++ {
			n++
			acct := accounts[rnd.Intn(len(accounts))]
			if acct == "d" && post < 6 {
				acct = "a" // d appears at the seventh instant
			}
			cur := []string{"USD", "EUR"}[rnd.Intn(2)]
			amount := decimal.New(rnd.Int63n(200000)-100000, -int32(rnd.Intn(4)))
			es = append(es, ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: fmt.Sprint("e", n)}, Date: storetest.D("2026-01-01").AddDays(rnd.Intn(90)),
				Postings: []ledger.Posting{storetest.P("assets:cash:"+acct, amount.String(), cur), storetest.P("income:other:"+acct, amount.Neg().String(), cur)}})
		}
		if post == 3 || post == 5 { // z goes to 7.25 JPY and back to zero
			amount := []string{"7.25", "-7.25"}[post/5]
			es = append(es, ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: fmt.Sprint("z", post)}, Date: storetest.D("2026-02-01"),
				Postings: []ledger.Posting{storetest.P("assets:cash:z", amount, "JPY"), storetest.P("income:other:z", decimal.RequireFromString(amount).Neg().String(), "JPY")}})
		}
		if _, err := db.Post(ctx, es); err != nil {
			t.Fatal(err)
		}
		instants = append(instants, clock.Now())
	}
	if _, err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	checkKnownAtEveryInstant(t, db, instants, "posted")

	cp := copyInOneStatement(t, src, clock, int64(n+2))
	checkKnownAtEveryInstant(t, cp, instants, "copied")
}

// checkKnownAtEveryInstant compares the known-at view before the first
// instant, at each and half-way to the next with the sums of the entries
// recorded by then (the accounts listed too).
func checkKnownAtEveryInstant(t *testing.T, db *postgres.DB, instants []time.Time, what string) {
	t.Helper()
	ats := []time.Time{instants[0].Add(-time.Millisecond)}
	for _, at := range instants {
		ats = append(ats, at, at.Add(500*time.Millisecond))
	}
	for _, at := range ats {
		checkViewMatchesEntries(t, db, ledger.EntryFilter{KnownAt: at}, ledger.BalanceQuery{KnownAt: at}, fmt.Sprintf("%s, known at %s", what, at.Format(time.RFC3339Nano)))
	}
}

// copyInOneStatement copies the journal of the book at src into a fresh
// schema with one statement a table (as revshare copy does, so the
// derived tables' triggers see every instant at once), checks that verify
// passes on the copy with the given number of entries, and returns it.
func copyInOneStatement(t *testing.T, src string, clock ledger.Clock, entries int64) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	u, err := url.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	from := pgx.Identifier{u.Query().Get("search_path")}.Sanitize()
	cp := openURL(t, schemaURL(t), clock)
	if err := cp.Restore(ctx, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO accounts (id, name, type) OVERRIDING SYSTEM VALUE SELECT id, name, type FROM `+from+`.accounts ORDER BY id;
			INSERT INTO postings SELECT * FROM `+from+`.postings ORDER BY entry_id, seq;
			INSERT INTO entries SELECT * FROM `+from+`.entries ORDER BY id`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if res, err := cp.Verify(ctx); err != nil || res.Entries != entries {
		t.Fatalf("verify the copy: %+v %v", res, err)
	}
	return cp
}

// Migration 0091 fills balance_marks for a book posted before it (here a
// book whose 0091 was undone behind revshare's back, then opened again):
// one mark per account and instant.
func TestBalanceMarksMigration(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, u, clock)
	var instants []time.Time
	for _, es := range [][]ledger.Entry{
		{storetest.Sale("1", "2026-01-31", "1.10", "USD"), storetest.Sale("2", "2026-03-01", "2", "EUR"), storetest.Sale("3", "2026-01-01", "3", "USD")},
		{storetest.Sale("4", "2026-03-31", "-4", "EUR")},
		{storetest.Sale("5", "2025-12-01", "5", "USD"), storetest.Sale("6", "2026-02-01", "0.06", "EUR")},
	} {
		clock.Advance(time.Second)
		if _, err := db.Post(ctx, es); err != nil {
			t.Fatal(err)
		}
		instants = append(instants, clock.Now())
	}
	db.Close()
	tamper(t, u, `DROP TRIGGER entries_seal_marks ON entries; DROP FUNCTION revshare_entries_marks();
		DROP TABLE balance_marks; DROP INDEX entries_recorded_id; CREATE INDEX entries_recorded ON entries (recorded_at, recorded_ns);
		DELETE FROM schema_migrations WHERE version = 91`)
	db = openURL(t, u, clock)
	if res, err := db.Verify(ctx); err != nil || res.Entries != 6 {
		t.Fatalf("verify after 0091: %+v %v", res, err)
	}
	checkKnownAtEveryInstant(t, db, instants, "after 0091")
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var got string
	if err := conn.QueryRow(ctx, `SELECT string_agg(concat_ws(' ', entry_id, account_id, currency, amount), ', ' ORDER BY account_id, currency, entry_id)
		FROM balance_marks`).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := "2 1 EUR 2, 4 1 EUR -2, 6 1 EUR -1.94, 3 1 USD 4.10, 5 1 USD 9.10, " +
		"2 2 EUR -2, 4 2 EUR 2, 6 2 EUR 1.94, 3 2 USD -4.10, 5 2 USD -9.10"; got != want {
		t.Errorf("balance_marks:\n got %s\nwant %s", got, want)
	}
}
