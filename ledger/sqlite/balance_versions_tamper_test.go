package sqlite_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
)

// versionsJournal posts, to assets:cash (account 1) against income:x:
//
//	instant 1: entry 1 (2026-03-01, 10), entry 2 (2026-03-03, 20)
//	instant 2: entry 3 (2026-03-05, 5)
//	instant 3: entry 4 (2026-03-02, 1: late, a date cash did not have)
//	instant 4: entry 5, to assets:bank only
//
// so cash's versions are entry 2 (rows 03-01 = 10, 03-03 = 30), entry 3
// (03-05 = 35) and entry 4 (03-02 = 11, 03-03 = 31, 03-05 = 36), with spans
// 03-01..03-03, 03-01..03-05, 03-01..03-05.
func versionsJournal(t *testing.T) (*sqlite.DB, *sql.DB) {
	t.Helper()
	entry := func(id int, date, acct, amt string) ledger.Entry {
		return ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: string(rune('a' + id))}, Date: storetest.D(date),
			Postings: []ledger.Posting{storetest.P(acct, amt, "USD"), storetest.P("income:x", "-"+amt, "USD")}}
	}
	return tamperBook(t, [][]ledger.Entry{
		{entry(1, "2026-03-01", "assets:cash", "10"), entry(2, "2026-03-03", "assets:cash", "20")},
		{entry(3, "2026-03-05", "assets:cash", "5")},
		{entry(4, "2026-03-02", "assets:cash", "1")},
		{entry(5, "2026-03-04", "assets:bank", "2")},
	})
}

// TestTamperBalanceVersions edits balance_versions and balance_spans with
// raw SQL and checks that Verify names the broken row.
func TestTamperBalanceVersions(t *testing.T) {
	const cash = `account_id = 1 AND currency = 'USD'`
	row := func(date, entry string) string {
		return "balance_versions of assets:cash USD: the sums at " + date + " as of entry " + entry + " disagree with the postings"
	}
	span := func(entry string) string {
		return "balance_spans of assets:cash USD: the span at entry " + entry + " disagrees with the postings"
	}
	tests := []sqlTamper{
		{"row amount", `UPDATE balance_versions SET l2 = l2 + 1 WHERE ` + cash + ` AND date = '2026-03-03' AND entry_id = 4`, row("2026-03-03", "4")},
		{"row amount at a later limb", `UPDATE balance_versions SET l7 = 1 WHERE ` + cash + ` AND date = '2026-03-05' AND entry_id = 3`, row("2026-03-05", "3")},
		{"row missing", `DELETE FROM balance_versions WHERE ` + cash + ` AND date = '2026-03-03' AND entry_id = 2`, row("2026-03-03", "2")},
		{"row of a later version missing", `DELETE FROM balance_versions WHERE ` + cash + ` AND date = '2026-03-05' AND entry_id = 4`, row("2026-03-05", "4")},
		{"row moved to another date", `UPDATE balance_versions SET date = '2026-03-04' WHERE ` + cash + ` AND date = '2026-03-03' AND entry_id = 2`, row("2026-03-03", "2")},
		{"row moved to another version", `UPDATE balance_versions SET entry_id = 3 WHERE ` + cash + ` AND date = '2026-03-01' AND entry_id = 2`, row("2026-03-01", "2")},
		{"row added", `INSERT INTO balance_versions VALUES (1, 'USD', '2026-03-04', 3, 0, 0, 35, 0, 0, 0, 0, 0)`, row("2026-03-04", "3")},
		{"row of another currency", `INSERT INTO balance_versions VALUES (1, 'EUR', '2026-03-01', 2, 0, 0, 10, 0, 0, 0, 0, 0)`,
			"balance_versions of assets:cash EUR: the sums at 2026-03-01 as of entry 2 disagree with the postings"},
		{"all rows missing", `DELETE FROM balance_versions`, row("2026-03-01", "2")},
		{"span first date", `UPDATE balance_spans SET first_date = '2026-03-02' WHERE ` + cash + ` AND entry_id = 3`, span("3")},
		{"span last date", `UPDATE balance_spans SET last_date = '2026-03-04' WHERE ` + cash + ` AND entry_id = 4`, span("4")},
		{"span at an entry not posting to it", `UPDATE balance_spans SET entry_id = 1 WHERE ` + cash + ` AND entry_id = 2`, span("1")},
		{"span past its last posting", `INSERT INTO balance_spans VALUES (1, 'USD', 5, '2026-03-01', '2026-03-05')`, span("5")},
		{"span of an account without postings", `INSERT INTO balance_spans VALUES (1, 'EUR', 2, '2026-03-01', '2026-03-03')`,
			"balance_spans of assets:cash EUR: the span at entry 2 disagrees with the postings"},
		{"span missing", `DELETE FROM balance_spans WHERE ` + cash + ` AND entry_id = 3`,
			"balance_spans of assets:cash USD: no span at entry 3, the last to post to it at its recorded-at instant"},
		{"last span missing", `DELETE FROM balance_spans WHERE ` + cash + ` AND entry_id = 4`,
			"balance_spans of assets:cash USD: no span at entry 4, the last to post to it at its recorded-at instant"},
		{"row amount as text", `UPDATE balance_versions SET l2 = 'abc' WHERE ` + cash + ` AND date = '2026-03-03' AND entry_id = 4`,
			`balance_versions account_id=1 currency=USD date=2026-03-03 entry_id=4: unreadable (sql: Scan error on column index 6, name "l2": converting driver.Value type string ("abc") to a int64: invalid syntax)`},
		// The versions are read without l0 and l3..l7 only when SQLite
		// finds every stored row narrow: these are not, and are still named.
		{"row amount at the last fractional limb", `UPDATE balance_versions SET l0 = 1 WHERE ` + cash + ` AND date = '2026-03-01' AND entry_id = 2`, row("2026-03-01", "2")},
		{"row amount as a real", `UPDATE balance_versions SET l1 = 0.5 WHERE ` + cash + ` AND date = '2026-03-03' AND entry_id = 4`,
			`balance_versions account_id=1 currency=USD date=2026-03-03 entry_id=4: unreadable (sql: Scan error on column index 5, name "l1": converting driver.Value type float64 ("0.5") to a int64: invalid syntax)`},
		{"span entry as text", `UPDATE balance_spans SET entry_id = 'x3' WHERE ` + cash + ` AND entry_id = 3`,
			`balance_spans account_id=1 currency=USD entry_id=x3: unreadable (sql: Scan error on column index 2, name "entry_id": converting driver.Value type string ("x3") to a int64: invalid syntax)`},
		{"all spans missing", `DELETE FROM balance_spans`,
			"balance_spans of assets:cash USD: no span at entry 2, the last to post to it at its recorded-at instant"},
	}
	checkSQLTampers(t, versionsJournal, tests)
}

