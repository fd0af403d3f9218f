package contracts

import (
	"sort"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// fxTable finds the latest rate into one currency on or before a date.
type fxTable struct {
	to    string
	pairs map[string][]fxPoint // by From, sorted by date
	last  struct {             // the last lookup, since events often come in runs
		from string
		key  int
		rate decimal.Decimal
		ok   bool
	}
}

type fxPoint struct {
	key  int
	rate decimal.Decimal
}

// newFXTable keeps the rates whose To is the contract currency. For the
// same pair and date, the rate given last wins.
func newFXTable(to string, rates []ledger.FXRate) fxTable {
	t := fxTable{to: to, pairs: map[string][]fxPoint{}}
	for _, r := range rates {
		if r.To == to && r.From != to {
			t.pairs[r.From] = append(t.pairs[r.From], fxPoint{dateKey(r.Date), r.Rate})
		}
	}
	for from, pts := range t.pairs {
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].key < pts[j].key })
		// Keep the last of equal dates.
		out := pts[:0]
		for i, p := range pts {
			if i+1 < len(pts) && pts[i+1].key == p.key {
				continue
			}
			out = append(out, p)
		}
		t.pairs[from] = out
	}
	return t
}

// rate returns the latest rate from `from` into the table's currency dated
// on or before d.
func (t *fxTable) rate(from string, d ledger.Date) (decimal.Decimal, bool) {
	k := dateKey(d)
	if t.last.from == from && t.last.key == k {
		return t.last.rate, t.last.ok
	}
	pts := t.pairs[from]
	i := sort.Search(len(pts), func(i int) bool { return pts[i].key > k })
	var rate decimal.Decimal
	ok := i > 0
	if ok {
		rate = pts[i-1].rate
	}
	t.last.from, t.last.key, t.last.rate, t.last.ok = from, k, rate, ok
	return rate, ok
}
