package sqlite

import (
	"context"

	"github.com/revshare/revshare/ledger"
)

// loadAccounts reads every account by ID.
func loadAccounts(ctx context.Context, q querier) (map[int64]ledger.Account, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, type FROM accounts`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]ledger.Account{}
	for rows.Next() {
		var id int64
		var a ledger.Account
		var typ string
		if err := rows.Scan(&id, &a.Name, &typ); err != nil {
			return nil, err
		}
		a.Type = ledger.AccountType(typ)
		m[id] = a
	}
	return m, rows.Err()
}
