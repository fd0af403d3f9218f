package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// The balance versions (migration 0093) through twelve posts on random
// dates over three months (each after the first backdates some accounts:
// dates before ones they already have), an account that starts late, a
// balance back to zero, two posts at one instant (two transactions, one
// version each), and through a copy that writes every instant in one
// statement (as revshare copy does): every view as of D and known at T,
// for every date from before the book to after it and every instant,
// between two and before the first, equals the sums of the entries dated
// up to D and recorded by T, and verify recomputes every version.
func TestAsOfKnownAtMatchesEntries(t *testing.T) {
	// The fifth post shares the fourth's instant; z goes to 7.25 JPY on
	// 2026-02-01 and back to zero on an earlier date.
	checkRandomBook(t, randomBook{seed: 93, posts: 12, perPost: 10, dFrom: 7, sharedInstant: 4,
		zero: [2]zeroPost{{3, "2026-02-01"}, {9, "2026-01-15"}}}, checkEveryDateAndInstant)
}

// checkEveryDateAndInstant compares the view as of every date from the day
// before 2026-01-01 to 2026-04-01, known before the first instant, at each
// and half-way to the next, with the sums of the entries dated and
// recorded by then (the accounts listed too).
func checkEveryDateAndInstant(t *testing.T, db *postgres.DB, instants []time.Time, what string) {
	t.Helper()
	for _, at := range knownAts(instants) {
		for d := storetest.D("2025-12-31"); !storetest.D("2026-04-01").Before(d); d = d.AddDays(1) {
			checkViewMatchesEntries(t, db, ledger.EntryFilter{To: d, KnownAt: at}, ledger.BalanceQuery{AsOf: d, KnownAt: at},
				fmt.Sprintf("%s, as of %s known at %s", what, d, at.Format(time.RFC3339Nano)))
		}
	}
}

// Migration 0093 fills balance_versions and balance_spans for a book
// posted before it (here a book whose 0093 was undone behind revshare's
// back, then opened again): one version per account and instant, here
// also where the book's triggers had made two (two posts at one instant).
func TestBalanceVersionsMigration(t *testing.T) {
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, u, clock)
	instants := postAtInstants(t, db, clock, 3, [][]ledger.Entry{
		{storetest.Sale("1", "2026-01-31", "1.10", "USD"), storetest.Sale("2", "2026-03-01", "2", "EUR"), storetest.Sale("3", "2026-01-01", "3", "USD")},
		{storetest.Sale("4", "2026-03-31", "-4", "EUR")},
		{storetest.Sale("5", "2025-12-01", "5", "USD"), storetest.Sale("6", "2026-02-01", "0.06", "EUR")},
		{storetest.Sale("7", "2026-01-15", "7", "USD")},
	})
	// 0094 replaced 0093's trigger and its function (0093 makes them
	// again), 0101 its revshare_versions_add (made again after it).
	as0101, err := os.ReadFile("migrations/0101_monthly_totals_at_commit.sql")
	if err != nil {
		t.Fatal(err)
	}
	versionsAdd := string(as0101[strings.Index(string(as0101), "CREATE OR REPLACE FUNCTION revshare_versions_add"):])
	db = reapplyMigration(t, db, u, clock, 93, `DROP FUNCTION revshare_versions_add(bigint, bigint);
		DROP TABLE balance_versions; DROP TABLE balance_spans`,
		`DROP TRIGGER entries_seal_versions ON entries; DROP FUNCTION revshare_entries_versions();
		REVOKE EXECUTE ON FUNCTION revshare_versions_add(bigint, bigint) FROM PUBLIC;
		`+versionsAdd, 7)
	checkEveryDateAndInstant(t, db, instants, "after 0093")
	// Account 1 in USD: 1.10 on 01-31 and 3 on 01-01 (entry 3), 5 on
	// 2025-12-01 (a version of its own, entry 5: every date after it
	// changes), 7 on 01-15 (entry 7, the same instant: one version with 5).
	checkText(t, u, "balance_versions of account 1", `SELECT string_agg(concat_ws(' ', entry_id, account_id, currency, date, amount), ', ' ORDER BY account_id, currency, entry_id, date)
		FROM balance_versions WHERE account_id = 1`, "2 1 EUR 2026-03-01 2, 4 1 EUR 2026-03-31 -2, 6 1 EUR 2026-02-01 0.06, 6 1 EUR 2026-03-01 2.06, 6 1 EUR 2026-03-31 -1.94, "+
		"3 1 USD 2026-01-01 3, 3 1 USD 2026-01-31 4.10, 7 1 USD 2025-12-01 5, 7 1 USD 2026-01-01 8, 7 1 USD 2026-01-15 15, 7 1 USD 2026-01-31 16.10")
	checkText(t, u, "balance_spans", `SELECT string_agg(concat_ws(' ', entry_id, account_id, currency, first_date, last_date), ', ' ORDER BY account_id, currency, entry_id)
		FROM balance_spans`, "2 1 EUR 2026-03-01 2026-03-01, 4 1 EUR 2026-03-01 2026-03-31, 6 1 EUR 2026-02-01 2026-03-31, 3 1 USD 2026-01-01 2026-01-31, 7 1 USD 2025-12-01 2026-01-31, "+
		"2 2 EUR 2026-03-01 2026-03-01, 4 2 EUR 2026-03-01 2026-03-31, 6 2 EUR 2026-02-01 2026-03-31, 3 2 USD 2026-01-01 2026-01-31, 7 2 USD 2025-12-01 2026-01-31")
}

