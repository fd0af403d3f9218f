package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
)

// The balance versions (migration 0093) through twelve posts on random
// dates over three months (each after the first backdates some accounts:
// dates before ones they already have), an account that starts late, a
// balance back to zero, two posts at one instant (two statements, one
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
	db = reapplyMigration(t, db, u, clock, 93, `DROP TRIGGER entries_seal_versions ON entries; DROP FUNCTION revshare_entries_versions(); DROP FUNCTION revshare_versions_add(bigint, bigint);
		DROP TABLE balance_versions; DROP TABLE balance_spans`, 7)
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
