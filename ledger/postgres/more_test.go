package postgres_test

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
)

// Two writers (two pools, as two processes would be) post at once: the
// writer lock queues them, so every post succeeds and the chain stays one
// line.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	var dbs [2]*postgres.DB
	for i := range dbs {
		db, err := postgres.Open(ctx, u, clock)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < 20; b++ {
				var es []ledger.Entry
				for i := 0; i < 25; i++ {
					es = append(es, storetest.Sale(fmt.Sprintf("w%d-%d-%d", w, b, i), "2026-03-01", "1.5", "USD"))
				}
				if _, err := db.Post(ctx, es); err != nil {
					errs <- err
					return
				}
				clock.Advance(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	res, err := dbs[0].Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != 1000 || res.HeadID != 1000 {
		t.Errorf("verify: %+v, want 1000 entries", res)
	}
	bs, err := dbs[1].TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Amount.String() != "1500" {
		t.Errorf("trial balance %v, want receivable 1500", bs)
	}
}

// Verify finds what someone who switches the triggers off changed: a
// superuser here, with session_replication_role = replica.
func TestVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, sql, msg string
	}{
		{"changed description", `UPDATE entries SET description = 'sale x' WHERE id = 2`,
			"verify: entry 2: hash does not match its content (stored %s, computed "},
		{"changed amount, both postings", `UPDATE postings SET amount = -amount WHERE entry_id = 2`,
			"verify: entry 2: hash does not match its content (stored %s, computed "},
		{"removed last entry", `DELETE FROM postings WHERE entry_id = 3; DELETE FROM entries WHERE id = 3`,
			"verify: the journal head says entry 3 ("},
		{"removed middle entry", `DELETE FROM postings WHERE entry_id = 2; DELETE FROM entries WHERE id = 2`,
			"verify: entry 2: missing: entry ids jump from 1 to 3"},
		{"changed total", `UPDATE balance_totals SET amount = amount + 1 WHERE account_id = 1`,
			"verify: balance totals for 1 USD differ from the sum of the postings"},
		{"changed daily total", `UPDATE daily_totals SET amount = amount + 1 WHERE date = '2026-03-02' AND account_id = 1`,
			"verify: daily totals for 2026-03-02 1 USD differ from the sum of the postings"},
		{"removed daily total", `DELETE FROM daily_totals WHERE date = '2026-03-02' AND account_id = 1`,
			"verify: daily totals for 2026-03-02 1 USD differ from the sum of the postings"},
		{"removed total", `DELETE FROM balance_totals WHERE account_id = 2`,
			"verify: balance totals for 2 USD differ from the sum of the postings"},
		{"changed monthly total", `UPDATE monthly_totals SET amount = amount + 1 WHERE month = '2026-03-01' AND account_id = 2`,
			"verify: monthly totals for 2026-03 2 USD differ from the running sum of the postings"},
		{"removed monthly total", `DELETE FROM monthly_totals WHERE month = '2026-03-01' AND account_id = 1`,
			"verify: monthly totals for 2026-03 1 USD differ from the running sum of the postings"},
		{"added monthly total", `INSERT INTO monthly_totals VALUES (1, 'USD', '2026-04-01', 6)`,
			"verify: monthly totals for 2026-04 1 USD differ from the running sum of the postings"},
		{"changed mark", `UPDATE balance_marks SET amount = amount + 1 WHERE account_id = 1`,
			"verify: balance marks for entry 3 1 USD: the mark holds 7, the postings sum to 6"},
		{"removed mark", `DELETE FROM balance_marks WHERE account_id = 2`,
			"verify: balance marks for entry 3 2 USD: the mark is missing (the account's last entry of its recorded-at instant)"},
		{"added wrong mark", `INSERT INTO balance_marks VALUES (1, 'USD', 2, 5)`,
			"verify: balance marks for entry 2 1 USD: the mark holds 5, the postings sum to 3"},
		{"added mark without posting", `INSERT INTO balance_marks VALUES (1, 'EUR', 2, 0)`,
			"verify: balance marks for entry 2 1 EUR: the mark has no posting of the account at that entry"},
		{"changed version", `UPDATE balance_versions SET amount = amount + 1 WHERE account_id = 1 AND date = '2026-03-02'`,
			"verify: balance versions for entry 3 1 USD 2026-03-02: the row holds 4, the postings sum to 3"},
		{"removed version", `DELETE FROM balance_versions WHERE account_id = 2 AND date = '2026-03-01'`,
			"verify: balance versions for entry 3 2 USD 2026-03-01: the row is missing"},
		{"added version", `INSERT INTO balance_versions VALUES (1, 'USD', '2026-02-28', 3, 0)`,
			"verify: balance versions for entry 3 1 USD 2026-02-28: the row should not be there (no posting up to the version at that date or before its first)"},
		{"changed span", `UPDATE balance_spans SET last_date = '2026-03-02' WHERE account_id = 1`,
			"verify: balance spans for entry 3 1 USD: the span says 2026-03-01 to 2026-03-02, the postings 2026-03-01 to 2026-03-03"},
		{"removed span", `DELETE FROM balance_spans WHERE account_id = 2`,
			"verify: balance spans for entry 3 2 USD: the span is missing (the account's last entry of its recorded-at instant)"},
		{"added span without posting", `INSERT INTO balance_spans VALUES (1, 'EUR', 2, '2026-03-01', '2026-03-01')`,
			"verify: balance spans for entry 2 1 EUR: the span has no posting of the account at that entry"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := schemaURL(t)
			db, err := postgres.Open(ctx, u, storetest.NewClock(storetest.T0))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-03-01", "1", "USD"),
				storetest.Sale("2", "2026-03-02", "2", "USD"), storetest.Sale("3", "2026-03-03", "3", "USD")}); err != nil {
				t.Fatal(err)
			}
			if res, err := db.Verify(ctx); err != nil || res.Entries != 3 {
				t.Fatalf("before tampering: %+v, %v", res, err)
			}
			e2, _ := db.Entry(ctx, 2)
			tamper(t, u, tc.sql)
			_, err = db.Verify(ctx)
			msg := tc.msg
			if strings.Contains(msg, "%s") {
				msg = fmt.Sprintf(msg, e2.Hash[:12])
			}
			if ledger.ErrorCode(err) != ledger.EINVALID || !strings.HasPrefix(ledger.ErrorMessage(err), msg) {
				t.Errorf("verify: %v\nwant %s...", err, msg)
			}
		})
	}
}

