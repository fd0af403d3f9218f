package contracts

// The obligation engine (spec section 4): a pure function of a contract, its
// events and FX rates, through a given period.
//
// API
//
//	acc, err := NewAccumulator(c, through, rates, Options{TraceEvents: true})
//	for each event e (any order, streaming): err = acc.Add(&e)
//	res, err := acc.Result()
//
// or, with the events in memory, Compute(c, events, rates, through, opts),
// or, from usage aggregates summed at import time (usage.go),
// ComputeUsage(c, usage, rates, through) and Accumulator.AddUsage.
// Memory is O(rules × periods) (plus the event IDs when TraceEvents is on,
// and one entry per distinct channel and product per rule and period).
//
// Scenarios, which project bases rather than replay events, call
//
//	res, err := EvaluateBases(c, first, through, bases)
//
// where bases[i][k] is the base of c.Rules[i] in the k-th period from first
// (in contract currency; missing entries are zero). Both paths run the same
// evaluation (evaluate below), so the rules of section 4 exist once.
//
// A Result has one Line per (period, rule) for every rule whose window
// overlaps the period, from the first period through `through`, ordered by
// period and then by the rule's position in the contract. The first period
// is the one containing the earliest rule `from`, or, for a rule with no
// `from`, the earliest event it counted (EvaluateBases: `first`).
//
// Per line: Base is the exact sum of the converted amounts of the matching
// events dated in the period and inside the rule's window (dates in the
// contract's time zone, ledger.Event.DateIn). Gross is rate × Base (or the
// graduated tiers over the cumulative base of the tier window), rounded once
// with ledger.RoundMinor. Obligation = min(Gross, per_period, per_year −
// year_to_date, total − total_to_date), never below −total_to_date.
// MinimumTrueUp tops the calendar year up to minimum.per_year in the last
// period of the year that the rule covers, bounded by every cap's remainder.
// Total = Obligation + MinimumTrueUp, which is what the caps consume.
//
// Errors: NewAccumulator and EvaluateBases return EINVALID when `through`
// is not of the contract's frequency or bases has the wrong shape; Add
// returns a *MissingRateError (EINVALID) when an event needs an FX rate
// that was not given.

