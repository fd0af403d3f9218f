package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"

	"github.com/revshare/revshare/ledger"
)

// balanceTotals checks the running totals (migration 0005), derived data
// that raw SQL could have edited, against the postings Verify has read:
// per account and currency, each of l0..l7 is the plain sum of the
// postings' limbs. The first disagreement is reported
// in account ID and currency order, then rows of the table that no posting
// is behind.
func (v *verifier) balanceTotals(ctx context.Context, q querier, accounts map[int64]ledger.Account) error {
	rows, err := q.QueryContext(ctx, `SELECT account_id, currency, `+limbCols("", false)+` FROM balance_totals`)
	if err != nil {
		return err
	}
	defer rows.Close()
	stored := map[acctCur]plainSum{}
	for rows.Next() {
		var k acctCur
		var s plainSum
		var l [limbCount]sql.NullInt64
		dest := []any{&k.account, &k.currency}
		for i := range l {
			dest = append(dest, &l[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i := range l {
			s[i] = l[i].Int64
			if !l[i].Valid {
				s[i] = -1 << 63 // NULL: no sum of postings equals it below
			}
		}
		stored[k] = s
	}
	if err := rows.Err(); err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(v.accountSums), compareAcctCur)
	for _, k := range keys {
		if s, ok := stored[k]; !ok || s != *v.accountSums[k] {
			return totalsDisagree(k, accounts)
		}
	}
	var extra []acctCur
	for k := range stored {
		if v.accountSums[k] == nil {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sortAcctCur(extra)
		return totalsDisagree(extra[0], accounts)
	}
	return nil
}

func sortAcctCur(ks []acctCur) { slices.SortFunc(ks, compareAcctCur) }

// compareAcctCur orders by account id, then currency.
func compareAcctCur(a, b acctCur) int {
	return cmp.Or(cmp.Compare(a.account, b.account), cmp.Compare(a.currency, b.currency))
}

func totalsDisagree(k acctCur, accounts map[int64]ledger.Account) error {
	name := fmt.Sprintf("account id %d", k.account)
	if a, ok := accounts[k.account]; ok {
		name = a.Name
	}
	return &VerifyError{Reason: fmt.Sprintf("balance totals of %s %s disagree with its postings", name, k.currency)}
}