// Verify finds tampering with the rows of a later version that rewrote
// earlier dates: two instants, the second a backdated post (entry 3,
// 2026-03-01, before the first's 2026-03-02 and 03-03), amounts of one and
// two decimals (the messages show numeric's scale).
func TestVerifyFindsTamperingAcrossVersions(t *testing.T) {
	tests := []tamperCase{
		{"changed rewritten version", `UPDATE balance_versions SET amount = amount + 1 WHERE account_id = 1 AND entry_id = 3 AND date = '2026-03-02'`,
			"verify: balance versions for entry 3 1 USD 2026-03-02: the row holds 2.75, the postings sum to 1.75"},
		{"removed rewritten version", `DELETE FROM balance_versions WHERE account_id = 1 AND entry_id = 3 AND date = '2026-03-03'`,
			"verify: balance versions for entry 3 1 USD 2026-03-03: the row is missing"},
		{"added version before the first posting", `INSERT INTO balance_versions VALUES (1, 'USD', '2026-03-01', 2, 0)`,
			"verify: balance versions for entry 2 1 USD 2026-03-01: the row should not be there (no posting up to the version at that date or before its first)"},
		{"changed first mark", `UPDATE balance_marks SET amount = amount + 1 WHERE account_id = 1 AND entry_id = 2`,
			"verify: balance marks for entry 2 1 USD: the mark holds 4.5, the postings sum to 3.5"},
		{"changed later span", `UPDATE balance_spans SET first_date = '2026-03-02' WHERE account_id = 1 AND entry_id = 3`,
			"verify: balance spans for entry 3 1 USD: the span says 2026-03-02 to 2026-03-03, the postings 2026-03-01 to 2026-03-03"},
		{"removed first span", `DELETE FROM balance_spans WHERE account_id = 2 AND entry_id = 2`,
			"verify: balance spans for entry 2 2 USD: the span is missing (the account's last entry of its recorded-at instant)"},
		{"changed monthly total", `UPDATE monthly_totals SET amount = 0 WHERE account_id = 2`,
			"verify: monthly totals for 2026-03 2 USD differ from the running sum of the postings"},
		{"added daily total", `INSERT INTO daily_totals VALUES (1, 'USD', '2026-03-04', 0)`,
			"verify: daily totals for 2026-03-04 1 USD differ from the sum of the postings"},
	}
	checkTampering(t, tests,
		[]ledger.Entry{storetest.Sale("1", "2026-03-02", "1.5", "USD"), storetest.Sale("2", "2026-03-03", "2", "USD")},
		[]ledger.Entry{storetest.Sale("3", "2026-03-01", "0.25", "USD")})
}

