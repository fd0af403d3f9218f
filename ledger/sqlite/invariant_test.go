package sqlite_test

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

var (
	seedFlag = flag.Int64("seed", 0, "seed of TestRandomInvariants (0: from the clock)")
	opsFlag  = flag.Int("ops", 1000, "operations in TestRandomInvariants")
)

// model is what the books must say: the sum per account and currency of
// every accepted entry, and the entries by key.
type model struct {
	balances map[string]decimal.Decimal // "account currency"
	posted   []ledger.Entry
	closed   ledger.Date
	lastDate ledger.Date
}

var (
	randAccounts = []string{
		"assets:receivable:openai:direct", "assets:receivable:openai:azure", "assets:cash:openai",
		"income:revenue:openai:direct", "income:revenue:openai:azure",
		"expenses:revshare:openai:microsoft:c1", "liabilities:revshare:openai:microsoft:c1", "equity:opening",
	}
	randCurrencies = []string{"USD", "EUR", "JPY", "BHD"}
)

func randAmount(rng *rand.Rand) decimal.Decimal {
	scale := int32(rng.Intn(19))
	if rng.Intn(2) == 0 {
		scale = int32(rng.Intn(3))
	}
	return decimal.New(rng.Int63n(2_000_000_000_000)-1_000_000_000_000, -scale)
}

// randEntry returns a balanced entry dated after the closed date.
func (m *model) randEntry(rng *rand.Rand, n int) ledger.Entry {
	return m.randEntryID(rng, fmt.Sprintf("e%d", n))
}

func randAccount(rng *rand.Rand) string {
	if rng.Intn(8) == 0 { // now and then an account never seen before
		return fmt.Sprintf("%s:fresh:a%d", []string{"assets", "income", "expenses"}[rng.Intn(3)], rng.Intn(100000))
	}
	return randAccounts[rng.Intn(len(randAccounts))]
}

func (m *model) randEntryID(rng *rand.Rand, id string) ledger.Entry {
	e := ledger.Entry{
		Key:         ledger.Key{Source: []string{"import", "run"}[rng.Intn(2)], ExternalID: id},
		Date:        m.openDate(rng),
		Description: "random " + id,
	}
	if rng.Intn(3) == 0 {
		e.Meta = map[string]string{"batch": fmt.Sprint(rng.Intn(5)), "contract": "c1"}
	}
	curs := randCurrencies[:1+rng.Intn(2)]
	if rng.Intn(2) == 0 {
		curs = []string{randCurrencies[rng.Intn(len(randCurrencies))]}
	}
	for _, c := range curs {
		sum := decimal.Zero
		for i := 0; i < 1+rng.Intn(3); i++ {
			a := randAmount(rng)
			sum = sum.Add(a)
			e.Postings = append(e.Postings, ledger.Posting{Account: randAccount(rng), Amount: a, Currency: c})
		}
		e.Postings = append(e.Postings, ledger.Posting{Account: randAccount(rng), Amount: sum.Neg(), Currency: c})
	}
	return e
}

func (m *model) openDate(rng *rand.Rand) ledger.Date {
	base := storetest.D("2026-01-01")
	if !m.closed.IsZero() {
		base = m.closed.AddDays(1)
	}
	return base.AddDays(rng.Intn(40))
}

func (m *model) apply(es []ledger.Entry, res []ledger.PostResult) {
	for i, e := range es {
		if res[i].Duplicate {
			continue
		}
		m.posted = append(m.posted, e)
		for _, p := range e.Postings {
			k := p.Account + " " + p.Currency
			m.balances[k] = m.balances[k].Add(p.Amount)
		}
		if e.Date.After(m.lastDate) {
			m.lastDate = e.Date
		}
	}
}

// invalid makes a write that must be refused, and says why.
func (m *model) invalid(rng *rand.Rand, n int) (ledger.Entry, string) {
	e := m.randEntryID(rng, fmt.Sprintf("bad%d", n))
	for {
		switch rng.Intn(6) {
		case 0:
			e.Postings[0].Amount = e.Postings[0].Amount.Add(decimal.New(1, -int32(rng.Intn(19))))
			return e, "unbalanced"
		case 1:
			e.Postings[rng.Intn(len(e.Postings))].Account = []string{"assets", "Assets:x", "revenue:x", "assets::x", "assets:x y"}[rng.Intn(5)]
			return e, "bad account"
		case 2:
			cur := []string{"usd", "XXX", "", "DOLLAR"}[rng.Intn(4)]
			for i := range e.Postings {
				e.Postings[i].Currency = cur
			}
			return e, "bad currency"
		case 3:
			if len(m.posted) == 0 {
				continue
			}
			old := m.posted[rng.Intn(len(m.posted))]
			e.Key = old.Key
			return e, "conflicting duplicate"
		case 4:
			if m.closed.IsZero() {
				continue
			}
			e.Date = m.closed.AddDays(-rng.Intn(30))
			return e, "closed period"
		case 5:
			e.Postings[0].Amount = decimal.New(1, -19)
			e.Postings[1].Amount = decimal.New(-1, -19)
			return e, "19 fractional digits"
		}
	}
}

