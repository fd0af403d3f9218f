package postgres_test

import (
	"fmt"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
)

// Verify's replay keeps its sums in an int64 while they fit and in a
// decimal past that (verify_sum.go): on a book whose sums pass the int64
// (ten sales of 18 digits on one date), whose amounts have 18 decimals or
// 36 digits, and whose second instant is a backdated post (version rows
// computed from those sums), verify passes, and a change of 10^-18 to any
// derived row is found and named with the exact sums.
func TestVerifyExactPastInt64(t *testing.T) {
	tests := []tamperCase{
		{"changed version by 10^-18", `UPDATE balance_versions SET amount = amount + 0.000000000000000001 WHERE account_id = 1 AND entry_id = 13 AND date = '2026-03-02'`,
			"verify: balance versions for entry 13 1 USD 2026-03-02: the row holds 9999999999999999990.500000000000000001, the postings sum to 9999999999999999990.500000000000000000"},
		{"changed later version", `UPDATE balance_versions SET amount = amount - 0.000000000000000001 WHERE account_id = 2 AND entry_id = 13 AND date = '2026-03-03'`,
			"verify: balance versions for entry 13 2 USD 2026-03-03: the row holds -10123456789012345668.623456789012345680, the postings sum to -10123456789012345668.623456789012345679"},
		{"changed first version", `UPDATE balance_versions SET amount = amount + 1 WHERE account_id = 1 AND entry_id = 12 AND date = '2026-03-02'`,
			"verify: balance versions for entry 12 1 USD 2026-03-02: the row holds 9999999999999999991, the postings sum to 9999999999999999990.000000000000000000"},
		{"changed total by 10^-18", `UPDATE balance_totals SET amount = amount + 0.000000000000000001 WHERE account_id = 1`,
			"verify: balance totals for 1 USD differ from the sum of the postings"},
		{"changed daily total by 10^-18", `UPDATE daily_totals SET amount = amount - 0.000000000000000001 WHERE date = '2026-03-02' AND account_id = 2`,
			"verify: daily totals for 2026-03-02 2 USD differ from the sum of the postings"},
		{"changed small daily total by 10^-18", `UPDATE daily_totals SET amount = amount + 0.000000000000000001 WHERE date = '2026-03-01' AND account_id = 1`,
			"verify: daily totals for 2026-03-01 1 USD differ from the sum of the postings"},
		{"changed monthly total by 10^-18", `UPDATE monthly_totals SET amount = amount + 0.000000000000000001 WHERE account_id = 1`,
			"verify: monthly totals for 2026-03 1 USD differ from the running sum of the postings"},
		{"changed mark by 10^-18", `UPDATE balance_marks SET amount = amount + 0.000000000000000001 WHERE account_id = 1 AND entry_id = 13`,
			"verify: balance marks for entry 13 1 USD: the mark holds 10123456789012345668.623456789012345680, the postings sum to 10123456789012345668.623456789012345679"},
	}
	var first []ledger.Entry
	for i := 1; i <= 10; i++ {
		first = append(first, storetest.Sale(fmt.Sprint(i), "2026-03-02", "999999999999999999", "USD"))
	}
	first = append(first, storetest.Sale("11", "2026-03-03", "0.000000000000000001", "USD"),
		storetest.Sale("12", "2026-03-03", "123456789012345678.123456789012345678", "USD"))
	checkTampering(t, tests, first, []ledger.Entry{storetest.Sale("13", "2026-03-01", "0.5", "USD")})
}

// Verify names the first wrong mark or span in key order when the rows are
// checked instant by instant (read through cursors alongside the scan):
// problems in both instants, the earlier named whichever kind it is, and
// rows after the journal's last entry.
func TestVerifyFindsTamperingInstantByInstant(t *testing.T) {
	tests := []tamperCase{
		{"mark after the last entry", `INSERT INTO balance_marks VALUES (1, 'USD', 99, 0)`,
			"verify: balance marks for entry 99 1 USD: the mark has no posting of the account at that entry"},
		{"span after the last entry", `INSERT INTO balance_spans VALUES (1, 'USD', 99, '2026-03-01', '2026-03-01')`,
			"verify: balance spans for entry 99 1 USD: the span has no posting of the account at that entry"},
		{"missing in the first instant, wrong in the second", `UPDATE balance_marks SET amount = amount + 1 WHERE entry_id = 3 AND account_id = 1;
			DELETE FROM balance_marks WHERE entry_id = 2 AND account_id = 2`,
			"verify: balance marks for entry 2 2 USD: the mark is missing (the account's last entry of its recorded-at instant)"},
		{"wrong in the first instant, missing in the second", `UPDATE balance_marks SET amount = amount + 1 WHERE entry_id = 2 AND account_id = 2;
			DELETE FROM balance_marks WHERE entry_id = 3`,
			"verify: balance marks for entry 2 2 USD: the mark holds -2.5, the postings sum to -3.5"},
		{"marks before spans", `DELETE FROM balance_spans WHERE entry_id = 2; UPDATE balance_marks SET amount = 0 WHERE entry_id = 3 AND account_id = 2`,
			"verify: balance marks for entry 3 2 USD: the mark holds 0, the postings sum to -3.75"},
		{"spans in the second instant", `UPDATE balance_spans SET last_date = '2026-03-01' WHERE entry_id = 3 AND account_id = 2`,
			"verify: balance spans for entry 3 2 USD: the span says 2026-03-01 to 2026-03-01, the postings 2026-03-01 to 2026-03-03"},
	}
	checkTampering(t, tests,
		[]ledger.Entry{storetest.Sale("1", "2026-03-02", "1.5", "USD"), storetest.Sale("2", "2026-03-03", "2", "USD")},
		[]ledger.Entry{storetest.Sale("3", "2026-03-01", "0.25", "USD")})
}
