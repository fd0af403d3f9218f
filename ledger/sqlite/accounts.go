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
		if err := tx.noteNewAccounts(); err != nil {
			return 0, err
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

// noteNewAccounts notes, before the first account this transaction
// creates, the ID after the largest: the accounts' IDs from it on are new
// (IDs grow, accounts are never deleted), so their balance versions need
// no look-up (versionRows). SQLite picks IDs at random past the largest
// possible one: then none.
func (tx *Tx) noteNewAccounts() error {
	if tx.firstNewAccount != 0 {
		return nil
	}
	var top int64
	if err := tx.tx.QueryRowContext(tx.ctx, `SELECT coalesce(max(id), 0) FROM accounts`).Scan(&top); err != nil {
		return err
	}
	tx.firstNewAccount = -1
	if top < math.MaxInt64 {
		tx.firstNewAccount = top + 1
	}
	return nil
}

// addAccounts finds or creates the accounts of names that neither the DB's
// cache nor this transaction knows, in statements of up to rowsPerInsert
// names (one INSERT of the new ones, one query of their IDs) instead of a
// look-up and an insert per account: an import of 50,000 new sellers made
// 200,000 of each. New accounts get their IDs in the order of names, as
// accountID would give them. A stored account of another type is left to
// accountID, which reports it.
func (tx *Tx) addAccounts(names []string) error {
	var todo []string
	types := map[string]string{} // of the names in todo
	for _, name := range names {
		if _, ok := types[name]; ok {
			continue
		}
		if _, ok := tx.newAccounts[name]; ok {
			continue
		}
		if _, ok := tx.db.cachedAccount(name); ok {
			continue
		}
		typ, err := ledger.AccountTypeOf(name)
		if err != nil {
			return err
		}
		types[name] = string(typ)
		todo = append(todo, name)
	}
	if len(todo) < 2 {
		return nil
	}
	if err := tx.noteNewAccounts(); err != nil {
		return err
	}
	args := make([]any, 0, 2*len(todo))
	for _, name := range todo {
		args = append(args, name, types[name])
	}
	if err := tx.execRows(insertAccountsQuery, 2, args); err != nil {
		return err
	}
	if tx.newAccounts == nil {
		tx.newAccounts = map[string]int64{}
	}
	for start := 0; start < len(todo); {
		n := insertSize(len(todo) - start)
		st, err := tx.stmt(findAccountsQuery(n))
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(tx.ctx, args[2*start:2*(start+n)]...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var name, typ string
			if err := rows.Scan(&id, &name, &typ); err != nil {
				rows.Close()
				return err
			}
			if typ == types[name] {
				tx.newAccounts[name] = id
				tx.accountsAdded = append(tx.accountsAdded, name)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return err
		}
		start += n
	}
	return nil
}

func insertAccountsQuery(n int) string {
	return cachedQuery(62, n, func(n int) string {
		return `INSERT INTO accounts (name, type) VALUES ` + placeholders(n, 2) + ` ON CONFLICT (name) DO NOTHING`
	})
}

// findAccountsQuery finds n accounts by (name, type) pairs: the type is
// bound and ignored.
func findAccountsQuery(n int) string {
	return cachedQuery(63, n, func(n int) string {
		return `SELECT a.id, a.name, a.type FROM (VALUES ` + placeholders(n, 2) + `) v JOIN accounts a ON a.name = v.column1`
	})
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