func TestRandomInvariants(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	rng := rand.New(rand.NewSource(seed))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with: go test ./ledger/sqlite -run TestRandomInvariants -seed %d", seed)
		}
	})
	ctx := context.Background()
	clock := storetest.NewClock(storetest.T0)
	db := tempdb.Open(t, clock)
	m := &model{balances: map[string]decimal.Decimal{}}
	var accepted, rejected, duplicates, closes int
	for op := 0; op < *opsFlag; op++ {
		clock.Advance(time.Duration(rng.Intn(5000)) * time.Millisecond)
		switch r := rng.Intn(22); {
		case r < 11: // a valid batch, sometimes with identical retries mixed in
			var batch []ledger.Entry
			for i := 0; i < 1+rng.Intn(6); i++ {
				if len(m.posted) > 0 && rng.Intn(6) == 0 {
					batch = append(batch, m.posted[rng.Intn(len(m.posted))])
					duplicates++
					continue
				}
				batch = append(batch, m.randEntry(rng, op*10+i))
			}
			res, err := db.Post(ctx, batch)
			if err != nil {
				t.Fatalf("op %d: valid batch refused: %v", op, err)
			}
			m.apply(batch, res)
			accepted++
		case r < 17: // an invalid entry, alone or inside an otherwise valid batch
			bad, why := m.invalid(rng, op*10)
			batch := []ledger.Entry{bad}
			if rng.Intn(2) == 0 {
				batch = []ledger.Entry{m.randEntry(rng, op*10+1), bad, m.randEntry(rng, op*10+2)}
			}
			before := sqlite.DBDigest(t, db.Reader())
			if _, err := db.Post(ctx, batch); err == nil {
				t.Fatalf("op %d: %s entry accepted: %+v", op, why, bad)
			} else if c := ledger.ErrorCode(err); c != ledger.EINVALID && c != ledger.ECONFLICT {
				t.Fatalf("op %d: %s entry: error %q has code %s", op, why, err, c)
			}
			if after := sqlite.DBDigest(t, db.Reader()); after != before {
				t.Fatalf("op %d: rejected %s write changed the database", op, why)
			}
			rejected++
		case r < 18: // an identical retry writes nothing
			if len(m.posted) == 0 {
				continue
			}
			before := sqlite.DBDigest(t, db.Reader())
			res, err := db.Post(ctx, []ledger.Entry{m.posted[rng.Intn(len(m.posted))]})
			if err != nil || !res[0].Duplicate {
				t.Fatalf("op %d: retry = %+v, %v; want duplicate", op, res, err)
			}
			if sqlite.DBDigest(t, db.Reader()) != before {
				t.Fatalf("op %d: an identical retry changed the database", op)
			}
		case r < 20: // one transaction of several calls, some failing (and caught)
			var okBatches [][]ledger.Entry
			var okResults [][]ledger.PostResult
			err := db.WithTx(ctx, func(tx *sqlite.Tx) error {
				for k := 0; k < 1+rng.Intn(4); k++ {
					var batch []ledger.Entry
					for i := 0; i < 1+rng.Intn(3); i++ {
						batch = append(batch, m.randEntryID(rng, fmt.Sprintf("t%d-%d-%d", op, k, i)))
					}
					if rng.Intn(2) == 0 {
						bad, why := m.invalid(rng, op*10+k)
						batch = append(batch, bad)
						if _, err := tx.PostEntries(batch); err == nil {
							return fmt.Errorf("%s entry accepted inside a transaction", why)
						}
						continue
					}
					res, err := tx.PostEntries(batch)
					if err != nil {
						return err
					}
					okBatches, okResults = append(okBatches, batch), append(okResults, res)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("op %d: transaction: %v", op, err)
			}
			for i := range okBatches {
				m.apply(okBatches[i], okResults[i])
			}
		default: // close forward, or try to close backwards
			if !m.closed.IsZero() && rng.Intn(3) == 0 {
				before := sqlite.DBDigest(t, db.Reader())
				err := db.ClosePeriods(ctx, m.closed.AddDays(-1-rng.Intn(10)))
				if ledger.ErrorCode(err) != ledger.EINVALID {
					t.Fatalf("op %d: closing backwards: %v", op, err)
				}
				if sqlite.DBDigest(t, db.Reader()) != before {
					t.Fatalf("op %d: a refused close changed the database", op)
				}
				continue
			}
			through := m.openDate(rng)
			if err := db.ClosePeriods(ctx, through); err != nil {
				t.Fatalf("op %d: close through %s: %v", op, through, err)
			}
			m.closed = through
			closes++
		}
		checkBooks(t, db, m, op)
		if op%250 == 0 {
			if _, err := db.VerifyReport(ctx); err != nil {
				t.Fatalf("op %d: Verify: %v", op, err)
			}
		}
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	t.Logf("seed %d: %d accepted batches (%d entries, %d retried), %d rejected writes, %d closes",
		seed, accepted, len(m.posted), duplicates, rejected, closes)
}

// checkBooks compares the trial balance with the model, exactly, and checks
// that every currency sums to zero.
func checkBooks(t *testing.T, db *sqlite.DB, m *model, op int) {
	t.Helper()
	bs, err := db.TrialBalance(context.Background(), ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	totals := map[string]decimal.Decimal{}
	seen := 0
	for _, b := range bs {
		want := m.balances[b.Account+" "+b.Currency]
		if !b.Amount.Equal(want) {
			t.Fatalf("op %d: %s %s = %s, model says %s", op, b.Account, b.Currency, b.Amount, want)
		}
		totals[b.Currency] = totals[b.Currency].Add(b.Amount)
		seen++
	}
	if seen != len(m.balances) {
		t.Fatalf("op %d: trial balance has %d lines, model %d", op, seen, len(m.balances))
	}
	for c, s := range totals {
		if !s.IsZero() {
			t.Fatalf("op %d: %s total %s, want 0", op, c, s)
		}
	}
}
