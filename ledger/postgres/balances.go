package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// accountName is what the trial balance shows of an account.
type accountName struct {
	name string
	typ  ledger.AccountType
}

// readBalances reads TrialBalance's rows (account ID, currency, amount as
// text) into balances ordered by account name, then currency, in byte
// order (the "C" collation of both columns).
func (db *DB) readBalances(ctx context.Context, rows pgx.Rows) ([]ledger.Balance, error) {
	type row struct {
		account          int64
		currency, amount string
	}
	var rs []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.account, &r.currency, &r.amount); err != nil {
			rows.Close()
			return nil, err
		}
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, nil // as before, and as SQLite's: a JSON null, not []
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.account
	}
	names, err := db.accountNames(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ledger.Balance, len(rs))
	for i, r := range rs {
		a := names[r.account]
		amount, err := balanceAmount(r.amount)
		if err != nil {
			return nil, fmt.Errorf("balance of %s: %w", a.name, err)
		}
		out[i] = ledger.Balance{Account: a.name, Type: a.typ, Currency: r.currency, Amount: amount}
	}
	slices.SortFunc(out, func(a, b ledger.Balance) int {
		if c := strings.Compare(a.Account, b.Account); c != 0 {
			return c
		}
		return strings.Compare(a.Currency, b.Currency)
	})
	return out, nil
}

// accountNames returns the name and type of each account of ids, from
// the cache or else in one query. An account never changes once committed
// (the accounts_immutable trigger) and an ID read from a committed row is
// a committed account's, so a cached name stays true.
func (db *DB) accountNames(ctx context.Context, ids []int64) (map[int64]accountName, error) {
	db.mu.Lock()
	var missing []int64
	for _, id := range ids {
		if _, ok := db.names[id]; !ok {
			missing = append(missing, id)
		}
	}
	names := db.names
	db.mu.Unlock()
	if len(missing) == 0 {
		return names, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id, name, type FROM accounts WHERE id = ANY($1)`, missing)
	if err != nil {
		return nil, err
	}
	found := map[int64]accountName{}
	for rows.Next() {
		var id int64
		var name, typ string
		if err := rows.Scan(&id, &name, &typ); err != nil {
			rows.Close()
			return nil, err
		}
		found[id] = accountName{name: name, typ: ledger.AccountType(typ)}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, id := range missing {
		if _, ok := found[id]; !ok {
			return nil, fmt.Errorf("account %d has a balance but no row", id)
		}
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	// Copy on write: a map handed out above is never changed.
	grown := make(map[int64]accountName, len(db.names)+len(found))
	for id, a := range db.names {
		grown[id] = a
	}
	for id, a := range found {
		grown[id] = a
	}
	db.names = grown
	return grown, nil
}

// balanceAmount reads a balance the server wrote as numeric's text: a sum,
// shown without trailing zeros as SQLite's are (the export prints it as it
// is: -16, not -16.00). The same value and exponent as
// decimal.RequireFromString(decimal.RequireFromString(s).String()), which
// went through math/big; this is ledger's one decimal grammar, without its
// digit limits (a sum may pass 18 digits), in an int64 when it fits
// (TestBalanceAmount).
func balanceAmount(s string) (decimal.Decimal, error) {
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	d, ok := ledger.ParsePlainDecimal(s)
	if !ok {
		return decimal.Decimal{}, fmt.Errorf("%q is not a decimal", s)
	}
	return d, nil
}