// tamperCase is an SQL statement that tampers with a book and the message
// verify must give then.
type tamperCase struct{ name, sql, msg string }

// checkTampering posts first and, a second later (a second recorded-at
// instant), second to a fresh schema for each case, verifies the book
// clean, runs the case's SQL and asserts verify's exact message.
func checkTampering(t *testing.T, tests []tamperCase, first, second []ledger.Entry) {
	t.Helper()
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := schemaURL(t)
			clock := storetest.NewClock(storetest.T0)
			db, err := postgres.Open(ctx, u, clock)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Post(ctx, first); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
			if _, err := db.Post(ctx, second); err != nil {
				t.Fatal(err)
			}
			if res, err := db.Verify(ctx); err != nil || res.Entries != int64(len(first)+len(second)) {
				t.Fatalf("before tampering: %+v, %v", res, err)
			}
			tamper(t, u, tc.sql)
			_, err = db.Verify(ctx)
			storetest.WantError(t, err, ledger.EINVALID, tc.msg)
		})
	}
}

// Opening a book again applies nothing; each migration is recorded once.
func TestMigrationsRecorded(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	for i := 0; i < 2; i++ {
		db, err := postgres.Open(ctx, u, nil)
		if err != nil {
			t.Fatalf("open %d: %v", i+1, err)
		}
		db.Close()
	}
	conn := connect(t, u)
	var got []string
	rows, _ := conn.Query(ctx, `SELECT version || ' ' || name FROM schema_migrations ORDER BY version`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Every file of migrations/, by number (the list grows with them).
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		n, err := strconv.Atoi(f.Name()[:4])
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%d %s", n, f.Name()))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || len(want) < 3 {
		t.Errorf("schema_migrations: %q, want %q", got, want)
	}
	// A book migrated by a newer revshare is refused, not half-understood,
	// naming what this binary lacks: a migration in a gap below its highest
	// (0099, between 0098 and 0105), then one above.
	for _, c := range []struct{ add, want string }{
		{"0099_from_a_newer_revshare.sql",
			"migrate: the database's schema is newer than this revshare: it has 1 migration this binary does not know (0099_from_a_newer_revshare.sql): use a newer revshare"},
		{"9999_future.sql",
			"migrate: the database's schema is newer than this revshare: it has 2 migrations this binary does not know (0099_from_a_newer_revshare.sql, 9999_future.sql): use a newer revshare"},
	} {
		v, _ := strconv.Atoi(c.add[:4])
		if same, _ := filepath.Glob(filepath.Join("migrations", c.add[:4]+"_*.sql")); len(same) > 0 {
			t.Fatalf("%s is a migration of this binary", same[0])
		}
		if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, v, c.add); err != nil {
			t.Fatal(err)
		}
		if _, err := postgres.Open(ctx, u, nil); err == nil || err.Error() != c.want {
			t.Errorf("open newer: %v\nwant %s", err, c.want)
		}
	}
}

