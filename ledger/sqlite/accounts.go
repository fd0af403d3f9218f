package sqlite

import (
	"database/sql"
	"fmt"
	"math"
	"sync"

	"github.com/revshare/revshare/ledger"
)

// accountID returns the ID of an account, creating it on first use. Account
// rows are immutable, so IDs are cached for the life of the DB (accounts
// created in a transaction only once it commits).
func (tx *Tx) accountID(name string) (int64, error) {
	if id, ok := tx.db.cachedAccount(name); ok {
		return id, nil
	}
	if id, ok := tx.newAccounts[name]; ok {
		return id, nil
	}
	typ, err := ledger.AccountTypeOf(name)
	if err != nil {
		return 0, err
	}
	find, err := tx.stmt(findAccountQuery)
	if err != nil {
		return 0, err
	}
	var id int64
	var stored string
	switch err := find.QueryRowContext(tx.ctx, name).Scan(&id, &stored); {
	case err == sql.ErrNoRows:
		if tx.firstNewAccount == 0 {
			// The accounts' IDs after the largest before the first created
			// here are new (IDs grow, accounts are never deleted), so their
			// balance versions need no look-up (versionRows). SQLite picks
			// IDs at random past the largest possible one: then none.
			var top int64
			if err := tx.tx.QueryRowContext(tx.ctx, `SELECT coalesce(max(id), 0) FROM accounts`).Scan(&top); err != nil {
				return 0, err
			}
			tx.firstNewAccount = -1
			if top < math.MaxInt64 {
				tx.firstNewAccount = top + 1
			}
		}
		ins, err := tx.stmt(insertAccountQuery)
		if err != nil {
			return 0, err
		}
		r, err := ins.ExecContext(tx.ctx, name, string(typ))
		if err != nil {
			return 0, mapError(err)
		}
		if id, err = r.LastInsertId(); err != nil {
			return 0, err
		}
	case err != nil:
		return 0, err
	case stored != string(typ):
		return 0, fmt.Errorf("account %q is stored with type %q, want %q", name, stored, typ)
	}
	if tx.newAccounts == nil {
		tx.newAccounts = map[string]int64{}
	}
	tx.newAccounts[name] = id
	tx.accountsAdded = append(tx.accountsAdded, name)
	return id, nil
}

type accountCache struct {
	mu  sync.RWMutex
	ids map[string]int64
}

func (db *DB) cachedAccount(name string) (int64, bool) {
	db.accounts.mu.RLock()
	defer db.accounts.mu.RUnlock()
	id, ok := db.accounts.ids[name]
	return id, ok
}

func (db *DB) cacheAccounts(m map[string]int64) {
	if len(m) == 0 {
		return
	}
	db.accounts.mu.Lock()
	defer db.accounts.mu.Unlock()
	if db.accounts.ids == nil {
		db.accounts.ids = map[string]int64{}
	}
	for k, v := range m {
		db.accounts.ids[k] = v
	}
}
