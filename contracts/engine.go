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
// evaluation (evaluate, in evaluate.go), so the rules of section 4 exist once.
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
