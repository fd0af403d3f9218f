// Package reports builds what auditors and finance teams read: period
// statements and their renderings. It is pure: callers gather the numbers
// (from the engine and the ledger) and reports shapes and renders them.
package reports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// Statement is one contract's statement for one period (spec section 5).
// Field names of the JSON form are part of the product's interface.
type Statement struct {
	Contract        string     `json:"contract"`
	ContractName    string     `json:"contract_name"`
	ContractVersion int        `json:"contract_version"`
	Period          PeriodInfo `json:"period"`
	Status          string     `json:"status"` // draft | final
	Currency        string     `json:"currency"`
	Rules           []RuleLine `json:"rules"`
	Pairs           []Pair     `json:"pairs"`
	// Advances is set (possibly to an empty list) for a contract with
	// advances: those dated on or before the period's last day. A pointer,
	// so that a contract without advances has no "advances" key at all.
	Advances   *[]Advance  `json:"advances,omitempty"`
	Amendments []Amendment `json:"amendments"`
	// Booking is set on a draft exactly when a run through the period
	// would book something dated in it (a rule's accrual or minimum
	// true-up, a prior-period adjustment, an advance or a recoupment;
	// books.Pending): BookingNone when no run booked an obligation in it
	// yet, BookingBehind when the books are behind (usage or the contract
	// changed since the last run). The rules are what a run would book; the
	// pairs are the ledger.
	Booking string `json:"booking,omitempty"`
	Hash    string `json:"hash"`

	// Stored is the JSON body a final statement was stored with at its
	// close (nil for a statement built now): its JSON rendering is these
	// bytes, whatever fields later versions of this type add.
	Stored []byte `json:"-"`
}

// A draft statement's Booking.
const (
	BookingNone   = "none"
	BookingBehind = "behind"
)

// BookingText says, for people, what a draft's Booking means ("" when it
// is unset): the statement's rules and its settlement disagree until a run
// books the period.
func (s *Statement) BookingText() string {
	switch s.Booking {
	case BookingNone:
		return fmt.Sprintf("Nothing is booked for %s yet: the rules show what a run through %s would book; the settlement shows the ledger, which holds none of it.", s.Period.Label, s.Period.Label)
	case BookingBehind:
		return fmt.Sprintf("The books are behind the rules for %s (usage or the contract changed since the last run): the rules show what a run through %s would book; the settlement shows what is booked.", s.Period.Label, s.Period.Label)
	}
	return ""
}

// ParseStored reads a final statement's stored JSON body, keeping the bytes.
func ParseStored(body []byte) (*Statement, error) {
	var s Statement
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, err
	}
	s.Stored = body
	return &s, nil
}

// Title is the contract's name, or its id when it has none.
func (s *Statement) Title() string {
	if s.ContractName != "" {
		return s.ContractName
	}
	return s.Contract
}

// Days is the period's span as shown: "2026-03-01 to 2026-03-31", with the
// time zone when known.
func (p PeriodInfo) Days() string {
	d := p.Start + " to " + p.End
	if p.Timezone != "" {
		d += " (" + p.Timezone + ")"
	}
	return d
}

// eventsText is "1 event" or "n events".
func eventsText(n int) string { return spelling.Count(n, "event", "events") }

// PeriodInfo is a period's label and its first and last day (inclusive),
// local days of the contract's time zone.
type PeriodInfo struct {
	Label    string `json:"label"`
	Start    string `json:"start"`
	End      string `json:"end"`
	Timezone string `json:"timezone,omitempty"` // absent in statements stored before it was added
}

// RuleLine is one rule's obligation for the period.
type RuleLine struct {
	Rule          string       `json:"rule"`
	Payer         string       `json:"payer"`
	Payee         string       `json:"payee"`
	Rate          string       `json:"rate,omitempty"`
	Tiers         []Tier       `json:"tiers,omitempty"`
	TierWindow    string       `json:"tier_window,omitempty"`
	Base          string       `json:"base"`
	Events        int          `json:"events"`
	BaseByChannel []Breakdown  `json:"base_by_channel"`
	BaseByProduct []Breakdown  `json:"base_by_product"`
	Gross         string       `json:"gross"`
	Caps          []CapLine    `json:"caps"`
	Obligation    string       `json:"obligation"`
	RefundFloor   string       `json:"refund_floor,omitempty"` // set when a refund was cut to give back no more than this, consumed before
	MinimumTrueUp string       `json:"minimum_true_up"`
	Splits        []Split      `json:"splits,omitempty"` // a split rule's parts of obligation + minimum true-up
	Adjustments   []Adjustment `json:"adjustments"`
	Entries       []int64      `json:"entries"`   // journal entries booked in this period for this rule
	EventIDs      []int64      `json:"event_ids"` // the events behind the base
}

// PayeeText is the rule's payee, or a split rule's payees joined by ", ".
func (r RuleLine) PayeeText() string {
	if len(r.Splits) == 0 {
		return r.Payee
	}
	names := make([]string, len(r.Splits))
	for i, sp := range r.Splits {
		names[i] = sp.Payee
	}
	return strings.Join(names, ", ")
}

// Name is the cap's kind, preceded by "shared <id> " for a shared cap.
func (c CapLine) Name() string {
	if c.Shared == "" {
		return c.Kind
	}
	return "shared " + c.Shared + " " + c.Kind
}

// AdvanceList returns the statement's advances (nil without any).
func (s *Statement) AdvanceList() []Advance {
	if s.Advances == nil {
		return nil
	}
	return *s.Advances
}