// An import posts its entries in statements of up to usage.MaxOpenGroups
// groups; its marks, spans and versions are one set per account for the
// transaction's one recorded-at instant (migration 0094, as SQLite writes
// them), not one per statement. Here 10,000 groups (5,000 sellers on two
// dates) fill the first statement and a row of seller s0000 dated before
// both makes a second: its two accounts get one version, at entry 10,001,
// with a row at each of their three dates (per statement they had two
// versions, the first rewritten whole by the second). The views as of each
// date known at the import and before it still equal the entries' sums.
func TestImportVersionsPerInstant(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	db := openURL(t, u, clock)
	var csv strings.Builder
	csv.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	for s := 0; s < 5000; s++ {
		fmt.Fprintf(&csv, "a%d,2026-01-02,s%04d,web,1,USD\nb%d,2026-01-03,s%04d,web,2,USD\n", s, s, s, s)
	}
	csv.WriteString("c0,2026-01-01,s0000,web,4,USD\n")
	before := clock.Now()
	clock.Advance(time.Second)
	res, err := db.ImportUsage(ctx, strings.NewReader(csv.String()), usage.ImportOptions{FileName: "u.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Posted != 10001 || res.Entries != 10001 {
		t.Fatalf("import: %+v", res)
	}
	checkText(t, u, "row counts", `SELECT concat_ws(' ', (SELECT count(*) FROM balance_marks), (SELECT count(*) FROM balance_spans),
		(SELECT count(*) FROM balance_versions), (SELECT count(*) FROM balance_pending))`, "10000 10000 20002 0")
	checkText(t, u, "s0000's versions", `SELECT string_agg(concat_ws(' ', a.name, b.entry_id, b.date, b.amount), ', ' ORDER BY a.name, b.entry_id, b.date)
		FROM balance_versions b JOIN accounts a ON a.id = b.account_id WHERE a.name LIKE '%:s0000:%'`,
		"assets:receivable:s0000:web 10001 2026-01-01 4, assets:receivable:s0000:web 10001 2026-01-02 5, assets:receivable:s0000:web 10001 2026-01-03 7, "+
			"income:revenue:s0000:web 10001 2026-01-01 -4, income:revenue:s0000:web 10001 2026-01-02 -5, income:revenue:s0000:web 10001 2026-01-03 -7")
	checkText(t, u, "s0000's marks and spans", `SELECT string_agg(concat_ws(' ', a.name, m.entry_id, m.amount, s.entry_id, s.first_date, s.last_date), ', ' ORDER BY a.name)
		FROM balance_marks m JOIN balance_spans s USING (account_id, currency) JOIN accounts a ON a.id = m.account_id WHERE a.name LIKE '%:s0000:%'`,
		"assets:receivable:s0000:web 10001 7 10001 2026-01-01 2026-01-03, income:revenue:s0000:web 10001 -7 10001 2026-01-01 2026-01-03")
	checkText(t, u, "s0001's versions", `SELECT string_agg(concat_ws(' ', b.entry_id, b.date, b.amount), ', ' ORDER BY b.entry_id, b.date)
		FROM balance_versions b JOIN accounts a ON a.id = b.account_id WHERE a.name = 'assets:receivable:s0001:web'`,
		"4 2026-01-02 1, 4 2026-01-03 3")
	if vr, err := db.Verify(ctx); err != nil || vr.Entries != 10001 {
		t.Fatalf("verify: %+v %v", vr, err)
	}
	for _, at := range []time.Time{before, clock.Now()} {
		for d := storetest.D("2025-12-31"); !storetest.D("2026-01-04").Before(d); d = d.AddDays(1) {
			checkViewMatchesEntries(t, db, ledger.EntryFilter{To: d, KnownAt: at}, ledger.BalanceQuery{AsOf: d, KnownAt: at},
				fmt.Sprintf("as of %s known at %s", d, at.Format(time.RFC3339Nano)))
		}
	}
}
