package reports

import (
	"fmt"
	"sort"
	"strings"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// Booking is a journal booking made by a run, dated in the statement's period.
type Booking struct {
	EntryID   int64
	Rule      string
	Period    string // the period it refers to
	Kind      string // accrual | adjustment
	Payer     string
	Payee     string
	BaseDelta decimal.Decimal
	Amount    decimal.Decimal
	// Version is the contract version the booking was computed with;
	// PrevVersion that of the latest earlier booking of its rule, period
	// and parties (equal to Version when there is none).
	Version, PrevVersion int
	// Change says what in the contract's version Version changed the
	// rule's parties, when that is why the booking was made.
	Change PartyChange
}

// PartyChange is a change of a rule between contract versions that moves
// what is booked between parties.
type PartyChange int

const (
	NoPartyChange PartyChange = iota
	// RuleRemoved: the booking's contract version has no such rule; what
	// was booked for it goes back to zero.
	RuleRemoved
	// PartiesLeft: the rule no longer runs from the booking's payer to its
	// payee; what was booked between them goes back to zero.
	PartiesLeft
	// PartiesJoined: the rule's period was booked between other parties
	// before; it is now owed between the booking's.
	PartiesJoined
	// RuleAdded: the contract version the corrected period was closed
	// under had no such rule (PrevVersion); its base and obligation for the
	// period come with the rule.
	RuleAdded
)

// adjustmentReason says why a closed period was recomputed, from what the
// bookings of one rule and corrected period changed: its base (events that
// arrived after it was booked), the rule's existence or parties, the
// contract's version, or none of these (rates imported later, or caps
// consumed by earlier periods).
func adjustmentReason(bs []Booking, exact func(decimal.Decimal) string) string {
	var why, left, joined []string
	base := decimal.Zero
	removed, added, version := 0, [2]int{}, ""
	for _, b := range bs {
		switch b.Change {
		case RuleRemoved:
			removed = b.Version // its base goes to zero with it: not a base change
			continue
		case RuleAdded:
			added = [2]int{b.PrevVersion, b.Version} // its base comes with it: not a base change
			continue
		case PartiesLeft:
			left = append(left, fmt.Sprintf("what was booked from %s to %s goes back to zero", b.Payer, b.Payee))
			version = fmt.Sprint(b.Version)
		case PartiesJoined:
			joined = append(joined, fmt.Sprintf("now owed by %s to %s", b.Payer, b.Payee))
			version = fmt.Sprint(b.Version)
		}
		base = base.Add(b.BaseDelta)
	}
	if !base.IsZero() {
		why = append(why, "its base changed by "+exact(base)+" (events imported after it was booked: late events or corrections)")
	}
	switch {
	case added[1] > 0:
		why = append(why, fmt.Sprintf("rule %s was added to the contract (version %d; the period was closed under version %d)", bs[0].Rule, added[1], added[0]))
	case removed > 0:
		why = append(why, fmt.Sprintf("rule %s was removed from the contract (version %d): what was booked for it goes back to zero", bs[0].Rule, removed))
	case len(left)+len(joined) > 0:
		why = append(why, fmt.Sprintf("the rule's payer or payee changed (contract version %s): %s", version, strings.Join(append(left, joined...), "; ")))
	default:
		for _, b := range bs {
			if b.Version != b.PrevVersion {
				why = append(why, fmt.Sprintf("the contract changed (version %d to %d)", b.PrevVersion, b.Version))
				break
			}
		}
	}
	if len(why) == 0 {
		return "recomputed with the same base and contract version: exchange rates imported after it was booked, or caps consumed by earlier periods changed"
	}
	return strings.Join(why, "; ")
}

// StatementInput is everything a statement is built from: the engine's lines
// for the period and the ledger's bookings, payments and opening balances.
type StatementInput struct {
	Contract *contracts.Contract
	Version  int
	Period   ledger.Period
	Final    bool
	Lines    []contracts.Line              // the engine's lines for Period
	Bookings []Booking                     // run bookings dated in Period
	Paid     map[[2]string]decimal.Decimal // {payer, payee} -> paid in Period
	Opening  map[[2]string]decimal.Decimal // {payer, payee} -> booked less paid and recouped before Period
	Recouped map[[2]string]decimal.Decimal // {payer, payee} -> advances recouped in Period
	Advances []AdvanceFlow                 // the contract's advances dated on or before Period's last day
	// Pending: a run through Period would book something dated in it
	// (books.Pending); a draft then lags the books.
	Pending bool
}

// AdvanceFlow is what the ledger holds for one advance as of a period.
type AdvanceFlow struct {
	ID, Payer, Payee string
	Date             ledger.Date
	Amount           decimal.Decimal
	RecoupedBefore   decimal.Decimal // recoupments dated before the period
	Recouped         decimal.Decimal // recoupments dated in the period
}

// BuildStatement assembles and seals a statement (spec section 5).
func BuildStatement(in StatementInput) (*Statement, error) {
	c := in.Contract
	cur := c.Currency
	money := func(x decimal.Decimal) string { return ledger.FormatMoney(x, cur) }
	exact := func(x decimal.Decimal) string { return ledger.FormatExact(x, cur) } // bases: every digit, at least the minor units
	s := &Statement{
		Contract: c.ID, ContractName: c.Name, ContractVersion: in.Version,
		Period: PeriodInfo{Label: in.Period.Label(), Start: in.Period.Start().String(), End: in.Period.Last().String(),
			Timezone: c.Location().String()},
		Status:     "draft",
		Currency:   cur,
		Rules:      []RuleLine{},
		Pairs:      []Pair{},
		Amendments: []Amendment{},
	}
	if in.Final {
		s.Status = "final"
	}
	byRule := map[string][]Booking{}
	for _, b := range in.Bookings {
		byRule[b.Rule] = append(byRule[b.Rule], b)
	}
	for _, l := range in.Lines {
		r := c.Rule(l.Rule)
		rl := RuleLine{
			Rule: l.Rule, Payer: l.Payer, Payee: l.Payee,
			Base: exact(l.Base), Events: l.Events,
			BaseByChannel: breakdown(l.ByChannel, exact), BaseByProduct: breakdown(l.ByProduct, exact),
			Gross: money(l.Gross), Obligation: money(l.Obligation), MinimumTrueUp: money(l.MinimumTrueUp),
			Caps: []CapLine{}, Adjustments: []Adjustment{}, Entries: []int64{}, EventIDs: l.EventIDs,
		}
		if l.RefundFloor != nil {
			rl.RefundFloor = money(*l.RefundFloor)
		}
		if rl.EventIDs == nil {
			rl.EventIDs = []int64{}
		}
		if r != nil {
			if r.Rate != nil {
				rl.Rate = ledger.FormatAmount(*r.Rate) // as written: "0.20" stays "0.20"
			}
			for _, t := range r.Tiers {
				tier := Tier{Rate: ledger.FormatAmount(t.Rate)}
				if t.UpTo != nil {
					tier.UpTo = ledger.FormatAmount(*t.UpTo)
				}
				rl.Tiers = append(rl.Tiers, tier)
			}
			if len(r.Tiers) > 0 {
				rl.TierWindow = string(r.TierWindow)
			}
		}
		for _, sp := range l.Splits {
			rl.Splits = append(rl.Splits, Split{Payee: sp.Payee, Share: ledger.FormatAmount(sp.Share), Amount: money(sp.Amount)})
		}
		for _, cl := range l.Caps {
			rl.Caps = append(rl.Caps, CapLine{Shared: cl.Shared, Kind: string(cl.Kind), Limit: money(cl.Limit), ConsumedBefore: money(cl.ConsumedBefore),
				Applied: money(cl.Applied), RemainingAfter: money(cl.RemainingAfter), Binds: cl.Bound})
		}
		for _, b := range byRule[l.Rule] {
			rl.Entries = append(rl.Entries, b.EntryID)
		}
		delete(byRule, l.Rule)
		s.Rules = append(s.Rules, rl)
	}
	// Adjustments are listed under their rule; a rule with adjustments but no
	// line in this period (its window has ended) gets a line of its own.
	// One item per rule and corrected period (spec section 4 step 8): the
	// bookings of a split rule's payees, and of several runs, add up.
	type adjKey struct{ rule, period string }
	merged := map[adjKey]*Booking{}
	parts := map[adjKey][]Booking{}
	var adjustments []*Booking
	for _, b := range in.Bookings {
		if b.Kind != "adjustment" {
			continue
		}
		k := adjKey{b.Rule, b.Period}
		parts[k] = append(parts[k], b)
		if m := merged[k]; m != nil {
			m.BaseDelta, m.Amount, m.Version = m.BaseDelta.Add(b.BaseDelta), m.Amount.Add(b.Amount), b.Version
			continue
		}
		b := b
		merged[k] = &b
		adjustments = append(adjustments, &b)
	}
	for _, b := range adjustments {
		i := ruleIndex(s.Rules, b.Rule)
		if i < 0 {
			payee := b.Payee
			if r := c.Rule(b.Rule); r != nil && len(r.Payees) > 0 {
				payee = "" // a split rule: its payees are in the adjustment's bookings
			}
			s.Rules = append(s.Rules, RuleLine{Rule: b.Rule, Payer: b.Payer, Payee: payee, Base: exact(decimal.Zero),
				BaseByChannel: []Breakdown{}, BaseByProduct: []Breakdown{}, Gross: money(decimal.Zero), Caps: []CapLine{},
				Obligation: money(decimal.Zero), MinimumTrueUp: money(decimal.Zero), Adjustments: []Adjustment{},
				Entries: []int64{b.EntryID}, EventIDs: []int64{}})
			i = len(s.Rules) - 1
		}
		s.Rules[i].Adjustments = append(s.Rules[i].Adjustments, Adjustment{Period: b.Period, BaseDelta: exact(b.BaseDelta),
			ObligationDelta: money(b.Amount), Reason: adjustmentReason(parts[adjKey{b.Rule, b.Period}], exact), Entry: b.EntryID})
	}
	s.Pairs = pairs(c, in, cur)
	if !in.Final {
		s.Booking = draftBooking(in)
	}
	if len(c.Advances) > 0 || len(in.Advances) > 0 {
		s.Advances = &[]Advance{}
	}
	for _, a := range in.Advances {
		*s.Advances = append(*s.Advances, Advance{ID: a.ID, Payer: a.Payer, Payee: a.Payee, Date: a.Date.String(), Amount: money(a.Amount),
			RecoupedBefore: money(a.RecoupedBefore), Recouped: money(a.Recouped),
			UnrecoupedAfter: money(a.Amount.Sub(a.RecoupedBefore).Sub(a.Recouped))})
	}
	for _, a := range c.Amendments {
		if !a.Date.After(in.Period.Last()) {
			s.Amendments = append(s.Amendments, Amendment{Date: a.Date.String(), Note: a.Note})
		}
	}
	return s, s.Seal()
}

// draftBooking says whether the books lag the rules in the period: ""
// when a run through it would book nothing dated in it (in.Pending false:
// no accrual, minimum true-up, prior-period adjustment, advance or
// recoupment), else BookingNone when runs booked no accrual in the period
// yet and the engine's obligation and minimum true-up of some rule differ
// from that, BookingBehind otherwise. The period's own lines alone do not
// decide: a rule that moved to another payee or split keeps its total
// while its pairs change, a removed rule has no line, and an advance
// recoups without any rule changing.
func draftBooking(in StatementInput) string {
	if !in.Pending {
		return ""
	}
	booked := map[string]decimal.Decimal{}
	accruals := 0
	for _, b := range in.Bookings {
		if b.Kind != "adjustment" {
			booked[b.Rule] = booked[b.Rule].Add(b.Amount)
			accruals++
		}
	}
	if accruals == 0 {
		for _, l := range in.Lines {
			if !l.Obligation.Add(l.MinimumTrueUp).Equal(booked[l.Rule]) {
				return BookingNone
			}
		}
	}
	return BookingBehind
}

func ruleIndex(rs []RuleLine, rule string) int {
	for i, r := range rs {
		if r.Rule == rule {
			return i
		}
	}
	return -1
}

func breakdown(m map[string]decimal.Decimal, f func(decimal.Decimal) string) []Breakdown {
	out := []Breakdown{}
	for k, v := range m {
		out = append(out, Breakdown{Key: k, Base: f(v)})
	}
	SortBreakdown(out)
	return out
}

// pairs builds one settlement line per pair of parties with rules between
// them in the contract's version, and per other pair that the period books,
// pays or recoups between, or that holds a balance at its start: a pair an
// amendment left (a rule moved to another payee, a rule removed) keeps its
// line while the ledger still moves or holds something between the two, so
// that some statement shows its balance going back to zero (spec section 5:
// the closing balance equals the ledger's). Pairs come in the order of the
// contract's parties; a party the version no longer lists comes after them,
// by name.
func pairs(c *contracts.Contract, in StatementInput, cur string) []Pair {
	order := map[string]int{}
	for i, p := range c.Parties {
		order[p] = i
	}
	rank := func(p string) int {
		if i, ok := order[p]; ok {
			return i
		}
		return len(c.Parties)
	}
	less := func(a, b string) bool {
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		return rank(a) == len(c.Parties) && a < b
	}
	seen := map[[2]string]bool{}
	var keys [][2]string
	add := func(a, b string) {
		if a == b {
			return
		}
		if less(b, a) {
			a, b = b, a
		}
		k := [2]string{a, b}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for _, r := range c.Rules {
		for _, payee := range r.PayeeParties() {
			add(r.Payer, payee)
		}
	}
	booked := map[[2]string]decimal.Decimal{}
	for _, b := range in.Bookings {
		k := [2]string{b.Payer, b.Payee}
		booked[k] = booked[k].Add(b.Amount)
		add(b.Payer, b.Payee)
	}
	for _, m := range []map[[2]string]decimal.Decimal{in.Paid, in.Recouped} {
		for k, v := range m {
			if !v.IsZero() {
				add(k[0], k[1])
			}
		}
	}
	for k, v := range in.Opening {
		if !v.Equal(in.Opening[[2]string{k[1], k[0]}]) { // a balance net of both directions
			add(k[0], k[1])
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return less(keys[i][0], keys[j][0])
		}
		return less(keys[i][1], keys[j][1])
	})
	out := []Pair{}
	for _, k := range keys {
		a, b := k[0], k[1]
		ab, ba := [2]string{a, b}, [2]string{b, a}
		f := PairFlows{A: a, B: b, Booked: booked[ab], ReverseBook: booked[ba],
			Paid: in.Paid[ab].Sub(in.Paid[ba]), Opening: in.Opening[ab].Sub(in.Opening[ba]),
			Recouped: in.Recouped[ab].Sub(in.Recouped[ba]), HasAdvances: len(c.Advances) > 0 || len(in.Recouped) > 0}
		out = append(out, NewPair(f, true, cur))
	}
	return out
}
