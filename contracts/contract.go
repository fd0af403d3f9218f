// Package contracts holds the revenue-share contract model (spec section 3):
// parsing and validation of the YAML (or JSON) contract document, and the
// obligation engine (spec section 4), a pure function of a contract, its
// events and FX rates. The package does no I/O: callers hand it bytes,
// events and rates.
package contracts

import (
	"slices"
	"time"
	_ "time/tzdata" // time zones work on machines without a zoneinfo database

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// TierWindow is the window over which graduated tiers accumulate base.
type TierWindow string

const (
	TierLifetime TierWindow = "lifetime" // cumulative since the rule's first period
	TierYear     TierWindow = "year"     // cumulative within the calendar year (contract time zone); the default
	TierPeriod   TierWindow = "period"   // each period starts from zero
)

// FXRule says which date picks the exchange rate of a foreign-currency event.
type FXRule string

const (
	FXEventDate FXRule = "event_date" // the latest rate on or before the event's date (the default)
	FXPeriodEnd FXRule = "period_end" // the latest rate on or before the period's last day
)

// CapKind names a cap on a rule's obligations.
type CapKind string

const (
	CapPerPeriod CapKind = "per_period"
	CapPerYear   CapKind = "per_year"
	CapTotal     CapKind = "total"
)

// Contract is a parsed and validated revenue-share contract (spec section 3).
// Build one with Parse; a Contract that Parse returned is valid and must not
// be mutated.
type Contract struct {
	ID         string
	Name       string
	Currency   string           // ISO 4217
	Timezone   string           // IANA name; period boundaries are local midnights here
	Period     ledger.Frequency // statement frequency: month, quarter or year
	Rounding   ledger.Rounding  // half_up (default) or half_even
	Parties    []string
	Rules      []Rule
	SharedCaps []SharedCap // caps over the sum of several rules of one payer
	Advances   []Advance   // recoupable advances paid up front
	Amendments []Amendment

	loc *time.Location
}

// Rule is one revenue-share rule: Payer pays Payee a share of the revenue of
// the events it matches, inside its window.
type Rule struct {
	ID    string
	Payer string
	Payee string // empty when Payees splits the rule
	Match Match

	// Payees, when set (two or more, or one with share 1), splits the
	// rule's total for each period between payees; Payee is then empty.
	Payees []Split

	// Exactly one of Rate and Tiers is set.
	Rate       *decimal.Decimal
	Tiers      []Tier
	TierWindow TierWindow // meaningful with Tiers; defaults to year

	// The window: From inclusive (zero: open start), Until exclusive (zero:
	// open-ended). Through is the inclusive end as written; when it is set,
	// Until is Through+1 day.
	From    ledger.Date
	Through ledger.Date
	Until   ledger.Date

	Cap     Cap
	Minimum Minimum
	FXRule  FXRule // defaults to event_date
}

// Match selects events by exact, case-sensitive comparison. A nil or empty
// list does not filter; a list matches any of its values.
type Match struct {
	Seller   []string
	Channel  []string
	Customer []string
	Product  []string
	Region   []string
}

// Tier is one graduated rate: the slice of cumulative base up to UpTo
// (above the previous tier's UpTo) earns Rate. Only the last tier may have a
// nil UpTo (no upper bound).
type Tier struct {
	UpTo *decimal.Decimal
	Rate decimal.Decimal
}

// Cap limits a rule's obligations; nil fields are not configured.
type Cap struct {
	Total     *decimal.Decimal // lifetime
	PerYear   *decimal.Decimal // calendar year in the contract's time zone
	PerPeriod *decimal.Decimal // each statement period
}

// Minimum is a minimum guarantee; nil PerYear means none.
type Minimum struct {
	PerYear *decimal.Decimal
}

// Split is one payee's share of a split rule. The shares of a rule are
// above zero and sum to exactly 1.
type Split struct {
	Party string
	Share decimal.Decimal
}

// SharedCap is one cap over the sum of the obligations of several rules of
// the same payer (spec section 4 step 5). At least one limit is set.
type SharedCap struct {
	ID    string
	Rules []string // rule ids, as written
	Cap   Cap
}

// Caps returns the shared cap's limits in the order they apply
// (per_period, per_year, total).
func (s *SharedCap) Caps() []CapLimit { return s.Cap.limits() }

// Advance is a recoupable advance: Payer paid Payee Amount on Date, and
// what the RecoupFrom rules owe Payee from the period of Date on recoups it
// (spec section 4 step 7).
type Advance struct {
	ID         string
	Payer      string
	Payee      string
	Date       ledger.Date
	Amount     decimal.Decimal
	RecoupFrom []string // rule ids whose payer→payee obligations recoup it
}

// Amendment is one entry of the contract's history, shown on statements.
type Amendment struct {
	Date ledger.Date
	Note string
}

// Location returns the contract's time zone.
func (c *Contract) Location() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// Rule returns the rule with the given id, or nil.
func (c *Contract) Rule(id string) *Rule {
	for i := range c.Rules {
		if c.Rules[i].ID == id {
			return &c.Rules[i]
		}
	}
	return nil
}

// PeriodOf returns the contract period that contains date d.
func (c *Contract) PeriodOf(d ledger.Date) ledger.Period { return ledger.PeriodOf(c.Period, d) }

// Periods returns the contract's periods from the one containing from's
// start through the one containing through's start, in order. Both
// arguments may be of any frequency; an empty slice comes back when from is
// after through.
func (c *Contract) Periods(from, through ledger.Period) []ledger.Period {
	first := c.PeriodOf(from.Start())
	last := c.PeriodOf(through.Start())
	var out []ledger.Period
	for p := first; !last.Before(p); p = p.Next() {
		out = append(out, p)
	}
	return out
}

// FirstPeriod is the contract's period that holds the earliest rule start,
// or false when no rule has a start.
func (c *Contract) FirstPeriod() (ledger.Period, bool) {
	var first ledger.Date
	for _, r := range c.Rules {
		if !r.From.IsZero() && (first.IsZero() || r.From.Before(first)) {
			first = r.From
		}
	}
	if first.IsZero() {
		return ledger.Period{}, false
	}
	return c.PeriodOf(first), true
}

// OpenStart reports whether a rule of c has no start date: its window
// overlaps every period before its first event too, so c's statements
// begin with the period of the first event such a rule counts.
func (c *Contract) OpenStart() bool {
	for _, r := range c.Rules {
		if r.From.IsZero() {
			return true
		}
	}
	return false
}

// InWindow reports whether date d lies inside the rule's window.
func (r *Rule) InWindow(d ledger.Date) bool {
	if !r.From.IsZero() && d.Before(r.From) {
		return false
	}
	return r.Until.IsZero() || d.Before(r.Until)
}

// Overlaps reports whether the rule's window overlaps period p.
func (r *Rule) Overlaps(p ledger.Period) bool {
	if !r.Until.IsZero() && !p.Start().Before(r.Until) {
		return false
	}
	return r.From.IsZero() || r.From.Before(p.End())
}

// Matches reports whether the rule's match selects the event: every field
// given in the match equals (exactly, case-sensitively) the event's value,
// or one of the values of a list.
func (r *Rule) Matches(e *ledger.Event) bool {
	m := &r.Match
	return matchOne(m.Seller, e.Seller) && matchOne(m.Channel, e.Channel) &&
		matchOne(m.Customer, e.Customer) && matchOne(m.Product, e.Product) &&
		matchOne(m.Region, e.Region)
}

// matchesAny reports whether any rule of c matches e (whatever its dates).
func (c *Contract) matchesAny(e *ledger.Event) bool {
	for i := range c.Rules {
		if c.Rules[i].Matches(e) {
			return true
		}
	}
	return false
}

func matchOne(want []string, got string) bool {
	return len(want) == 0 || slices.Contains(want, got)
}

// Caps returns the rule's configured caps in the order they apply
// (per_period, per_year, total), with their limits.
func (r *Rule) Caps() []CapLimit { return r.Cap.limits() }

func (c Cap) limits() []CapLimit {
	var out []CapLimit
	if c.PerPeriod != nil {
		out = append(out, CapLimit{CapPerPeriod, *c.PerPeriod})
	}
	if c.PerYear != nil {
		out = append(out, CapLimit{CapPerYear, *c.PerYear})
	}
	if c.Total != nil {
		out = append(out, CapLimit{CapTotal, *c.Total})
	}
	return out
}

// PayeeParties returns the rule's payees: its Payee, or the parties of its
// split in order.
func (r *Rule) PayeeParties() []string {
	if len(r.Payees) == 0 {
		return []string{r.Payee}
	}
	out := make([]string, len(r.Payees))
	for i, s := range r.Payees {
		out[i] = s.Party
	}
	return out
}

// Pays reports whether the rule owes party (its payee, or one of its split
// payees).
func (r *Rule) Pays(party string) bool { return slices.Contains(r.PayeeParties(), party) }

// Advance returns the advance with the given id, or nil.
func (c *Contract) Advance(id string) *Advance {
	for i := range c.Advances {
		if c.Advances[i].ID == id {
			return &c.Advances[i]
		}
	}
	return nil
}

// CapLimit is one configured cap.
type CapLimit struct {
	Kind  CapKind
	Limit decimal.Decimal
}
