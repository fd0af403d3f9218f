package contracts

// Usage aggregates: what a run needs from the events, summed ahead of time.
//
// A run or a statement needs, per rule and period, the base (in contract
// currency), the event count and the breakdowns by channel and product.
// Usage keeps exactly what those are computed from, per
//
//	(rule, period, channel, product, currency, fx_date)
//
// the sum of the matched events' amounts in their own currency (unconverted,
// since FX rates may be imported after the events) and the event count.
// FXDate is the date whose rate converts the sum: zero for the contract
// currency, else the event's date in the contract's time zone (fx_rule
// event_date) or the period's last day (period_end). Conversion is a
// multiplication, exact and linear, so converting a sum gives the sum of the
// converted amounts, and
//
//	u := NewUsage(c); for each event: u.Add(&e)   // at import, any order, in parts
//	res, err := ComputeUsage(c, u, rates, through)
//
// gives the lines of Compute(c, events, rates, through, Options{}), every
// field equal and every amount at the same scale; only EventIDs are
// missing (aggregates cannot trace events). Usage.Add decides which rules
// count an event, in which period and at which FX date with the very code
// Accumulator.Add uses (placement, window.counts, Contract.fxDate).
//
// Usage depends only on the parts of a contract that UsageSignature covers
// (currency, time zone, frequency, and each rule's id, match, window and
// fx_rule): two contract versions with the same signature have the same
// usage, so an update that changes only rates, tiers, caps, minimums or
// parties needs no re-aggregation.

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// UsageKey identifies one usage aggregate of a contract.
type UsageKey struct {
	Rule     string        // the rule's id
	Period   ledger.Period // the contract period of the events' dates (contract frequency)
	Channel  string        // ledger.Event.Channel ("" is a key like any other)
	Product  string        // ledger.Event.Product
	Currency string        // the events' currency
	FXDate   ledger.Date   // zero when Currency is the contract currency; else the date whose rate converts Amount
}

// UsageSum is the content of one usage aggregate.
type UsageSum struct {
	// Amount is the exact sum of the events' amounts in UsageKey.Currency.
	// Its scale (exponent) matters: bases print at the scale of their
	// amounts, so store it with ledger.FormatAmount ("10.50" stays "10.50";
	// decimal.String would write "10.5") and read it back with
	// decimal.NewFromString.
	Amount decimal.Decimal
	Events int // how many events; at least 1
}

// Add returns s + o: amounts added exactly (at the finer scale), counts added.
func (s UsageSum) Add(o UsageSum) UsageSum {
	return UsageSum{Amount: s.Amount.Add(o.Amount), Events: s.Events + o.Events}
}

// UsageRow is one aggregate: a key and its sum.
type UsageRow struct {
	UsageKey
	UsageSum
	// EventIDs are the IDs of its events, in the order added, when the
	// Usage traced them (Usage.TraceEvents); nil otherwise.
	EventIDs []int64
}

// String names the aggregate, as in error messages:
// `rule r, 2026-01, channel "azure", product "api", EUR at the rate of 2026-01-14`.
func (k UsageKey) String() string {
	s := fmt.Sprintf("rule %s, %s, channel %q, product %q, %s", k.Rule, k.Period.Label(), k.Channel, k.Product, k.Currency)
	if !k.FXDate.IsZero() {
		s += " at the rate of " + k.FXDate.String()
	}
	return s
}

// String renders the row as its key, a colon, the amount at its scale and
// the event count: `rule r, 2026-01, channel "", product "", USD: 10.50 × 2`.
func (r UsageRow) String() string {
	return fmt.Sprintf("%s: %s × %d", r.UsageKey, ledger.FormatAmount(r.Amount), r.Events)
}

// Usage is a set of usage aggregates of one contract, built from events
// (Add), from stored rows (AddRow, UsageFromRows) or from other Usages
// (Merge). It is not safe for concurrent use.
type Usage struct {
	trace bool
	c     *Contract
	wins  []window
	index map[string]int // rule id -> position in c.Rules
	cells map[usageCellKey]*usageCell
}

type usageCellKey struct {
	rule                       int // position in c.Rules
	ord                        int // period ordinal
	channel, product, currency string
	fx                         int // dateKey of the FX date; 0 for none
}

type usageCell struct {
	amount Sum
	events int
	ids    []int64
}

// NewUsage returns an empty Usage of contract c.
func NewUsage(c *Contract) *Usage {
	u := &Usage{c: c, wins: make([]window, len(c.Rules)), index: make(map[string]int, len(c.Rules)), cells: map[usageCellKey]*usageCell{}}
	for i := range c.Rules {
		u.wins[i] = windowOf(&c.Rules[i])
		u.index[c.Rules[i].ID] = i
	}
	return u
}