// Every as-of view (both ways of reading the daily totals: from the start
// of the book, or back from the current totals) equals the sums of the
// entries up to that date, and lists exactly the accounts they touch.
func TestAsOfMatchesEntries(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, storetest.NewClock(storetest.T0))
	var es []ledger.Entry
	for d := 0; d < 12; d++ {
		date := storetest.D("2026-01-01").AddDays(3 * d).String()
		es = append(es, storetest.Sale(fmt.Sprint("a", d), date, fmt.Sprintf("%d.5", d+1), "USD"))
		if d%3 == 1 {
			es = append(es, storetest.Sale(fmt.Sprint("j", d), date, "100", "JPY"))
		}
		if d >= 8 { // an account that appears late in the book
			es = append(es, ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: fmt.Sprint("late", d)}, Date: storetest.D(date),
				Postings: []ledger.Posting{storetest.P("expenses:revshare:a:b:c", "0.001", "EUR"), storetest.P("liabilities:revshare:a:b:c", "-0.001", "EUR")}})
		}
	}
	// Two accounts whose balances come back to zero on day 27: from then
	// on they are listed at 0 (they have days up to the date), on the
	// late side too, where a zero balance is what asks for the probe.
	for i, day := range []int{3, 27} {
		es = append(es, cashEntry(fmt.Sprint("zero", i), storetest.D("2026-01-01").AddDays(day), "z", []string{"5", "-5"}[i], "USD"))
	}
	if _, err := db.Post(ctx, es); err != nil {
		t.Fatal(err)
	}
	checkAsOfEveryDate(t, db, storetest.D("2025-12-31"), storetest.D("2026-02-04"), "one post")
}

// The running monthly sums (migration 0090) through posts in any date
// order: twelve posts of entries on random dates over six months (month
// ends, backdated posts that rewrite later months, accounts that start
// late, balances that come back to zero), and after each post every as-of
// date from before the book to after it equals the sums of the entries
// up to that date, and verify recomputes every monthly row.
func TestAsOfMatchesEntriesAcrossPosts(t *testing.T) {
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0)
	db := openDB(t, clock)
	rnd := rand.New(rand.NewSource(14))
	start := storetest.D("2025-11-01") // through 2026-04-30: 181 days
	n := 0
	for post := 0; post < 12; post++ {
		var es []ledger.Entry
		for i := 0; i < 10; i++ {
			n++
			day := rnd.Intn(181)
			if post >= 8 {
				day = rnd.Intn(60) // late posts dated early: rewrite every later month
			}
			acct, amount, cur := randomCash(rnd, post < 5) // d appears only from the sixth post on
			es = append(es, cashEntry(fmt.Sprint("e", n), start.AddDays(day), acct, amount, cur))
		}
		if post == 6 { // back to zero on a month's last day, and a posting of zero
			es = append(es,
				cashEntry("z1", storetest.D("2026-01-10"), "z", "7.25", "JPY"),
				cashEntry("z2", storetest.D("2026-02-28"), "z", "-7.25", "JPY"),
				cashEntry("z3", storetest.D("2026-03-31"), "y", "0", "USD"))
		}
		if _, err := db.Post(ctx, es); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		if _, err := db.Verify(ctx); err != nil {
			t.Fatalf("after post %d: %v", post+1, err)
		}
		checkAsOfEveryDate(t, db, start.AddDays(-2), start.AddDays(183), fmt.Sprintf("after post %d", post+1))
	}
}

// checkAsOfEveryDate compares the as-of view of every date from first to
// last with the sums of the entries dated up to it (the accounts listed
// too).
func checkAsOfEveryDate(t *testing.T, db *postgres.DB, first, last ledger.Date, what string) {
	t.Helper()
	for asOf := first; !last.Before(asOf); asOf = asOf.AddDays(1) {
		checkViewMatchesEntries(t, db, ledger.EntryFilter{To: asOf}, ledger.BalanceQuery{AsOf: asOf}, fmt.Sprintf("%s, as of %s", what, asOf))
	}
}

// cashEntry moves amount of cur from income:other:acct to
// assets:cash:acct.
func cashEntry(id string, date ledger.Date, acct, amount, cur string) ledger.Entry {
	return ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: id}, Date: date,
		Postings: []ledger.Posting{storetest.P("assets:cash:"+acct, amount, cur), storetest.P("income:other:"+acct, storetest.Dec(amount).Neg().String(), cur)}}
}