import (
	"fmt"
	"sort"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// Line is the obligation of one rule in one period.
type Line struct {
	Rule          string                     `json:"rule"`
	Payer         string                     `json:"payer"`
	Payee         string                     `json:"payee"`
	Period        ledger.Period              `json:"period"`
	Base          decimal.Decimal            `json:"base"`
	Events        int                        `json:"events"`
	ByChannel     map[string]decimal.Decimal `json:"by_channel,omitempty"`
	ByProduct     map[string]decimal.Decimal `json:"by_product,omitempty"`
	Gross         decimal.Decimal            `json:"gross"`
	Caps          []CapLine                  `json:"caps"`
	Obligation    decimal.Decimal            `json:"obligation"`
	MinimumTrueUp decimal.Decimal            `json:"minimum_true_up"`
	Total         decimal.Decimal            `json:"total"`
	EventIDs      []int64                    `json:"event_ids,omitempty"`

	// Splits holds a split rule's parts of Total (spec section 4 step 6),
	// one per payee in the rule's order; nil for a rule with one payee.
	Splits []SplitPart `json:"splits,omitempty"`

	// RefundFloor is set when a negative gross was cut to give back no
	// more than the rule had consumed before (section 4: obligation never
	// below −total_to_date): it holds that total_to_date.
	RefundFloor *decimal.Decimal `json:"refund_floor,omitempty"`

	RuleIndex int `json:"-"` // position of the rule in Contract.Rules
}

// SplitPart is one payee's part of a split rule's total for a period.
type SplitPart struct {
	Payee  string          `json:"payee"`
	Share  decimal.Decimal `json:"share"`
	Amount decimal.Decimal `json:"amount"`
}

// Parts returns what the line books per payee: its Splits, or the whole
// Total for its one payee.
func (l *Line) Parts() []SplitPart {
	if len(l.Splits) > 0 {
		return l.Splits
	}
	return []SplitPart{{Payee: l.Payee, Share: decimal.NewFromInt(1), Amount: l.Total}}
}

// CapLine is the state of one configured cap in one period. A shared cap
// (Shared set to its id) appears on each of its member rules' lines:
// ConsumedBefore is what all its rules consumed in earlier periods of its
// window plus what rules earlier in the contract's order consumed in this
// period, Applied this rule's total, RemainingAfter the room left for the
// rules after it.
type CapLine struct {
	Shared         string          `json:"shared,omitempty"`
	Kind           CapKind         `json:"kind"`
	Limit          decimal.Decimal `json:"limit"`
	ConsumedBefore decimal.Decimal `json:"consumed_before"` // by the rule in earlier periods of the cap's window (0 for per_period)
	Applied        decimal.Decimal `json:"applied"`         // consumed in this period: obligation + minimum true-up
	RemainingAfter decimal.Decimal `json:"remaining_after"` // limit − consumed_before − applied
	Bound          bool            `json:"bound"`           // the cap reduced the obligation or the true-up in this period
}

// Result is the evaluation of a contract through a period.
type Result struct {
	Contract *Contract     `json:"-"`
	First    ledger.Period `json:"first"`   // zero when there are no lines
	Through  ledger.Period `json:"through"` // the last period evaluated
	Lines    []Line        `json:"lines"`   // by period, then rule order
}

// PeriodLines returns the lines of period p (a sub-slice of r.Lines).
func (r *Result) PeriodLines(p ledger.Period) []Line {
	i := sort.Search(len(r.Lines), func(i int) bool { return !r.Lines[i].Period.Before(p) })
	j := i
	for j < len(r.Lines) && r.Lines[j].Period == p {
		j++
	}
	return r.Lines[i:j]
}

// Options tune an Accumulator.
type Options struct {
	// TraceEvents keeps the ID of every event that contributed to a line
	// (Line.EventIDs). Leave it off for very large runs.
	TraceEvents bool
}

// MissingRateError says that an event, or a usage aggregate, needed an FX
// rate that was not given.
type MissingRateError struct {
	From, To string
	Date     ledger.Date
	Event    string // source/event_id of the event that needed it

	// Set instead of Event when the amount came from a usage aggregate
	// (Accumulator.AddUsage): the rule and period it was counted in.
	Rule   string
	Period ledger.Period
}

func (e *MissingRateError) Error() string {
	if e.Event == "" && e.Rule != "" {
		return fmt.Sprintf("no FX rate from %s to %s on or before %s (needed by the usage of rule %s in %s)", e.From, e.To, e.Date, e.Rule, e.Period.Label())
	}
	return fmt.Sprintf("no FX rate from %s to %s on or before %s (needed by event %s)", e.From, e.To, e.Date, e.Event)
}

// Unwrap exposes the application error (EINVALID).
func (e *MissingRateError) Unwrap() error {
	return &ledger.Error{Code: ledger.EINVALID, Message: e.Error()}
}

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

// window is a rule's window [from, until) as date keys; 0 is open.
type window struct{ from, until int }

func windowOf(r *Rule) window {
	var w window
	if !r.From.IsZero() {
		w.from = dateKey(r.From)
	}
	if !r.Until.IsZero() {
		w.until = dateKey(r.Until)
	}
	return w
}

// contains reports whether the date with key dk lies in the window.
func (w window) contains(dk int) bool { return dk >= w.from && (w.until == 0 || dk < w.until) }

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

// EvaluateBases evaluates c from the period `first` through `through` (both
// of the contract's frequency) over given bases: bases[i][k] is the base of
// c.Rules[i] in the k-th period from first, in contract currency; a short or
// nil slice means zero bases. A base in a period outside the rule's window is
// ignored. Lines carry no event counts, breakdowns or event IDs.
func EvaluateBases(c *Contract, first, through ledger.Period, bases [][]decimal.Decimal) (*Result, error) {
	if first.Freq != c.Period || through.Freq != c.Period {
		return nil, ledger.Errorf(ledger.EINVALID, "contract %s has %s periods: cannot evaluate %s to %s", c.ID, c.Period, first.Label(), through.Label())
	}
	if len(bases) > len(c.Rules) {
		return nil, ledger.Errorf(ledger.EINVALID, "bases for %d rules given, contract %s has %d", len(bases), c.ID, len(c.Rules))
	}
	res := &Result{Contract: c, Through: through}
	n := ordinal(through) - ordinal(first) + 1
	if n <= 0 {
		return res, nil
	}
	res.First = first
	res.Lines = evaluate(c, first, n, bases)
	return res, nil
}

// ruleState is what the evaluation carries from one period to the next.
type ruleState struct {
	year        int
	totalToDate decimal.Decimal // obligations + true-ups of all earlier periods
	yearToDate  decimal.Decimal // the same within the current calendar year
	tierBase    decimal.Decimal // cumulative base within the tier window, before this period
}

// sharedState is what a shared cap's rules have consumed: in earlier
// periods (total, and within the calendar year) and, while a period is
// evaluated, by the rules evaluated so far in it.
type sharedState struct {
	cap         *SharedCap
	limits      []CapLimit
	year        int
	totalToDate decimal.Decimal
	yearToDate  decimal.Decimal
	thisPeriod  decimal.Decimal
}

// consumedBefore is what the shared cap's window of kind has consumed
// before the rule now evaluated: earlier periods of the window plus the
// rules before it in this period.
func (s *sharedState) consumedBefore(kind CapKind) decimal.Decimal {
	switch kind {
	case CapTotal:
		return s.totalToDate.Add(s.thisPeriod)
	case CapPerYear:
		return s.yearToDate.Add(s.thisPeriod)
	}
	return s.thisPeriod
}

// evaluate applies section 4 to n periods from first. It is the only place
// where gross, caps, shared caps, minimums and splits are computed.
func evaluate(c *Contract, first ledger.Period, n int, bases [][]decimal.Decimal) []Line {
	state := make([]ruleState, len(c.Rules))
	limits := make([][]CapLimit, len(c.Rules))
	ncaps := 0
	for i := range c.Rules {
		limits[i] = c.Rules[i].Caps()
		ncaps += len(limits[i])
		state[i].year = first.Year
	}
	shared := make([]sharedState, len(c.SharedCaps))
	member := make([][]*sharedState, len(c.Rules)) // the shared caps of each rule, in contract order
	for j := range c.SharedCaps {
		sc := &c.SharedCaps[j]
		shared[j] = sharedState{cap: sc, limits: sc.Caps(), year: first.Year}
		for _, id := range sc.Rules {
			for i := range c.Rules {
				if c.Rules[i].ID == id {
					member[i] = append(member[i], &shared[j])
					ncaps += len(shared[j].limits)
				}
			}
		}
	}
	lines := make([]Line, 0, n*len(c.Rules))
	capLines := make([]CapLine, 0, n*ncaps)
	p := first
	for k := 0; k < n; k, p = k+1, p.Next() {
		for j := range shared {
			sh := &shared[j]
			if p.Year != sh.year {
				sh.year, sh.yearToDate = p.Year, decimal.Zero
			}
		}
		for i := range c.Rules {
			r := &c.Rules[i]
			st := &state[i]
			if p.Year != st.year {
				st.year, st.yearToDate = p.Year, decimal.Zero
				if r.TierWindow == TierYear {
					st.tierBase = decimal.Zero
				}
			}
			if !r.Overlaps(p) {
				continue
			}
			var base decimal.Decimal
			if i < len(bases) && k < len(bases[i]) {
				base = bases[i][k]
			}
			ln := Line{Rule: r.ID, RuleIndex: i, Payer: r.Payer, Payee: r.Payee, Period: p, Base: base}
			ln.Gross = c.gross(r, st, base)
			start := len(capLines)
			capLines = applyCaps(r, st, limits[i], member[i], &ln, capLines, lastOfYear(r, p))
			ln.Caps = capLines[start:len(capLines):len(capLines)]
			ln.Splits = c.split(r, ln.Total)
			lines = append(lines, ln)
		}
		for j := range shared {
			sh := &shared[j]
			sh.totalToDate = sh.totalToDate.Add(sh.thisPeriod)
			sh.yearToDate = sh.yearToDate.Add(sh.thisPeriod)
			sh.thisPeriod = decimal.Zero
		}
	}
	return lines
}

// split divides a split rule's total between its payees (section 4 step
// 6): each payee but the last gets round(total × share) with the contract's
// rounding, the last gets the remainder, so the parts sum to the total
// exactly. It returns nil for a rule with one payee.
func (c *Contract) split(r *Rule, total decimal.Decimal) []SplitPart {
	if len(r.Payees) == 0 {
		return nil
	}
	parts := make([]SplitPart, len(r.Payees))
	left := total
	for i, sp := range r.Payees {
		amt := left
		if i < len(r.Payees)-1 {
			amt = c.round(total.Mul(sp.Share))
		}
		left = left.Sub(amt)
		parts[i] = SplitPart{Payee: sp.Party, Share: sp.Share, Amount: amt}
	}
	return parts
}

// round rounds x to the contract currency's minor units with the contract's
// rounding mode: the one rounding of gross and of split parts.
func (c *Contract) round(x decimal.Decimal) decimal.Decimal {
	rounded, err := ledger.RoundMinor(x, c.Currency, c.Rounding)
	if err != nil {
		// Parse validated the currency and the rounding mode.
		panic("contracts: " + err.Error())
	}
	return rounded
}

// gross computes rate × base, or the graduated tiers over the tier window's
// cumulative base, rounded once to the contract currency's minor units.
func (c *Contract) gross(r *Rule, st *ruleState, base decimal.Decimal) decimal.Decimal {
	var g decimal.Decimal
	if r.Rate != nil {
		g = r.Rate.Mul(base)
	} else {
		prior := st.tierBase
		if r.TierWindow == TierPeriod {
			prior = decimal.Zero
		}
		after := prior.Add(base)
		g = graduated(r.Tiers, after).Sub(graduated(r.Tiers, prior))
		st.tierBase = after
	}
	return c.round(g)
}

// graduated is the marginal-rate amount of a cumulative base x: the slice of
// x between consecutive thresholds earns that tier's rate, base above the
// last threshold earns nothing, and a negative cumulative base earns the
// first tier's rate (the first tier extends below zero).
func graduated(tiers []Tier, x decimal.Decimal) decimal.Decimal {
	if x.Sign() <= 0 {
		return tiers[0].Rate.Mul(x)
	}
	var g, lo decimal.Decimal
	for _, t := range tiers {
		top := x
		if t.UpTo != nil && t.UpTo.LessThan(x) {
			top = *t.UpTo
		}
		g = g.Add(t.Rate.Mul(top.Sub(lo)))
		if t.UpTo == nil || !t.UpTo.LessThan(x) {
			break
		}
		lo = *t.UpTo
	}
	return g
}

// lastOfYear reports whether p is the last period of its calendar year that
// overlaps the rule's window: where a minimum is trued up.
func lastOfYear(r *Rule, p ledger.Period) bool {
	next := p.Next()
	return next.Year != p.Year || !r.Overlaps(next)
}

// applyCaps turns ln.Gross into the obligation and the minimum true-up,
// appends one CapLine per configured cap (the rule's own, then each shared
// cap it belongs to), and advances the rule's and the shared caps' state.
func applyCaps(r *Rule, st *ruleState, limits []CapLimit, shared []*sharedState, ln *Line, capLines []CapLine, yearEnd bool) []CapLine {
	consumed := func(kind CapKind) decimal.Decimal {
		switch kind {
		case CapTotal:
			return st.totalToDate
		case CapPerYear:
			return st.yearToDate
		}
		return decimal.Zero
	}
	// Each cap leaves room = limit − consumed before: the rule's own caps
	// against the rule's consumption (step 3), shared caps against all
	// their rules' (step 5). The obligation is the least of gross and
	// every room, and never below −total_to_date.
	type capRoom struct {
		line CapLine
		room decimal.Decimal
	}
	var buf [6]capRoom // a rule's own caps and one shared cap's: no allocation
	caps := buf[:0]
	for _, l := range limits {
		before := consumed(l.Kind)
		caps = append(caps, capRoom{CapLine{Kind: l.Kind, Limit: l.Limit, ConsumedBefore: before}, l.Limit.Sub(before)})
	}
	for _, sh := range shared {
		for _, l := range sh.limits {
			before := sh.consumedBefore(l.Kind)
			caps = append(caps, capRoom{CapLine{Shared: sh.cap.ID, Kind: l.Kind, Limit: l.Limit, ConsumedBefore: before}, l.Limit.Sub(before)})
		}
	}
	obligation := ln.Gross
	for _, c := range caps {
		if c.room.LessThan(obligation) {
			obligation = c.room
		}
	}
	if floor := st.totalToDate.Neg(); obligation.LessThan(floor) {
		obligation = floor
		consumed := st.totalToDate
		ln.RefundFloor = &consumed
	}
	for j := range caps {
		caps[j].line.Bound = caps[j].room.LessThan(ln.Gross) && caps[j].room.Equal(obligation)
	}
	trueUp := decimal.Zero
	if r.Minimum.PerYear != nil && yearEnd {
		short := r.Minimum.PerYear.Sub(st.yearToDate.Add(obligation))
		if short.Sign() > 0 {
			trueUp = short
			for _, c := range caps {
				if left := c.room.Sub(obligation); left.LessThan(trueUp) {
					trueUp = left
				}
			}
			if trueUp.Sign() < 0 {
				trueUp = decimal.Zero
			}
			for j, c := range caps {
				if trueUp.LessThan(short) && c.room.Sub(obligation).Equal(trueUp) {
					caps[j].line.Bound = true
				}
			}
		}
	}
	total := obligation.Add(trueUp)
	for _, c := range caps {
		c.line.Applied, c.line.RemainingAfter = total, c.room.Sub(total)
		capLines = append(capLines, c.line)
	}
	ln.Obligation, ln.MinimumTrueUp, ln.Total = obligation, trueUp, total
	st.totalToDate = st.totalToDate.Add(total)
	st.yearToDate = st.yearToDate.Add(total)
	for _, sh := range shared {
		sh.thisPeriod = sh.thisPeriod.Add(total)
	}
	return capLines
}

// ordinal numbers the periods of one frequency consecutively.
func ordinal(p ledger.Period) int {
	switch p.Freq {
	case ledger.Quarter:
		return p.Year*4 + p.Index - 1
	case ledger.Year:
		return p.Year
	}
	return p.Year*12 + p.Index - 1
}

func fromOrdinal(f ledger.Frequency, n int) ledger.Period {
	switch f {
	case ledger.Quarter:
		return ledger.Period{Freq: f, Year: n / 4, Index: n%4 + 1}
	case ledger.Year:
		return ledger.Period{Freq: f, Year: n, Index: 1}
	}
	return ledger.Period{Freq: ledger.Month, Year: n / 12, Index: n%12 + 1}
}

// dateKey orders dates as integers.
func dateKey(d ledger.Date) int { return d.Year*512 + int(d.Month)*32 + d.Day }
