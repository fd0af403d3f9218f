package sqlite

import (
	"database/sql"
	"fmt"
	"math"
	"strings"
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
// names instead of a look-up and an insert per account (an import of
// 50,000 new sellers made 200,000 of each): one query finds the stored
// ones, then one INSERT per statement creates the rest with the IDs SQLite
// would give them one by one (the largest so far plus one, in the order of
// names; the transaction holds the write lock, so nobody else takes one).
// Asked back after the insert, the new names cost a row each through
// database/sql and an allocation per name (docs/design/speed.md, section 2,
// session 16). A stored account of another type is left to accountID,
// which reports it.
func (tx *Tx) addAccounts(names []string) error {
	var todo []string
	var types []ledger.AccountType // of the names in todo
	var index map[string]int       // todo's positions, made with the first
	for _, name := range names {
		if _, ok := index[name]; ok {
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
		if index == nil {
			index = make(map[string]int, len(names))
		}
		index[name] = len(todo)
		todo = append(todo, name)
		types = append(types, typ)
	}
	if len(todo) < 2 {
		return nil
	}
	if err := tx.noteNewAccounts(); err != nil {
		return err
	}
	if tx.newAccounts == nil {
		tx.newAccounts = make(map[string]int64, len(todo))
	}
	stored := make([]bool, len(todo))
	args := make([]any, 0, 3*rowsPerInsert)
	for start := 0; start < len(todo); {
		n := insertSize(len(todo) - start)
		args = args[:0]
		for _, name := range todo[start : start+n] {
			args = append(args, name)
		}
		st, err := tx.stmt(findAccountsQuery(n))
		if err != nil {
			return err
		}
		rows, err := st.QueryContext(tx.ctx, args...)
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
			i := index[name]
			stored[i] = true
			if typ == string(types[i]) {
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
	var top int64
	if err := tx.tx.QueryRowContext(tx.ctx, `SELECT coalesce(max(id), 0) FROM accounts`).Scan(&top); err != nil {
		return err
	}
	if top > math.MaxInt64-int64(len(todo)) {
		return nil // SQLite would pick IDs at random: accountID takes them one by one
	}
	args = make([]any, 0, 3*(len(todo)))
	for i, name := range todo {
		if stored[i] {
			continue
		}
		top++
		args = append(args, top, name, string(types[i]))
		tx.newAccounts[name] = top
		tx.accountsAdded = append(tx.accountsAdded, name)
	}
	return tx.execRows(insertAccountsQuery, 3, args)
}

func insertAccountsQuery(n int) string {
	return cachedQuery(62, n, func(n int) string {
		return `INSERT INTO accounts (id, name, type) VALUES ` + placeholders(n, 3)
	})
}

// findAccountsQuery finds the stored accounts among n names.
func findAccountsQuery(n int) string {
	return cachedQuery(63, n, func(n int) string {
		return `SELECT id, name, type FROM accounts WHERE name IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `)`
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

// cacheAccounts adds a committed transaction's new accounts to the cache.
// An empty cache takes m itself (the caller lets go of it): a first import
// of 50,000 sellers copied 200,000 names into a second map at its very end
// (docs/design/speed.md, section 2, session 18).
func (db *DB) cacheAccounts(m map[string]int64) {
	if len(m) == 0 {
		return
	}
	db.accounts.mu.Lock()
	defer db.accounts.mu.Unlock()
	if len(db.accounts.ids) == 0 {
		db.accounts.ids = m
		return
	}
	for k, v := range m {
		db.accounts.ids[k] = v
	}
}
