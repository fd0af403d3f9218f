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
	sums     map[balanceKey]*intSum
	accounts map[int64]ledger.Account
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
	if !q.KnownAt.IsZero() && formatTime(q.KnownAt) < recorded {
		return nil, false, nil // a past view: not a prefix the cache holds
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.headID > head {
		return nil, false, nil // this snapshot is older than the cache
	}
	if err := c.advance(ctx, rtx, head); err != nil {
		return nil, false, err
	}
	asOf := ""
	if !q.AsOf.IsZero() {
		asOf = q.AsOf.String()
	}
	type acctCur struct {
		accountID int64
		currency  string
	}
	totals := map[acctCur]*intSum{}
	for k, s := range c.sums {
		if asOf != "" && k.date > asOf {
			continue
		}
		ac := acctCur{k.accountID, k.currency}
		t := totals[ac]
		if t == nil {
			t = &intSum{}
			totals[ac] = t
		}
		t.add(splitAmount{units: s.units, hi: s.hi, lo: s.lo})
	}
	bs = make([]ledger.Balance, 0, len(totals))
	for ac, t := range totals {
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
	rows, err := rtx.QueryContext(ctx, `SELECT p.account_id, p.currency, e.date, sum(p.units), sum(p.frac_hi), sum(p.frac_lo)
		FROM postings p JOIN entries e ON e.id = p.entry_id
		WHERE p.entry_id > ? AND p.entry_id <= ?
		GROUP BY p.account_id, p.currency, e.date`, c.headID, head)
	if err != nil {
		return err
	}
	defer rows.Close()
	sums := c.sums
	if sums == nil {
		sums = map[balanceKey]*intSum{}
	}
	// Work on copies so that a failure half-way leaves the cache as it was.
	added := map[balanceKey]intSum{}
	needAccounts := false
	for rows.Next() {
		var k balanceKey
		var u, h, l int64
		if err := rows.Scan(&k.accountID, &k.currency, &k.date, &u, &h, &l); err != nil {
			return err
		}
		s := added[k]
		s.add(splitAmount{units: u, hi: h, lo: l})
		added[k] = s
		if _, ok := c.accounts[k.accountID]; !ok {
			needAccounts = true
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if needAccounts {
		accounts, err := loadAccounts(ctx, rtx)
		if err != nil {
			return err
		}
		c.accounts = accounts
	}
	for k, s := range added {
		t := sums[k]
		if t == nil {
			t = &intSum{}
			sums[k] = t
		}
		t.add(splitAmount{units: s.units, hi: s.hi, lo: s.lo})
	}
	c.sums, c.headID = sums, head
	return nil
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
