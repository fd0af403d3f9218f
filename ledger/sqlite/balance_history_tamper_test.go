package sqlite_test

import (
	"testing"
)

// TestTamperBalanceHistory edits each table of the balance history with raw
// SQL (an edit leaves the journal itself sound) and checks that Verify names
// the broken row.
func TestTamperBalanceHistory(t *testing.T) {
	const c5 = `(SELECT id FROM accounts WHERE name = 'assets:receivable:s:c5')`
	tests := []sqlTamper{
		{"day amount", `UPDATE balance_days SET l2 = l2 + 1 WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		{"day count", `UPDATE balance_days SET n = 2 WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		{"day missing", `DELETE FROM balance_days WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		{"day moved", `UPDATE balance_days SET date = '2026-03-06' WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		{"day added", `INSERT INTO balance_days VALUES (` + c5 + `, 'EUR', '2026-03-01', 1, 0, 0, 1, 0, 0, 0, 0, 0)`,
			"balance_days of assets:receivable:s:c5 EUR: the day 2026-03-01 disagrees with the postings"},
		{"month amount", `UPDATE balance_months SET l1 = l1 + 1 WHERE account_id = ` + c5,
			"balance_months of assets:receivable:s:c5 USD: the month 2026-03 disagrees with the days"},
		{"month missing", `DELETE FROM balance_months WHERE account_id = ` + c5,
			"balance_months of assets:receivable:s:c5 USD: the month 2026-03 disagrees with the days"},
		{"mark amount", `UPDATE balance_marks SET l0 = 7 WHERE account_id = ` + c5,
			"balance_marks of assets:receivable:s:c5 USD: the mark at entry 5 disagrees with the postings"},
		{"mark moved", `UPDATE balance_marks SET entry_id = 6 WHERE account_id = ` + c5,
			"balance_marks of assets:receivable:s:c5 USD: the mark at entry 6 disagrees with the postings"},
		{"day amount as text", `UPDATE balance_days SET l1 = 'abc' WHERE account_id = ` + c5,
			`balance_days account_id=9 currency=USD date=2026-03-05: unreadable (sql: Scan error on column index 5, name "l1": converting driver.Value type string ("abc") to a int64: invalid syntax)`},
		// The days are read narrow (l1 and l2 packed, the other limbs
		// not read) only when SQLite finds every stored day narrow; these
		// are not, and are still named.
		{"day amount at a later limb", `UPDATE balance_days SET l3 = 1 WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		{"day amount at the last fractional limb", `UPDATE balance_days SET l0 = -1 WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		// l1 + 2^32 and l1 are the same packed: past an int32 a day is not narrow.
		{"day amount past an int32", `UPDATE balance_days SET l1 = l1 + 4294967296 WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		{"day amount past an int32 below", `UPDATE balance_days SET l2 = l2 - 4294967296 WHERE account_id = ` + c5,
			"balance_days of assets:receivable:s:c5 USD: the day 2026-03-05 disagrees with the postings"},
		{"day amount as a real", `UPDATE balance_days SET l1 = 0.5 WHERE account_id = ` + c5,
			`balance_days account_id=9 currency=USD date=2026-03-05: unreadable (sql: Scan error on column index 5, name "l1": converting driver.Value type float64 ("0.5") to a int64: invalid syntax)`},
		{"mark missing", `DELETE FROM balance_marks WHERE account_id = ` + c5,
			"balance_marks of assets:receivable:s:c5 USD: no mark at entry 5, the last to post to it at its recorded-at instant"},
	}
	checkSQLTampers(t, tamperJournal, tests)
}
