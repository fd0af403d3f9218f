package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

func init() { verifyChecks = append(verifyChecks, verifyBalanceHistory) }

// verifyBalanceHistory recomputes the balance history (migration 0025) from
// the postings, in SQL (exact integer sums, set comparisons):
//
//   - balance_days holds exactly one row per account, currency and
//     effective date with postings, with their count and plain sums;
//   - balance_months holds exactly the days summed per month;
//   - every mark holds the running sums of its account and currency up to
//     and including its entry, which posts to that account;
//   - per account, currency and recorded-at instant, the last entry of the
//     instant posting to the account has a mark (so that every --known-at
//     view finds its mark).
//
// balance_totals is checked against the postings by the journal checks.
// The first difference is a *VerifyError naming the account.
func verifyBalanceHistory(ctx context.Context, tx *sql.Tx) error {
	const days = `SELECT p.account_id, p.currency, e.date, count(*), sum(p.units), sum(p.frac_hi), sum(p.frac_lo)
		FROM entries e CROSS JOIN postings p ON p.entry_id = e.id GROUP BY p.account_id, p.currency, e.date`
	const stored = `SELECT account_id, currency, date, n, u, h, l FROM balance_days`
	if err := sameRows(ctx, tx, "balance_days", "the day %s disagrees with the postings", days, stored); err != nil {
		return err
	}
	const months = `SELECT account_id, currency, substr(date, 1, 7), sum(n), sum(u), sum(h), sum(l)
		FROM balance_days GROUP BY account_id, currency, substr(date, 1, 7)`
	if err := sameRows(ctx, tx, "balance_months", "the month %s disagrees with the days", months,
		`SELECT account_id, currency, month, n, u, h, l FROM balance_months`); err != nil {
		return err
	}
	// Marks whose values are not the running sums at an entry of theirs.
	if err := noRows(ctx, tx, "balance_marks", "the mark at entry %s disagrees with the postings", `SELECT account_id, currency, entry_id FROM (
		SELECT account_id, currency, entry_id, u, h, l FROM balance_marks
		EXCEPT
		SELECT a, c, m, sum(u) OVER w, sum(h) OVER w, sum(l) OVER w FROM (
			SELECT account_id AS a, currency AS c, entry_id AS m, sum(units) AS u, sum(frac_hi) AS h, sum(frac_lo) AS l
			FROM postings NOT INDEXED GROUP BY account_id, currency, entry_id)
		WINDOW w AS (PARTITION BY a, c ORDER BY m))`); err != nil {
		return err
	}
	// Recorded-at instants whose last posting to an account has no mark.
	return noRows(ctx, tx, "balance_marks", "no mark at entry %s, the last to post to it at its recorded-at instant", `SELECT p.account_id, p.currency, max(p.entry_id)
		FROM entries e CROSS JOIN postings p ON p.entry_id = e.id GROUP BY p.account_id, p.currency, e.recorded_at
		EXCEPT SELECT account_id, currency, entry_id FROM balance_marks`)
}

// sameRows checks that query (the rows recomputed, unique by their first
// three columns) and stored (a table's rows, unique by them too) are the
// same set: as many rows, and none of query's missing from stored. The
// queries read the entries in ID order and their postings by key (CROSS
// JOIN fixes that order): through postings_account SQLite would jump
// around the entries, three times the CPU and much more I/O at 1M.
func sameRows(ctx context.Context, tx *sql.Tx, table, what, query, stored string) error {
	// One evaluation of query (materialized) for the three counts; the
	// row to name is looked for only when they disagree.
	var want, have, missing int64
	if err := tx.QueryRowContext(ctx, `WITH q AS MATERIALIZED (`+query+`)
		SELECT (SELECT count(*) FROM q), (SELECT count(*) FROM (`+stored+`)),
			(SELECT count(*) FROM (SELECT * FROM q EXCEPT `+stored+`))`).Scan(&want, &have, &missing); err != nil {
		return err
	}
	if missing > 0 {
		return noRows(ctx, tx, table, what, `SELECT * FROM (`+query+` EXCEPT `+stored+`)`)
	}
	if want != have {
		return noRows(ctx, tx, table, what, `SELECT * FROM (`+stored+` EXCEPT `+query+`)`)
	}
	return nil
}

// noRows reports the first row of query (account_id, currency, key, ...)
// as a broken row of table: what formats the key.
func noRows(ctx context.Context, tx *sql.Tx, table, what, query string) error {
	rows, err := tx.QueryContext(ctx, query+` LIMIT 1`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		return rows.Err()
	}
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return err
	}
	rows.Close()
	name := fmt.Sprintf("account id %v", vals[0])
	var n string
	if tx.QueryRowContext(ctx, `SELECT name FROM accounts WHERE id = ?`, vals[0]).Scan(&n) == nil {
		name = n
	}
	return &VerifyError{Reason: fmt.Sprintf("%s of %s %s: "+what, table, name, text(vals[1]), text(vals[2]))}
}

func text(v any) string {
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}
