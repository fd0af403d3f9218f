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
	stood    map[rlKey]decimal.Decimal // the base a closed rule and period last stood at
	lastBase map[rlKey]decimal.Decimal // the base when last booked
	finals   map[ledger.Period]bool    // periods with a final statement
	recoups  map[rlKey]decimal.Decimal // (advance, period) → recouped, dated the period's last day
	advances map[string][2]string      // advance → payer and payee, of every version
	pays     []contracts.Payment
}

// bkKey is what a run brings to a value: a rule's part for one payer and
// payee (an amendment may change them) in one period label.
type bkKey struct {
	rule, payer, payee string
	label              ledger.Period
}

// rlKey is a rule (or an advance) and a period label.
type rlKey struct {
	id    string
	label ledger.Period
}

type bkEntry struct {
	bkKey
	amount decimal.Decimal
	date   ledger.Date
	adj    bool            // a prior-period adjustment (its label was closed)
	base   decimal.Decimal // an adjustment's base delta, on the first entry of its rule and label in a run
}

func newBooksModel() *booksModel {
	return &booksModel{booked: map[bkKey]decimal.Decimal{}, stood: map[rlKey]decimal.Decimal{},
		lastBase: map[rlKey]decimal.Decimal{}, finals: map[ledger.Period]bool{}, recoups: map[rlKey]decimal.Decimal{},
		advances: map[string][2]string{}}
}

func (m *booksModel) isOpen(p ledger.Period) bool {
	return m.closed.IsZero() || p.Last().After(m.closed)
}

// run books what a run of contract c, whose reference is e, books.
func (m *booksModel) run(c *contracts.Contract, e *refResult) {
	m.contract, m.eval = c, e
	target := map[bkKey]decimal.Decimal{}
	for k, p := range e.Periods {
		for rule, parts := range e.Parts[k] {
			for payee, v := range parts {
				target[bkKey{rule, c.Rule(rule).Payer, payee, p}] = v
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
	// In the order a run books (which orders rules outside their window on
	// a statement, reading 10): by date, then label as written, then rule.
	date := func(p ledger.Period) ledger.Date {
		if m.isOpen(p) {
			return p.Last()
		}
		return m.closed.AddDays(1)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if da, db := date(a.label), date(b.label); da != db {
			return da.Before(db)
		}
		if a.label != b.label {
			return a.label.Label() < b.label.Label()
		}
		if a.rule != b.rule {
			return a.rule < b.rule
		}
		if a.payer != b.payer {
			return a.payer < b.payer
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
		en := bkEntry{bkKey: k, amount: d, date: date(k.label)}
		if !m.isOpen(k.label) {
			en.adj = true
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
	m.recoup(c, e.Periods[len(e.Periods)-1])
}

// recoup brings the recoupments of every open period of c's frequency,
// from the first that holds an advance's date or a recoupment, through
// `through`, to steps 7 and 8 over what is dated in it (readings 12 and
// 13, docs/design/spec-audit.md): a recoupment is dated its label's last
// day, and one under a label of another frequency (the contract's before an
// amendment changed it) goes back to zero when that day is open; when it is
// closed it stays and counts in the period of c that holds its day.
func (m *booksModel) recoup(c *contracts.Contract, through ledger.Period) {
	var first ledger.Period
	found := false
	consider := func(p ledger.Period) {
		if !found || p.Before(first) {
			first, found = p, true
		}
	}
	for _, a := range c.Advances {
		consider(c.PeriodOf(a.Date))
	}
	for k := range m.recoups {
		consider(c.PeriodOf(k.label.Last()))
		if k.label.Freq != c.Period && m.isOpen(k.label) {
			m.recoups[k] = decimal.Zero
		}
	}
	if !found {
		return
	}
	for p := first; !through.Before(p); p = p.Next() {
		if !m.isOpen(p) {
			continue
		}
		toDate, fixed := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
		for k, v := range m.recoups {
			switch d := k.label.Last(); {
			case d.Before(p.Start()):
				toDate[k.id] = toDate[k.id].Add(v)
			case p.Contains(d) && k.label != p:
				fixed[k.id] = fixed[k.id].Add(v)
			}
		}
		// What each rule books its payer's payees in p (not what it
		// booked other payers: an amendment that changed its payer).
		pools := map[string]map[string]decimal.Decimal{}
		for _, en := range m.entries {
			if rl := c.Rule(en.rule); rl != nil && rl.Payer == en.payer && p.Contains(en.date) {
				if pools[en.rule] == nil {
					pools[en.rule] = map[string]decimal.Decimal{}
				}
				pools[en.rule][en.payee] = pools[en.rule][en.payee].Add(en.amount)
			}
		}
		got := refRecoupPeriod(c, p, pools, toDate)
		for _, a := range c.Advances {
			k := rlKey{a.ID, p}
			if x, ok := got[a.ID]; ok {
				m.recoups[k] = x.Sub(fixed[a.ID])
			} else if _, ok := m.recoups[k]; ok {
				m.recoups[k] = decimal.Zero // its date moved after p
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
	// What x owes y, booked, recouped and paid, before p and in p.
	before, in := map[[2]string]decimal.Decimal{}, map[[2]string]decimal.Decimal{}
	rec, paid := map[[2]string]decimal.Decimal{}, map[[2]string]decimal.Decimal{}
	bookedIn := map[[2]string]bool{}
	add := func(f [2]string, d ledger.Date, v decimal.Decimal, during map[[2]string]decimal.Decimal) {
		switch {
		case d.Before(p.Start()):
			before[f] = before[f].Add(v)
		case p.Contains(d):
			during[f] = during[f].Add(v)
		}
	}
	for _, en := range m.entries {
		f := [2]string{en.payer, en.payee}
		add(f, en.date, en.amount, in)
		bookedIn[f] = bookedIn[f] || p.Contains(en.date)
	}
	for k, v := range m.recoups {
		add(m.advances[k.id], k.label.Last(), v.Neg(), rec)
	}
	for _, pay := range m.pays {
		add([2]string{pay.Payer, pay.Payee}, pay.Date, pay.Amount.Neg(), paid)
	}
	// Pairs: parties with rules between them, and every other pair that p
	// books, pays or recoups between or that holds a balance at p's start
	// (a pair an amendment left: docs/runs.md), in the order of parties.
	pos := map[string]int{}
	for i, x := range c.Parties {
		pos[x] = i
	}
	type key struct{ a, b string } // a before b in parties
	var keys []key
	seen := map[key]bool{}
	addKey := func(x, y string) {
		k := key{x, y}
		if pos[k.b] < pos[k.a] {
			k = key{k.b, k.a}
		}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, rl := range c.Rules {
		for _, payee := range rl.PayeeParties() {
			addKey(rl.Payer, payee)
		}
	}
	w.left = -len(keys)
	for f := range bookedIn {
		if bookedIn[f] {
			addKey(f[0], f[1])
		}
	}
	for _, mm := range []map[[2]string]decimal.Decimal{rec, paid} {
		for f, v := range mm {
			if !v.IsZero() {
				addKey(f[0], f[1])
			}
		}
	}
	for f, v := range before {
		if !v.Equal(before[[2]string{f[1], f[0]}]) {
			addKey(f[0], f[1])
		}
	}
	w.left += len(keys)
	sort.Slice(keys, func(i, j int) bool {
		if pos[keys[i].a] != pos[keys[j].a] {
			return pos[keys[i].a] < pos[keys[j].a]
		}
		return pos[keys[i].b] < pos[keys[j].b]
	})
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
	cov["pairs no rule of the version has"] += w.left
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
