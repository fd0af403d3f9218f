package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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
	checkRandomBook(t, randomBook{seed: 15, posts: 10, perPost: 12, dFrom: 6, sharedInstant: -1,
		zero: [2]zeroPost{{3, "2026-02-01"}, {5, "2026-02-01"}}}, checkKnownAtEveryInstant)
}

// randomBook is how a test's random book is posted: posts posts of 1 to
// perPost random cash entries dated over the 90 days from 2026-01-01,
// account d only from post dFrom on (counting from 0), post sharedInstant at the previous
// post's instant (-1: none), and an account z that goes to 7.25 JPY and
// back to zero in the two zero posts.
type randomBook struct {
	seed                  int64
	posts, perPost, dFrom int
	sharedInstant         int
	zero                  [2]zeroPost
}

// zeroPost is a post that moves z, and the date it moves z on.
type zeroPost struct {
	post int
	date string
}

// checkRandomBook posts b's book, checks that verify passes, and has check
// compare its views at the instants of the posts with the entries, then
// the same on a copy of it written in one statement a table.
func checkRandomBook(t *testing.T, b randomBook, check func(t *testing.T, db *postgres.DB, instants []time.Time, what string)) {
	t.Helper()
	ctx := context.Background()
	src := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, src, clock)
	rnd := rand.New(rand.NewSource(b.seed))
	n := 0
	var posts [][]ledger.Entry
	for post := 0; post < b.posts; post++ {
		var es []ledger.Entry
		for i := 0; i < 1+rnd.Intn(b.perPost); i++ {
			n++
			acct, amount, cur := randomCash(rnd, post < b.dFrom)
			es = append(es, cashEntry(fmt.Sprint("e", n), storetest.D("2026-01-01").AddDays(rnd.Intn(90)), acct, amount, cur))
		}
		for i, z := range b.zero {
			if post == z.post {
				es = append(es, cashEntry(fmt.Sprint("z", post), storetest.D(z.date), "z", []string{"7.25", "-7.25"}[i], "JPY"))
			}
		}
		posts = append(posts, es)
	}
	instants := postAtInstants(t, db, clock, b.sharedInstant, posts)
	if _, err := db.Verify(ctx); err != nil {
		t.Fatal(err)
	}
	check(t, db, instants, "posted")

	cp := copyInOneStatement(t, src, clock, int64(n+2))
	check(t, cp, instants, "copied")
}

// checkKnownAtEveryInstant compares the known-at view before the first
// instant, at each and half-way to the next with the sums of the entries
// recorded by then (the accounts listed too).
func checkKnownAtEveryInstant(t *testing.T, db *postgres.DB, instants []time.Time, what string) {
	t.Helper()
	for _, at := range knownAts(instants) {
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
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, u, clock)
	instants := postAtInstants(t, db, clock, -1, [][]ledger.Entry{
		{storetest.Sale("1", "2026-01-31", "1.10", "USD"), storetest.Sale("2", "2026-03-01", "2", "EUR"), storetest.Sale("3", "2026-01-01", "3", "USD")},
		{storetest.Sale("4", "2026-03-31", "-4", "EUR")},
		{storetest.Sale("5", "2025-12-01", "5", "USD"), storetest.Sale("6", "2026-02-01", "0.06", "EUR")},
	})
	// 0094 replaced 0091's trigger and its function (0091 makes them again).
	db = reapplyMigration(t, db, u, clock, 91, `DROP TABLE balance_marks; DROP INDEX entries_recorded_id; CREATE INDEX entries_recorded ON entries (recorded_at, recorded_ns)`,
		`DROP TRIGGER entries_seal_marks ON entries; DROP FUNCTION revshare_entries_marks();
		ALTER TABLE balance_marks DROP CONSTRAINT balance_marks_account_id_fkey`, 6)
	checkKnownAtEveryInstant(t, db, instants, "after 0091")
	checkText(t, u, "balance_marks", `SELECT string_agg(concat_ws(' ', entry_id, account_id, currency, amount), ', ' ORDER BY account_id, currency, entry_id)
		FROM balance_marks`, "2 1 EUR 2, 4 1 EUR -2, 6 1 EUR -1.94, 3 1 USD 4.10, 5 1 USD 9.10, "+
		"2 2 EUR -2, 4 2 EUR 2, 6 2 EUR 1.94, 3 2 USD -4.10, 5 2 USD -9.10")
}

// postAtInstants posts each batch of entries a second after the one
// before, but batch shared (-1: none) at the instant of the one before,
// and returns the instants.
func postAtInstants(t *testing.T, db *postgres.DB, clock *storetest.Clock, shared int, batches [][]ledger.Entry) []time.Time {
	t.Helper()
	var instants []time.Time
	for i, es := range batches {
		if i != shared {
			clock.Advance(time.Second)
		}
		if _, err := db.Post(context.Background(), es); err != nil {
			t.Fatal(err)
		}
		if i+1 != shared {
			instants = append(instants, clock.Now())
		}
	}
	return instants
}

// checkText compares the one text value query returns on the book at url
// with want.
func checkText(t *testing.T, url, what, query, want string) {
	t.Helper()
	var got string
	if err := connect(t, url).QueryRow(context.Background(), query).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}