// TestBalanceVersionsView checks the view of versionsJournal as of each date
// known after each instant, as numbers written out.
func TestBalanceVersionsView(t *testing.T) {
	db, _ := versionsJournal(t)
	ctx := context.Background()
	cash := func(at int, date string) string {
		bs, err := db.TrialBalance(ctx, ledger.BalanceQuery{AsOf: storetest.D(date), KnownAt: storetest.T0.Add(time.Duration(at) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.Account == "assets:cash" {
				return b.Amount.String()
			}
		}
		return "-"
	}
	for _, tc := range []struct {
		at         int
		date, want string
	}{
		{0, "2026-03-31", "-"}, // before the first entry
		{1, "2026-02-28", "-"}, // before every date
		{1, "2026-03-01", "10"},
		{1, "2026-03-02", "10"},
		{1, "2026-03-03", "30"},
		{1, "2026-03-31", "30"},
		{2, "2026-03-02", "10"}, // the late entry is not known yet
		{2, "2026-03-04", "30"},
		{2, "2026-03-05", "35"},
		{3, "2026-03-02", "11"},
		{3, "2026-03-04", "31"},
		{3, "2026-03-05", "36"},
		{4, "2026-03-04", "31"},
	} {
		if got := cash(tc.at, tc.date); got != tc.want {
			t.Errorf("known after instant %d, as of %s: cash %s, want %s", tc.at, tc.date, got, tc.want)
		}
	}
}

// TestTamperHistoryOrder breaks balance_versions together with an earlier
// part of the balance history: verify compares the versions at the same
// time as the days and months (on another transaction of the snapshot),
// and still names the earlier part, as one after the other would.
func TestTamperHistoryOrder(t *testing.T) {
	const cash = `account_id = 1 AND currency = 'USD'`
	const version = `; UPDATE balance_versions SET l2 = l2 + 1 WHERE ` + cash + ` AND date = '2026-03-01' AND entry_id = 2`
	checkSQLTampers(t, versionsJournal, []sqlTamper{
		{"a day and a version", `UPDATE balance_days SET l2 = l2 + 1 WHERE ` + cash + ` AND date = '2026-03-05'` + version,
			"balance_days of assets:cash USD: the day 2026-03-05 disagrees with the postings"},
		{"a month and a version", `UPDATE balance_months SET n = n + 1 WHERE ` + cash + version,
			"balance_months of assets:cash USD: the month 2026-03 disagrees with the days"},
		{"a mark and a version", `UPDATE balance_marks SET l2 = l2 + 1 WHERE ` + cash + ` AND entry_id = 3` + version,
			"balance_marks of assets:cash USD: the mark at entry 3 disagrees with the postings"},
		{"a version alone", `SELECT 1` + version,
			"balance_versions of assets:cash USD: the sums at 2026-03-01 as of entry 2 disagree with the postings"},
	})
}
