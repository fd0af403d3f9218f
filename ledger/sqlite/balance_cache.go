package sqlite

import (
	"context"
	"database/sql"
	"sort"
	"sync"

	"github.com/revshare/revshare/ledger"
)

// balanceCache holds, for the journal up to entry headID, the sum of the
// postings per account, currency and effective date. Entries are
// append-only, so the cache is a prefix of every later snapshot and is
// brought forward by reading only the entries after headID.
//
// The cache trusts the append-only guards: rows changed with raw SQL after
// dropping the triggers are not re-read (Verify reports such changes).
type balanceCache struct {
	mu       sync.Mutex
	headID   int64
	sums     map[balanceKey]*daySum
	accounts map[int64]ledger.Account
}

// daySum is the sum of n postings.
type daySum struct {
	intSum
	n int64
}

type balanceKey struct {
	accountID int64
	currency  string
	date      string // YYYY-MM-DD
}

// query answers q from the cache when q sees the whole journal of the
// snapshot rtx reads; ok is false when it cannot (the caller sums in SQL).
func (c *balanceCache) query(ctx context.Context, rtx *sql.Tx, q ledger.BalanceQuery) (bs []ledger.Balance, ok bool, err error) {
	var head int64
	var recorded string
	switch err := rtx.QueryRowContext(ctx, `SELECT id, recorded_at FROM entries ORDER BY id DESC LIMIT 1`).Scan(&head, &recorded); {
	case err == sql.ErrNoRows:
		return []ledger.Balance{}, true, nil
	case err != nil:
		return nil, false, err
	}
	// A past view is the prefix of entries up to cut: the cache minus the
	// entries after cut, when those are fewer than the ones before it.
	cut := head
	if !q.KnownAt.IsZero() && formatTime(q.KnownAt) < recorded {
		var m sql.NullInt64
		if err := rtx.QueryRowContext(ctx, `SELECT max(id) FROM entries WHERE recorded_at <= ?`, formatTime(q.KnownAt)).Scan(&m); err != nil {
			return nil, false, err
		}
		cut = m.Int64
		if head-cut > cut {
			return nil, false, nil // summing the prefix in SQL reads less
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.headID > head {
		return nil, false, nil // this snapshot is older than the cache
	}
	if err := c.advance(ctx, rtx, head); err != nil {
		return nil, false, err
	}
	var later map[balanceKey]*daySum
	if cut < head {
		if later, err = c.read(ctx, rtx, cut, head); err != nil {
			return nil, false, err
		}
	}
	asOf := ""
	if !q.AsOf.IsZero() {
		asOf = q.AsOf.String()
	}
	type acctCur struct {
		accountID int64
		currency  string
	}
	totals := map[acctCur]*daySum{}
	for k, s := range c.sums {
		if asOf != "" && k.date > asOf {
			continue
		}
		ac := acctCur{k.accountID, k.currency}
		t := totals[ac]
		if t == nil {
			t = &daySum{}
			totals[ac] = t
		}
		t.add(splitAmount{units: s.units, hi: s.hi, lo: s.lo})
		t.n += s.n
		if l := later[k]; l != nil { // entries the view does not know yet
			t.add(splitAmount{units: -l.units, hi: -l.hi, lo: -l.lo})
			t.n -= l.n
		}
	}
	bs = make([]ledger.Balance, 0, len(totals))
	for ac, t := range totals {
		if t.n == 0 {
			continue // no posting in the view
		}
		a := c.accounts[ac.accountID]
		bs = append(bs, ledger.Balance{Account: a.Name, Type: a.Type, Currency: ac.currency, Amount: t.value()})
	}
	sort.Slice(bs, func(i, j int) bool {
		if bs[i].Account != bs[j].Account {
			return bs[i].Account < bs[j].Account
		}
		return bs[i].Currency < bs[j].Currency
	})
	return bs, true, nil
}

// advance adds the postings of entries (c.headID, head] to the cache.
func (c *balanceCache) advance(ctx context.Context, rtx *sql.Tx, head int64) error {
	if c.headID == head {
		return nil
	}
	added, err := c.read(ctx, rtx, c.headID, head)
	if err != nil {
		return err
	}
	if c.sums == nil {
		c.sums = map[balanceKey]*daySum{}
	}
	for k, s := range added {
		t := c.sums[k]
		if t == nil {
			t = &daySum{}
			c.sums[k] = t
		}
		t.add(splitAmount{units: s.units, hi: s.hi, lo: s.lo})
		t.n += s.n
	}
	c.headID = head
	return nil
}

// read sums the postings of entries (from, to] per account, currency and
// date, and loads the names of accounts the cache has not seen.
func (c *balanceCache) read(ctx context.Context, rtx *sql.Tx, from, to int64) (map[balanceKey]*daySum, error) {
	rows, err := rtx.QueryContext(ctx, `SELECT p.account_id, p.currency, e.date, count(*), sum(p.units), sum(p.frac_hi), sum(p.frac_lo)
		FROM postings p JOIN entries e ON e.id = p.entry_id
		WHERE p.entry_id > ? AND p.entry_id <= ?
		GROUP BY p.account_id, p.currency, e.date`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[balanceKey]*daySum{}
	needAccounts := false
	for rows.Next() {
		var k balanceKey
		var s daySum
		var u, h, l int64
		if err := rows.Scan(&k.accountID, &k.currency, &k.date, &s.n, &u, &h, &l); err != nil {
			return nil, err
		}
		s.add(splitAmount{units: u, hi: h, lo: l})
		out[k] = &s
		if _, ok := c.accounts[k.accountID]; !ok {
			needAccounts = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if needAccounts {
		accounts, err := loadAccounts(ctx, rtx)
		if err != nil {
			return nil, err
		}
		c.accounts = accounts
	}
	return out, nil
}

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
