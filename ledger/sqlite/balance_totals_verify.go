package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

func init() { verifyChecks = append(verifyChecks, verifyBalanceTotals) }

// verifyBalanceTotals checks the running totals (migration 0005) against the
// postings they summarize: derived data that raw SQL could have edited.
func verifyBalanceTotals(ctx context.Context, tx *sql.Tx) error {
	var account string
	var currency string
	err := tx.QueryRowContext(ctx, `
		WITH s AS (SELECT account_id, currency, sum(units) AS u, sum(frac_hi) AS h, sum(frac_lo) AS l FROM postings GROUP BY account_id, currency)
		SELECT a.name, x.currency FROM (
			SELECT s.account_id, s.currency FROM s LEFT JOIN balance_totals t ON t.account_id = s.account_id AND t.currency = s.currency
				WHERE t.u IS NOT s.u OR t.h IS NOT s.h OR t.l IS NOT s.l
			UNION ALL
			SELECT t.account_id, t.currency FROM balance_totals t LEFT JOIN s ON t.account_id = s.account_id AND t.currency = s.currency
				WHERE s.u IS NULL
		) x JOIN accounts a ON a.id = x.account_id LIMIT 1`).Scan(&account, &currency)
	if err == sql.ErrNoRows {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("balance totals of %s %s disagree with its postings", account, currency)
}
