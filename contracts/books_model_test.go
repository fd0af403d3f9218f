package contracts_test

import (
	"sort"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// booksModel is spec section 5 written as a ledger of dated bookings, which
// TestBooksDifferential's statements are compared with. A run brings every
// (rule, period label, payee) to the reference's value: the difference is
// booked dated the period's last day while the period is open, else as a
// prior-period adjustment dated the first open day (a label the contract
// no longer computes, after a change of frequency or a rule removed, goes
// back to zero the same way). Recoupments of open periods are recomputed
// over every booking dated in them; closed ones stay. A statement shows the
// reference's lines of its period, the adjustments dated in it (one item
// per rule and corrected period), and per pair what is booked, paid and
// recouped in it, the opening balance being all of that dated before it.
type booksModel struct {
	contract *contracts.Contract // the version of the last run that booked
	eval     *refResult          // the reference that run booked
	closed   ledger.Date         // closed through (zero: nothing closed)
	entries  []bkEntry
	booked   map[bkKey]decimal.Decimal
	payers   map[string]string         // rule → payer, of every version
	stood    map[rlKey]decimal.Decimal // the base a closed rule and period last stood at
	lastBase map[rlKey]decimal.Decimal // the base when last booked
	finals   map[ledger.Period]bool    // periods with a final statement
	recoups  map[rlKey]decimal.Decimal // (advance, period) → recouped, dated the period's last day
	advances map[string][2]string      // advance → payer and payee, of every version
	pays     []contracts.Payment
}

type bkKey struct {
	rule, payee string
	label       ledger.Period
}

// rlKey is a rule (or an advance) and a period label.
type rlKey struct {
	id    string
	label ledger.Period
}

type bkEntry struct {
	bkKey
	payer  string
	amount decimal.Decimal
	date   ledger.Date
	adj    bool            // a prior-period adjustment (its label was closed)
	base   decimal.Decimal // an adjustment's base delta, on the first entry of its rule and label in a run
}

func newBooksModel() *booksModel {
	return &booksModel{booked: map[bkKey]decimal.Decimal{}, payers: map[string]string{}, stood: map[rlKey]decimal.Decimal{},
		lastBase: map[rlKey]decimal.Decimal{}, finals: map[ledger.Period]bool{}, recoups: map[rlKey]decimal.Decimal{},
		advances: map[string][2]string{}}
}

func (m *booksModel) isOpen(p ledger.Period) bool {
	return m.closed.IsZero() || p.Last().After(m.closed)
}

// run books what a run of contract c, whose reference is e, books.
func (m *booksModel) run(c *contracts.Contract, e *refResult) {
	m.contract, m.eval = c, e
	for _, rl := range c.Rules {
		m.payers[rl.ID] = rl.Payer
	}
	target := map[bkKey]decimal.Decimal{}
	for k, p := range e.Periods {
		for rule, parts := range e.Parts[k] {
			for payee, v := range parts {
				target[bkKey{rule, payee, p}] = v
			}
		}
	}
	base := map[rlKey]decimal.Decimal{}
	for _, l := range e.Lines {
		base[rlKey{l.Rule, l.Period}] = l.Base
	}
	var keys []bkKey
	for k := range target {
		keys = append(keys, k)
	}
	for k := range m.booked {
		if _, ok := target[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.label != b.label {
			return a.label.Start().Before(b.label.Start()) || a.label.Start() == b.label.Start() && a.label.Freq < b.label.Freq
		}
		if a.rule != b.rule {
			return a.rule < b.rule
		}
		return a.payee < b.payee
	})
	first := map[rlKey]bool{}
	for _, k := range keys {
		d := target[k].Sub(m.booked[k])
		if d.IsZero() {
			continue
		}
		rk := rlKey{k.rule, k.label}
		en := bkEntry{bkKey: k, payer: m.payers[k.rule], amount: d, date: k.label.Last()}
		if !m.isOpen(k.label) {
			en.adj, en.date = true, m.closed.AddDays(1)
			if !first[rk] {
				first[rk] = true
				st, ok := m.stood[rk]
				if !ok {
					st = m.lastBase[rk]
				}
				en.base = base[rk].Sub(st)
				m.stood[rk] = base[rk]
			}
		}
		m.lastBase[rk] = base[rk]
		m.booked[k] = m.booked[k].Add(d)
		m.entries = append(m.entries, en)
	}
	if len(m.advances) == 0 && len(c.Advances) == 0 {
		return
	}
	m.removedAdvances(c, e)
	for _, a := range c.Advances {
		m.advances[a.ID] = [2]string{a.Payer, a.Payee}
	}
	for _, p := range e.Periods {
		// Recouped to date: every recoupment dated before p, those of
		// periods before the version's first one included (an amendment
		// can move it later; what closed periods recouped stays).
		toDate := map[string]decimal.Decimal{}
		for k, v := range m.recoups {
			if k.label.Last().Before(p.Start()) {
				toDate[k.id] = toDate[k.id].Add(v)
			}
		}
		if m.isOpen(p) {
			pools := map[string]map[string]decimal.Decimal{}
			for _, en := range m.entries {
				if p.Contains(en.date) {
					if pools[en.rule] == nil {
						pools[en.rule] = map[string]decimal.Decimal{}
					}
					pools[en.rule][en.payee] = pools[en.rule][en.payee].Add(en.amount)
				}
			}
			got := refRecoupPeriod(c, p, pools, toDate)
			for _, a := range c.Advances {
				m.recoups[rlKey{a.ID, p}] = got[a.ID]
			}
		}
	}
}

// removedAdvances books what a run of c does to the advances an amendment
// removed (docs/contracts.md): one is lowered to zero, so the first open
// period gives back what closed periods recouped of it, and every other
// open period recoups nothing of it.
func (m *booksModel) removedAdvances(c *contracts.Contract, e *refResult) {
	if len(e.Periods) == 0 {
		return
	}
	through := e.Periods[len(e.Periods)-1]
	var giveBack ledger.Period
	if !m.closed.IsZero() {
		giveBack = c.PeriodOf(m.closed.AddDays(1))
	}
	for id := range m.advances {
		if c.Advance(id) != nil {
			continue
		}
		closed := decimal.Zero
		for k, v := range m.recoups {
			if k.id != id {
				continue
			}
			if m.isOpen(k.label) {
				m.recoups[k] = decimal.Zero
			} else {
				closed = closed.Add(v)
			}
		}
		if !closed.IsZero() && !through.Before(giveBack) {
			m.recoups[rlKey{id, giveBack}] = closed.Neg()
		}
	}
}

// close closes every day through d and returns the periods whose final
// statements the close stores: every period of the version that ends on or
// before d and has none yet. Their bases are what later adjustments' base
// deltas are measured against.
func (m *booksModel) close(d ledger.Date) []ledger.Period {
	m.closed = d
	var out []ledger.Period
	for _, p := range m.eval.Periods {
		if p.Last().After(d) || m.finals[p] {
			continue
		}
		m.finals[p] = true
		out = append(out, p)
		for _, l := range m.eval.Lines {
			if l.Period == p {
				m.stood[rlKey{l.Rule, p}] = l.Base
			}
		}
	}
	return out
}

// expected is the statement of period p now.
func (m *booksModel) expected(p ledger.Period) wantStatement {
	c := m.contract
	w := wantStatement{adjust: map[string][]wantAdj{}}
	for _, l := range m.eval.Lines {
		if l.Period == p {
			w.lines = append(w.lines, l)
		}
	}
	// Adjustments dated in p: one item per rule and corrected period.
	items := map[rlKey]*wantAdj{}
	var order []rlKey
	for _, en := range m.entries {
		if !en.adj || !p.Contains(en.date) {
			continue
		}
		rk := rlKey{en.rule, en.label}
		it := items[rk]
		if it == nil {
			it = &wantAdj{period: en.label.Label()}
			items[rk] = it
			order = append(order, rk)
		}
		it.base = it.base.Add(en.base)
		it.obligation = it.obligation.Add(en.amount)
	}
	for _, rk := range order {
		w.adjust[rk.id] = append(w.adjust[rk.id], *items[rk])
	}
	// A rule outside its window (or no longer in the contract) with
	// adjustments dated in p still appears, with zeros and no caps: after
	// the rules whose window overlaps p, in the order of their bookings
	// (the first booking of each, a period corrected by an earlier run
	// first). The books' choice; the spec does not order the lines.
	var extra []refLine
	for _, rk := range order {
		found := false
		for _, l := range w.lines {
			found = found || l.Rule == rk.id
		}
		for _, l := range extra {
			found = found || l.Rule == rk.id
		}
		if !found {
			extra = append(extra, refLine{Rule: rk.id, Period: p})
		}
	}
	w.lines = append(w.lines, extra...)
	// Advances dated on or before the period's last day.
	for _, a := range refOrdered(c) {
		if a.Date.After(p.Last()) {
			continue
		}
		before, in := decimal.Zero, decimal.Zero
		for k, v := range m.recoups {
			switch {
			case k.id != a.ID:
			case k.label.Last().Before(p.Start()):
				before = before.Add(v)
			case p.Contains(k.label.Last()):
				in = in.Add(v)
			}
		}
		w.advances = append(w.advances, refRecoup{Advance: a.ID, Period: p, Before: before, Recouped: in, After: a.Amount.Sub(before).Sub(in)})
	}
	// Pairs: parties with rules between them, in the order of parties.
	pos := map[string]int{}
	for i, x := range c.Parties {
		pos[x] = i
	}
	type key struct{ a, b string } // a before b in parties
	var keys []key
	seen := map[key]bool{}
	for _, rl := range c.Rules {
		for _, payee := range rl.PayeeParties() {
			k := key{rl.Payer, payee}
			if pos[k.b] < pos[k.a] {
				k = key{k.b, k.a}
			}
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if pos[keys[i].a] != pos[keys[j].a] {
			return pos[keys[i].a] < pos[keys[j].a]
		}
		return pos[keys[i].b] < pos[keys[j].b]
	})
	// What x owes y, booked, recouped and paid, before p and in p.
	before, in := map[[2]string]decimal.Decimal{}, map[[2]string]decimal.Decimal{}
	rec, paid := map[[2]string]decimal.Decimal{}, map[[2]string]decimal.Decimal{}
	add := func(f [2]string, d ledger.Date, v decimal.Decimal, during map[[2]string]decimal.Decimal) {
		switch {
		case d.Before(p.Start()):
			before[f] = before[f].Add(v)
		case p.Contains(d):
			during[f] = during[f].Add(v)
		}
	}
	for _, en := range m.entries {
		add([2]string{en.payer, en.payee}, en.date, en.amount, in)
	}
	for k, v := range m.recoups {
		add(m.advances[k.id], k.label.Last(), v.Neg(), rec)
	}
	for _, pay := range m.pays {
		add([2]string{pay.Payer, pay.Payee}, pay.Date, pay.Amount.Neg(), paid)
	}
	for _, pk := range keys {
		ab, ba := [2]string{pk.a, pk.b}, [2]string{pk.b, pk.a}
		opening := before[ab].Sub(before[ba])
		recAB := rec[ba].Sub(rec[ab])   // stored negated: what a recouped from b, positive
		payAB := paid[ba].Sub(paid[ab]) // likewise for payments a→b
		wp := wantPair{payer: pk.a, payee: pk.b, obligations: in[ab], reverse: in[ba], opening: opening, payments: payAB, recouped: recAB}
		if in[ba].GreaterThan(in[ab]) {
			wp = wantPair{payer: pk.b, payee: pk.a, obligations: in[ba], reverse: in[ab], opening: opening.Neg(), payments: payAB.Neg(), recouped: recAB.Neg()}
		}
		wp.net = wp.obligations.Sub(wp.reverse)
		wp.closing = wp.opening.Add(wp.net).Sub(wp.payments).Sub(wp.recouped)
		wp.hasRecouped = len(c.Advances) > 0
		w.pairs = append(w.pairs, wp)
	}
	return w
}

// booksCov counts what the cases reached (printed with -v).
type booksCov map[string]int

func (cov booksCov) count(w wantStatement) {
	for _, items := range w.adjust {
		cov["adjustment items"] += len(items)
		for _, it := range items {
			if it.obligation.IsZero() {
				cov["items with obligation_delta 0"]++
			}
		}
	}
	for _, l := range w.lines {
		if l.Events == 0 && len(l.Caps) == 0 && len(w.adjust[l.Rule]) > 0 && l.Gross.IsZero() {
			cov["adjustment-only lines"]++
		}
	}
	for _, a := range w.advances {
		if !a.Recouped.IsZero() {
			cov["recoupments"]++
		}
	}
}