// randomCash draws a cashEntry's account (a, b, c or d, but a in place of
// d while late), its amount (under 100000 either way, up to three
// decimals) and its currency (USD or EUR).
func randomCash(rnd *rand.Rand, late bool) (acct, amount, cur string) {
	acct = []string{"a", "b", "c", "d"}[rnd.Intn(4)]
	if acct == "d" && late {
		acct = "a"
	}
	cur = []string{"USD", "EUR"}[rnd.Intn(2)]
	return acct, decimal.New(rnd.Int63n(200000)-100000, -int32(rnd.Intn(4))).String(), cur
}

// knownAts are the instants a known-at check reads at: before the first
// of instants, at each and half-way to the next.
func knownAts(instants []time.Time) []time.Time {
	ats := []time.Time{instants[0].Add(-time.Millisecond)}
	for _, at := range instants {
		ats = append(ats, at, at.Add(500*time.Millisecond))
	}
	return ats
}

// checkViewMatchesEntries compares the trial balance of q with the sums of
// the postings of the entries filter selects, account and currency by
// account and currency (the accounts listed too).
func checkViewMatchesEntries(t *testing.T, db *postgres.DB, filter ledger.EntryFilter, q ledger.BalanceQuery, what string) {
	t.Helper()
	ctx := context.Background()
	sums := map[string]decimal.Decimal{}
	err := db.EachEntry(ctx, filter, func(e *ledger.Entry) error {
		for _, p := range e.Postings {
			k := p.Account + " " + p.Currency
			sums[k] = sums[k].Add(p.Amount)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for k, v := range sums {
		want[k] = v.String()
	}
	bs, err := db.TrialBalance(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, b := range bs {
		got[b.Account+" "+b.Currency] = b.Amount.String()
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// Migration 0090 fills monthly_totals for a book posted before it: here a
// book posted to in four months by three posts (the last backdated), whose
// 0090 is then undone behind revshare's back (table and record dropped,
// as before 0090; 0101 dropped its trigger), opened again.
func TestMonthlyTotalsMigration(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, u, clock)
	for _, es := range [][]ledger.Entry{
		{storetest.Sale("1", "2026-01-31", "1.10", "USD"), storetest.Sale("2", "2026-03-01", "2", "EUR")},
		{storetest.Sale("3", "2026-04-15", "3.333", "USD"), storetest.Sale("4", "2026-03-31", "-4", "EUR")},
		{storetest.Sale("5", "2025-12-01", "5", "USD"), storetest.Sale("6", "2026-02-01", "0.06", "EUR")},
	} {
		if _, err := db.Post(ctx, es); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
	}
	as0092, err := os.ReadFile("migrations/0092_as_of_edges.sql")
	if err != nil {
		t.Fatal(err)
	}
	// 0101 dropped 0090's trigger and its function (0090 makes them again).
	db = reapplyMigration(t, db, u, clock, 90, `DROP TABLE monthly_totals`, string(as0092)+`;
		ALTER TABLE monthly_totals DROP CONSTRAINT monthly_totals_account_id_fkey;
		DROP TRIGGER entries_seal_months ON entries; DROP FUNCTION revshare_entries_months()`, 6)
	checkAsOfEveryDate(t, db, storetest.D("2025-11-30"), storetest.D("2026-05-01"), "after 0090")
	checkText(t, u, "monthly_totals", `SELECT string_agg(concat_ws(' ', month, account_id, currency, amount), ', ' ORDER BY account_id, currency, month)
		FROM monthly_totals`, "2026-02-01 1 EUR 0.06, 2026-03-01 1 EUR -1.94, 2025-12-01 1 USD 5, 2026-01-01 1 USD 6.10, 2026-04-01 1 USD 9.433, "+
		"2026-02-01 2 EUR -0.06, 2026-03-01 2 EUR 1.94, 2025-12-01 2 USD -5, 2026-01-01 2 USD -6.10, 2026-04-01 2 USD -9.433")
}