// UsageFromRows rebuilds a Usage of c from stored rows (AddRow each).
func UsageFromRows(c *Contract, rows []UsageRow) (*Usage, error) {
	u := NewUsage(c)
	for _, r := range rows {
		if err := u.AddRow(r.UsageKey, r.UsageSum); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// TraceEvents makes Add keep the ID of every event it counts, per
// aggregate (UsageRow.EventIDs), so that a store can keep them beside the
// sums and give statements their event IDs without reading the events.
func (u *Usage) TraceEvents() { u.trace = true }

// Contract returns the contract the usage was built for.
func (u *Usage) Contract() *Contract { return u.c }

// FirstLine is the period where the lines of ComputeUsage(c, u, rates,
// through) begin (Result.First), found without rates: the period of the
// earliest rule start, or an earlier one in which a rule without `from`
// counted an event. ok is false when that result has no lines. A list of
// statements needs no more, and must not fail on a rate that only a later
// period needs.
func (u *Usage) FirstLine(through ledger.Period) (ledger.Period, bool) {
	first := -1
	for i := range u.c.Rules {
		if from := u.c.Rules[i].From; !from.IsZero() {
			if ord := ordinal(u.c.PeriodOf(from)); first < 0 || ord < first {
				first = ord
			}
		}
	}
	for k := range u.cells {
		if u.c.Rules[k.rule].From.IsZero() && (first < 0 || k.ord < first) {
			first = k.ord
		}
	}
	if first < 0 || first > ordinal(through) {
		return ledger.Period{}, false
	}
	return fromOrdinal(u.c.Period, first), true
}

// Len returns the number of aggregates.
func (u *Usage) Len() int { return len(u.cells) }

// Add counts one event towards every rule that counts it (match and window),
// in the period of its date, whatever the period: there is no `through`
// here, and no FX rate is needed.
func (u *Usage) Add(e *ledger.Event) { u.add(e, 1, nil) }

// AddSum counts n events that are alike in everything Add reads (the
// instant or date, seller, channel, customer, product, region, currency)
// but their amounts, which sum to e.Amount: what a store's GROUP BY
// returns. It equals n calls of Add, amounts added exactly. ids, when
// tracing, are the events' IDs.
func (u *Usage) AddSum(e *ledger.Event, n int, ids []int64) { u.add(e, n, ids) }

// add counts n events like e; ids nil with n 1 means e's own ID.
func (u *Usage) add(e *ledger.Event, n int, ids []int64) {
	// In a book of many sellers most events match none of a contract's
	// rules: test the match first, and place (a time-zone conversion and a
	// period) only the events that match.
	if !u.c.matchesAny(e) {
		return
	}
	pl := u.c.place(e)
	for i := range u.c.Rules {
		r := &u.c.Rules[i]
		if !u.wins[i].counts(r, &pl, e) {
			continue
		}
		k := usageCellKey{rule: i, ord: pl.ord, channel: e.Channel, product: e.Product, currency: e.Currency}
		if on := u.c.fxDate(r, &pl, e.Currency); !on.IsZero() {
			k.fx = dateKey(on)
		}
		c := u.cell(k)
		c.add(e.Amount, n)
		if u.trace && ids == nil {
			c.ids = append(c.ids, e.ID)
		} else if u.trace {
			c.ids = append(c.ids, ids...)
		}
	}
}

func (u *Usage) cell(k usageCellKey) *usageCell {
	c := u.cells[k]
	if c == nil {
		c = &usageCell{}
		u.cells[k] = c
	}
	return c
}

func (c *usageCell) add(amount decimal.Decimal, n int) {
	c.amount.Add(amount)
	c.events += n
}

// AddRow adds a stored aggregate. It returns an EINVALID error when the row
// cannot come from events of this contract (see checkUsage).
func (u *Usage) AddRow(k UsageKey, s UsageSum) error {
	ck, err := checkUsage(u.c, u.index, k, s)
	if err != nil {
		return err
	}
	u.cell(ck).add(s.Amount, s.Events)
	return nil
}

// Merge adds every aggregate of o to u. The two must be of the same
// contract, or of contracts with the same UsageSignature (EINVALID
// otherwise). o is unchanged.
func (u *Usage) Merge(o *Usage) error {
	if err := sameUsage(u.c, o.c); err != nil {
		return err
	}
	for k, c := range o.cells {
		uc := u.cell(k)
		uc.add(c.amount.Value(), c.events)
		if u.trace {
			uc.ids = append(uc.ids, c.ids...)
		}
	}
	return nil
}

// Rows returns every aggregate, ordered by the rule's position in the
// contract, then period, channel, product, currency and FX date.
func (u *Usage) Rows() []UsageRow {
	keys := u.sortedKeys()
	rows := make([]UsageRow, len(keys))
	for i, k := range keys {
		c := u.cells[k]
		rows[i] = UsageRow{
			UsageKey: UsageKey{Rule: u.c.Rules[k.rule].ID, Period: fromOrdinal(u.c.Period, k.ord),
				Channel: k.channel, Product: k.product, Currency: k.currency, FXDate: dateFromKey(k.fx)},
			UsageSum: UsageSum{Amount: c.amount.Value(), Events: c.events},
			EventIDs: c.ids,
		}
	}
	return rows
}

func (u *Usage) sortedKeys() []usageCellKey {
	keys := make([]usageCellKey, 0, len(u.cells))
	for k := range u.cells {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareCellKeys)
	return keys
}

// compareCellKeys orders aggregates by rule position, period, channel,
// product, currency and FX date.
func compareCellKeys(a, b usageCellKey) int {
	if c := cmp.Compare(a.rule, b.rule); c != 0 {
		return c
	}
	if c := cmp.Compare(a.ord, b.ord); c != 0 {
		return c
	}
	if c := strings.Compare(a.channel, b.channel); c != 0 {
		return c
	}
	if c := strings.Compare(a.product, b.product); c != 0 {
		return c
	}
	if c := strings.Compare(a.currency, b.currency); c != 0 {
		return c
	}
	return cmp.Compare(a.fx, b.fx)
}

// ComputeUsage evaluates c over usage aggregates, as Compute does over the
// events they were built from (see the file comment); u may be of another
// version of c with the same UsageSignature. Errors: as NewAccumulator and
// Accumulator.AddAggregate.
func ComputeUsage(c *Contract, u *Usage, rates []ledger.FXRate, through ledger.Period) (*Result, error) {
	acc, err := NewAccumulator(c, through, rates, Options{})
	if err != nil {
		return nil, err
	}
	if err := acc.AddAggregate(u); err != nil {
		return nil, err
	}
	return acc.Result()
}

// AddAggregate feeds every aggregate of u into the evaluation, as AddUsage
// does. u must be of the accumulator's contract or of one with the same
// UsageSignature (EINVALID otherwise). When rates are missing, the error
// names the first aggregate in Rows order that needs one, whatever the
// order the aggregates were added in; the accumulator must not be used
// after an error.
func (a *Accumulator) AddAggregate(u *Usage) error {
	if err := sameUsage(a.c, u.c); err != nil {
		return err
	}
	var (
		first    usageCellKey
		firstErr error
	)
	for k, c := range u.cells {
		if firstErr != nil && compareCellKeys(k, first) > 0 {
			continue // cannot be the error reported
		}
		if err := a.addCell(k, c.amount.Value(), c.events); err != nil && (firstErr == nil || compareCellKeys(k, first) < 0) {
			first, firstErr = k, err
		}
	}
	return firstErr
}

// AddUsage feeds one aggregate into the evaluation: the same as adding the
// events it sums, except that their IDs are not traced. Aggregates of
// periods after `through` are ignored. It returns an EINVALID error when
// the row cannot come from events of this contract (unknown rule, period of
// another frequency or outside the rule's window, inconsistent FX date, no
// events), and a *MissingRateError (naming the rule and period) when the
// currency needs a rate that is missing.
func (a *Accumulator) AddUsage(k UsageKey, s UsageSum) error {
	if a.index == nil {
		a.index = make(map[string]int, len(a.c.Rules))
		for i := range a.c.Rules {
			a.index[a.c.Rules[i].ID] = i
		}
	}
	ck, err := checkUsage(a.c, a.index, k, s)
	if err != nil {
		return err
	}
	return a.addCell(ck, s.Amount, s.Events)
}

// addCell converts a checked aggregate and adds it to its rule's bucket.
func (a *Accumulator) addCell(k usageCellKey, amount decimal.Decimal, n int) error {
	if k.ord > a.throughOrd {
		return nil
	}
	ra := &a.rules[k.rule]
	if k.fx != 0 {
		on := dateFromKey(k.fx)
		rate, ok := a.fx.rate(k.currency, on)
		if !ok {
			return &MissingRateError{From: k.currency, To: a.c.Currency, Date: on, Rule: ra.r.ID, Period: fromOrdinal(a.c.Period, k.ord)}
		}
		amount = amount.Mul(rate)
	}
	ra.count(k.ord, amount, n, k.channel, k.product)
	return nil
}

// checkUsage verifies that an aggregate could have come from events of c:
// a known rule; a well-formed period of c's frequency that the rule's window
// overlaps; an FX date exactly when the currency is not c's,
// and then the one Usage.Add would give (inside the period and the rule's
// window for event_date, the period's last day for period_end); at least
// one event. Such a row may still come from another version of the
// contract; UsageSignature tells versions apart.
func checkUsage(c *Contract, index map[string]int, k UsageKey, s UsageSum) (usageCellKey, error) {
	bad := func(format string, args ...any) error {
		return ledger.Errorf(ledger.EINVALID, "contract %s: usage of %s: %s", c.ID, k, fmt.Sprintf(format, args...))
	}
	i, ok := index[k.Rule]
	if !ok {
		return usageCellKey{}, bad("no such rule")
	}
	r := &c.Rules[i]
	if k.Period.Freq != c.Period || !validPeriod(k.Period) {
		return usageCellKey{}, bad("not a %s period", c.Period)
	}
	if !r.Overlaps(k.Period) {
		return usageCellKey{}, bad("the period is outside the rule's window")
	}
	if s.Events < 1 {
		return usageCellKey{}, bad("%d events", s.Events)
	}
	ck := usageCellKey{rule: i, ord: ordinal(k.Period), channel: k.Channel, product: k.Product, currency: k.Currency}
	switch {
	case k.Currency == c.Currency && !k.FXDate.IsZero():
		return usageCellKey{}, bad("an amount in the contract currency has no FX date")
	case k.Currency == c.Currency:
		return ck, nil
	case k.FXDate.IsZero():
		return usageCellKey{}, bad("an amount in another currency needs an FX date")
	case r.FXRule == FXPeriodEnd && k.FXDate != k.Period.Last():
		return usageCellKey{}, bad("fx_rule period_end converts at the period's last day %s", k.Period.Last())
	case r.FXRule != FXPeriodEnd && (!k.Period.Contains(k.FXDate) || !windowOf(r).contains(dateKey(k.FXDate))):
		return usageCellKey{}, bad("fx_rule event_date converts at an event date inside the period and the rule's window")
	}
	ck.fx = dateKey(k.FXDate)
	return ck, nil
}

func validPeriod(p ledger.Period) bool {
	switch p.Freq {
	case ledger.Month:
		return p.Index >= 1 && p.Index <= 12
	case ledger.Quarter:
		return p.Index >= 1 && p.Index <= 4
	case ledger.Year:
		return p.Index == 1
	}
	return false
}

// sameUsage accepts usage of contract b where contract a's is expected.
func sameUsage(a, b *Contract) error {
	if a == b || a.UsageSignature() == b.UsageSignature() {
		return nil
	}
	return ledger.Errorf(ledger.EINVALID, "contract %s (usage signature %.8s) and contract %s (%.8s) count events differently: the aggregates of one do not apply to the other",
		b.ID, b.UsageSignature(), a.ID, a.UsageSignature())
}

// UsageSignature identifies how the contract counts events: a hash of its
// currency, time zone, frequency and, in order, each rule's id, match,
// window and fx_rule. Contracts (or versions of one) with equal signatures
// give equal Usage from the same events; a change of rates, tiers, caps,
// minimums, payers, payees, rounding, name or amendments keeps it. The
// value is 64 hexadecimal digits, stable across releases unless the
// aggregation itself changes (the hashed text names its version).
func (c *Contract) UsageSignature() string {
	type ruleSig struct {
		ID                                         string
		Seller, Channel, Customer, Product, Region []string
		From, Until                                string
		FXRule                                     FXRule
	}
	sig := struct {
		Version            string
		Currency, Timezone string
		Period             ledger.Frequency
		Rules              []ruleSig
	}{Version: "revshare usage v1", Currency: c.Currency, Timezone: c.Location().String(), Period: c.Period}
	for i := range c.Rules {
		r := &c.Rules[i]
		rs := ruleSig{ID: r.ID, Seller: nonNil(r.Match.Seller), Channel: nonNil(r.Match.Channel), Customer: nonNil(r.Match.Customer),
			Product: nonNil(r.Match.Product), Region: nonNil(r.Match.Region), FXRule: r.FXRule}
		if !r.From.IsZero() {
			rs.From = r.From.String()
		}
		if !r.Until.IsZero() {
			rs.Until = r.Until.String()
		}
		if rs.FXRule == "" {
			rs.FXRule = FXEventDate
		}
		sig.Rules = append(sig.Rules, rs)
	}
	b, err := json.Marshal(sig)
	if err != nil {
		panic("contracts: " + err.Error()) // strings and slices of strings always marshal
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// nonNil makes an absent and an empty match list hash alike (both select
// every value).
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// dateFromKey inverts dateKey; 0 gives the zero Date.
func dateFromKey(k int) ledger.Date {
	if k == 0 {
		return ledger.Date{}
	}
	return ledger.Date{Year: k / 512, Month: time.Month(k % 512 / 32), Day: k % 32}
}
