package contracts

import (
	"sort"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// Compute evaluates a contract over in-memory events. See NewAccumulator.
func Compute(c *Contract, events []ledger.Event, rates []ledger.FXRate, through ledger.Period, opts Options) (*Result, error) {
	acc, err := NewAccumulator(c, through, rates, opts)
	if err != nil {
		return nil, err
	}
	for i := range events {
		if err := acc.Add(&events[i]); err != nil {
			return nil, err
		}
	}
	return acc.Result()
}

// Accumulator sums the bases of a contract's rules per period from a stream
// of events, in any order. It is not safe for concurrent use.
type Accumulator struct {
	c          *Contract
	through    ledger.Period
	throughOrd int
	fx         fxTable
	opts       Options
	rules      []ruleAcc
	index      map[string]int // rule id -> position, built by the first AddUsage
}

type ruleAcc struct {
	r       *Rule
	win     window
	lo      int // ordinal of buckets[0]
	buckets []*bucket
}

type bucket struct {
	base      Sum
	events    int
	byChannel map[string]*Sum
	byProduct map[string]*Sum
	ids       []int64
}

// NewAccumulator starts an evaluation of c through the period `through`
// (of the contract's frequency) with the given FX rates (only rates into
// the contract currency are used).
func NewAccumulator(c *Contract, through ledger.Period, rates []ledger.FXRate, opts Options) (*Accumulator, error) {
	if through.Freq != c.Period {
		return nil, ledger.Errorf(ledger.EINVALID, "contract %s has %s periods: cannot evaluate through %s", c.ID, c.Period, through.Label())
	}
	a := &Accumulator{c: c, through: through, throughOrd: ordinal(through), fx: newFXTable(c.Currency, rates), opts: opts}
	for i := range c.Rules {
		r := &c.Rules[i]
		ra := ruleAcc{r: r, win: windowOf(r), lo: -1}
		if !r.From.IsZero() {
			ra.lo = ordinal(c.PeriodOf(r.From))
		}
		a.rules = append(a.rules, ra)
	}
	return a, nil
}

// Add counts one event towards every rule that matches it, if it falls in
// the rule's window and in a period up to `through`. It returns a
// *MissingRateError when the event's currency needs a rate that is missing.
//
// Which rules count an event, in which period and at which FX date is
// decided by placement, window.counts and Contract.fxDate, which Usage.Add
// shares, so that evaluating aggregates gives the same lines.
func (a *Accumulator) Add(e *ledger.Event) error {
	if !a.c.matchesAny(e) { // as in Usage.add: place only what some rule matches
		return nil
	}
	pl := a.c.place(e)
	if pl.ord > a.throughOrd {
		return nil
	}
	for i := range a.rules {
		ra := &a.rules[i]
		if !ra.win.counts(ra.r, &pl, e) {
			continue
		}
		amount := e.Amount
		if on := a.c.fxDate(ra.r, &pl, e.Currency); !on.IsZero() {
			rate, ok := a.fx.rate(e.Currency, on)
			if !ok {
				return &MissingRateError{From: e.Currency, To: a.c.Currency, Date: on, Event: e.Source + "/" + e.EventID}
			}
			amount = amount.Mul(rate)
		}
		b := ra.count(pl.ord, amount, 1, e.Channel, e.Product)
		if a.opts.TraceEvents {
			b.ids = append(b.ids, e.ID)
		}
	}
	return nil
}

// count adds an amount (in contract currency) of n events on one channel
// and product to the rule's bucket of period ordinal ord, and returns the
// bucket.
func (ra *ruleAcc) count(ord int, amount decimal.Decimal, n int, channel, product string) *bucket {
	b := ra.bucket(ord)
	b.base.Add(amount)
	b.events += n
	addTo(&b.byChannel, channel, amount)
	addTo(&b.byProduct, product, amount)
	return b
}

// placement is where an event falls for a contract: its date in the
// contract's time zone and that date's period, with their integer keys.
type placement struct {
	date   ledger.Date
	period ledger.Period
	ord    int // ordinal(period)
	dk     int // dateKey(date)
}

func (c *Contract) place(e *ledger.Event) placement {
	d := e.DateIn(c.Location())
	p := c.PeriodOf(d)
	return placement{date: d, period: p, ord: ordinal(p), dk: dateKey(d)}
}

// window is a rule's window [from, until) as date keys.
type window struct{ from, until int }

// windowOf is r's window, an open end closed at the books' years
// (ledger.MinBookYear to MaxBookYear): a period outside them has no label,
// so an instant that falls outside them in the contract's time zone
// (9999-12-31T23:59:59Z is 10000-01-01 in UTC+14) is counted by no rule.
func windowOf(r *Rule) window {
	w := window{
		from:  dateKey(ledger.Date{Year: ledger.MinBookYear, Month: time.January, Day: 1}),
		until: dateKey(ledger.Date{Year: ledger.MaxBookYear + 1, Month: time.January, Day: 1}),
	}
	if !r.From.IsZero() {
		w.from = dateKey(r.From)
	}
	if !r.Until.IsZero() {
		w.until = dateKey(r.Until)
	}
	return w
}

// contains reports whether the date with key dk lies in the window.
func (w window) contains(dk int) bool { return dk >= w.from && dk < w.until }

// counts reports whether rule r, whose window is w, counts the event e
// placed at pl.
func (w window) counts(r *Rule, pl *placement, e *ledger.Event) bool {
	return w.contains(pl.dk) && r.Matches(e)
}

// fxDate returns the date whose rate converts an amount in currency cur that
// rule r counted at pl into the contract currency: the event's date
// (fx_rule event_date) or its period's last day (period_end). It is the
// zero Date when cur is the contract currency.
func (c *Contract) fxDate(r *Rule, pl *placement, cur string) ledger.Date {
	if cur == c.Currency {
		return ledger.Date{}
	}
	if r.FXRule == FXPeriodEnd {
		return pl.period.Last()
	}
	return pl.date
}

func addTo(m *map[string]*Sum, key string, x decimal.Decimal) {
	if *m == nil {
		*m = make(map[string]*Sum, 4)
	}
	s := (*m)[key]
	if s == nil {
		s = &Sum{}
		(*m)[key] = s
	}
	s.Add(x)
}

// bucket returns the bucket of period ordinal ord, growing the dense slice
// (downwards too, for a rule with an open start).
func (ra *ruleAcc) bucket(ord int) *bucket {
	if ra.lo < 0 || len(ra.buckets) == 0 && ra.r.From.IsZero() {
		ra.lo = ord
	}
	if ord < ra.lo {
		grown := make([]*bucket, ra.lo-ord+len(ra.buckets))
		copy(grown[ra.lo-ord:], ra.buckets)
		ra.buckets, ra.lo = grown, ord
	}
	for ord-ra.lo >= len(ra.buckets) {
		ra.buckets = append(ra.buckets, nil)
	}
	b := ra.buckets[ord-ra.lo]
	if b == nil {
		b = &bucket{}
		ra.buckets[ord-ra.lo] = b
	}
	return b
}

// Result evaluates the accumulated bases (see the package API comment).
// The Accumulator may receive more events and be evaluated again.
func (a *Accumulator) Result() (*Result, error) {
	first := -1
	for _, ra := range a.rules {
		lo := ra.lo
		if ra.r.From.IsZero() {
			lo = -1
			for k, b := range ra.buckets {
				if b != nil {
					lo = ra.lo + k
					break
				}
			}
		}
		if lo >= 0 && (first < 0 || lo < first) {
			first = lo
		}
	}
	res := &Result{Contract: a.c, Through: a.through}
	if first < 0 || first > a.throughOrd {
		return res, nil
	}
	n := a.throughOrd - first + 1
	bases := make([][]decimal.Decimal, len(a.rules))
	for i, ra := range a.rules {
		bases[i] = make([]decimal.Decimal, n)
		for k, b := range ra.buckets {
			if b != nil && ra.lo+k >= first {
				bases[i][ra.lo+k-first] = b.base.Value()
			}
		}
	}
	res.First = fromOrdinal(a.c.Period, first)
	res.Lines = evaluate(a.c, res.First, n, bases)
	for i := range res.Lines {
		ln := &res.Lines[i]
		ra := &a.rules[ln.RuleIndex]
		k := ordinal(ln.Period) - ra.lo
		if k < 0 || k >= len(ra.buckets) || ra.buckets[k] == nil {
			continue
		}
		b := ra.buckets[k]
		ln.Events = b.events
		ln.ByChannel = values(b.byChannel)
		ln.ByProduct = values(b.byProduct)
		if len(b.ids) > 0 {
			ln.EventIDs = append([]int64(nil), b.ids...)
			sort.Slice(ln.EventIDs, func(i, j int) bool { return ln.EventIDs[i] < ln.EventIDs[j] })
		}
	}
	return res, nil
}

func values(m map[string]*Sum) map[string]decimal.Decimal {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]decimal.Decimal, len(m))
	for k, s := range m {
		out[k] = s.Value()
	}
	return out
}