// HasRecouped reports whether the pairs carry recoupments (the contract has
// advances).
func (s *Statement) HasRecouped() bool {
	for _, p := range s.Pairs {
		if p.Recouped != "" {
			return true
		}
	}
	return false
}

// Tier is one graduated rate band.
type Tier struct {
	UpTo string `json:"up_to,omitempty"`
	Rate string `json:"rate"`
}

// Breakdown is a part of the base.
type Breakdown struct {
	Key  string `json:"key"`
	Base string `json:"base"`
}

// CapLine shows one cap: where it stood before the period, what the period
// consumed, what remains, and whether it bound (cut the obligation) here.
type CapLine struct {
	Shared         string `json:"shared,omitempty"` // a shared cap's id
	Kind           string `json:"kind"`             // total | per_year | per_period
	Limit          string `json:"limit"`
	ConsumedBefore string `json:"consumed_before"`
	Applied        string `json:"applied"`
	RemainingAfter string `json:"remaining_after"`
	Binds          bool   `json:"binds"`
}

// Split is one payee's part of a split rule's total for the period.
type Split struct {
	Payee  string `json:"payee"`
	Share  string `json:"share"`
	Amount string `json:"amount"`
}

// Advance is one recoupable advance as of the statement's period:
// unrecouped_after = amount − recouped_before − recouped.
type Advance struct {
	ID              string `json:"id"`
	Payer           string `json:"payer"`
	Payee           string `json:"payee"`
	Date            string `json:"date"`
	Amount          string `json:"amount"`
	RecoupedBefore  string `json:"recouped_before"`
	Recouped        string `json:"recouped"`
	UnrecoupedAfter string `json:"unrecouped_after"`
}

// Adjustment is a prior-period adjustment booked in this statement's period.
type Adjustment struct {
	Period          string `json:"period"`
	BaseDelta       string `json:"base_delta"`
	ObligationDelta string `json:"obligation_delta"`
	Reason          string `json:"reason"`
	Entry           int64  `json:"entry"`
}

// Pair is the settlement view of two parties for the period.
type Pair struct {
	Payer              string `json:"payer"`
	Payee              string `json:"payee"`
	Obligations        string `json:"obligations"`
	ReverseObligations string `json:"reverse_obligations"`
	Net                string `json:"net"`
	OpeningBalance     string `json:"opening_balance"`
	Payments           string `json:"payments"`
	Recouped           string `json:"recouped,omitempty"` // with advances: recouped from payer's obligations to payee in the period
	ClosingBalance     string `json:"closing_balance"`
}

// Amendment is an entry of the contract's history.
type Amendment struct {
	Date string `json:"date"`
	Note string `json:"note"`
}

// PairFlows are the ledger's figures for one ordered pair of parties (from
// A to B) needed by a statement: what the period booked from A to B, what A
// paid B in the period, and the net payable A→B at the period's start.
type PairFlows struct {
	A, B        string
	Booked      decimal.Decimal // obligations, true-ups and adjustments booked A→B in the period
	ReverseBook decimal.Decimal // the same B→A
	Paid        decimal.Decimal // payments A→B in the period, less payments B→A
	Opening     decimal.Decimal // net payable A→B at the period's start (negative: B owes A)
	// Recouped is what advances A paid B recouped in the period, less what
	// advances B paid A recouped; shown when HasAdvances.
	Recouped    decimal.Decimal
	HasAdvances bool
}

// NewPair orients a pair so that the payer is the party whose obligations
// in the period are the larger (on a tie, partiesOrder decides: A first
// when aFirst), and fills every figure in the contract's currency.
func NewPair(f PairFlows, aFirst bool, currency string) Pair {
	if f.ReverseBook.GreaterThan(f.Booked) || (f.ReverseBook.Equal(f.Booked) && !aFirst) {
		f = PairFlows{A: f.B, B: f.A, Booked: f.ReverseBook, ReverseBook: f.Booked, Paid: f.Paid.Neg(), Opening: f.Opening.Neg(),
			Recouped: f.Recouped.Neg(), HasAdvances: f.HasAdvances}
	}
	net := f.Booked.Sub(f.ReverseBook)
	closing := f.Opening.Add(net).Sub(f.Paid).Sub(f.Recouped)
	m := func(x decimal.Decimal) string { return ledger.FormatMoney(x, currency) }
	p := Pair{
		Payer: f.A, Payee: f.B,
		Obligations: m(f.Booked), ReverseObligations: m(f.ReverseBook), Net: m(net),
		OpeningBalance: m(f.Opening), Payments: m(f.Paid), ClosingBalance: m(closing),
	}
	if f.HasAdvances {
		p.Recouped = m(f.Recouped)
	}
	return p
}

// Seal computes the statement's hash over its canonical JSON without the
// hash, and stores it in Hash.
func (s *Statement) Seal() error {
	h, err := s.ComputeHash()
	if err != nil {
		return err
	}
	s.Hash = h
	return nil
}

// ComputeHash returns SHA-256 of the statement's canonical JSON (Hash empty).
func (s *Statement) ComputeHash() (string, error) {
	c := *s
	c.Hash, c.Stored = "", nil
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// SortBreakdown orders a breakdown by key, for stable output.
func SortBreakdown(b []Breakdown) {
	sort.Slice(b, func(i, j int) bool { return b[i].Key < b[j].Key })
}
