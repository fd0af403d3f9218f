package scenario

// Result is a scenario's answer: one VariantResult per variant, in the
// order of Scenario.Expand. JSON field names follow spec section 8;
// amounts are strings with the contract currency's minor units.
type Result struct {
	Name           string          `json:"name,omitempty"`
	Contract       string          `json:"contract"`
	Currency       string          `json:"currency"`
	Period         string          `json:"period"` // month, quarter or year
	ActualsThrough string          `json:"actuals_through,omitempty"`
	FirstProjected string          `json:"first_projected"`
	Horizon        string          `json:"horizon"`
	Variants       []VariantResult `json:"variants"`
	// Distribution repeats the first variant's Monte Carlo distribution at
	// the top level, where a reader of spec section 8 may also look for it.
	Distribution *Distribution `json:"distribution,omitempty"`
	Warnings     []string      `json:"warnings,omitempty"`

	omitted int // variants left out of a chart
}

// VariantResult is what one variant projects.
type VariantResult struct {
	Name  string       `json:"name"`
	Caps  []CapResult  `json:"caps"`
	Years []YearResult `json:"years"`
	// TotalPaid is the sum of every rule's obligations (minimum true-ups
	// included) from the first projected period through the horizon, plus
	// the actual periods' when actuals_through is given.
	TotalPaid string `json:"total_paid"`
	// Pairs splits TotalPaid by payer and payee.
	Pairs        []PairPaid    `json:"pairs"`
	ActualsPaid  string        `json:"actuals_paid,omitempty"` // the actual periods' part of TotalPaid
	Distribution *Distribution `json:"distribution,omitempty"`
	// Periods is the cumulative obligations per period (the chart's data).
	Periods []PeriodResult `json:"periods"`
	// Advances, for a contract with advances: each advance and the first
	// period that ends with it fully recouped.
	Advances []AdvanceResult `json:"advances,omitempty"`
}

// AdvanceResult is one advance of the contract and when it is recouped.
type AdvanceResult struct {
	ID         string `json:"id"`
	Payer      string `json:"payer"`
	Payee      string `json:"payee"`
	Date       string `json:"date"`
	Amount     string `json:"amount"`
	RecoupedBy string `json:"recouped_by"` // period label, or "never"
}

// PairPaid is what one payer pays one payee over the evaluated periods.
type PairPaid struct {
	Payer     string `json:"payer"`
	Payee     string `json:"payee"`
	TotalPaid string `json:"total_paid"`
}

// CapResult is one cap of one rule.
type CapResult struct {
	Rule string `json:"rule"` // the rule, or a shared cap's id
	// Shared and Rules are set for a shared cap: its id and its rules.
	Shared             string   `json:"shared,omitempty"`
	Rules              []string `json:"rules,omitempty"`
	Kind               string   `json:"kind"` // total, per_year or per_period
	Limit              string   `json:"limit"`
	BindsIn            string   `json:"binds_in"` // period label, or "never"
	RemainingAtHorizon string   `json:"remaining_at_horizon"`
}

// YearResult is the obligations of one calendar year, all rules together
// and per rule.
type YearResult struct {
	Year        int    `json:"year"`
	Obligations string `json:"obligations"`
	// With advances: CashPaid is Obligations less what they recouped in
	// the year (spec section 8; the advance payments are not counted), and
	// Recouped that recoupment.
	CashPaid string       `json:"cash_paid,omitempty"`
	Recouped string       `json:"recouped,omitempty"`
	Rules    []RuleAmount `json:"rules"`
}

// RuleAmount is one rule's share of a total.
type RuleAmount struct {
	Rule   string `json:"rule"`
	Amount string `json:"amount"`
}

// PeriodResult is one evaluated period: the obligations booked in it and
// cumulated since the first evaluated period, in total and per rule.
type PeriodResult struct {
	Period      string       `json:"period"`
	Actual      bool         `json:"actual,omitempty"` // from booked actuals, not projected
	Obligations string       `json:"obligations"`
	Cumulative  string       `json:"cumulative"`
	Rules       []RuleAmount `json:"rules"` // cumulative per rule
}

// Distribution summarises the Monte Carlo runs of a variant. Percentiles
// are nearest-rank over the sorted runs ("never" sorts after every period).
type Distribution struct {
	Runs      int                `json:"runs"`
	Cap       string             `json:"cap,omitempty"` // "<rule> <kind>": whose binding BindsIn describes
	BindsIn   PeriodPercentiles  `json:"binds_in"`
	ByYearEnd []YearProbability  `json:"binds_by_year_end"`
	TotalPaid AmountPercentiles  `json:"total_paid"`
	Pairs     []PairDistribution `json:"pairs"`
	Caps      []CapDistribution  `json:"caps"`
}

// PairDistribution is the distribution of what one payer pays one payee.
type PairDistribution struct {
	Payer     string            `json:"payer"`
	Payee     string            `json:"payee"`
	TotalPaid AmountPercentiles `json:"total_paid"`
}

// PeriodPercentiles are period labels or "never".
type PeriodPercentiles struct {
	P10 string `json:"p10"`
	P50 string `json:"p50"`
	P90 string `json:"p90"`
}

// AmountPercentiles are amounts.
type AmountPercentiles struct {
	P10 string `json:"p10"`
	P50 string `json:"p50"`
	P90 string `json:"p90"`
}

// YearProbability is the share of runs in which a cap has bound by the end
// of a year (a decimal in [0, 1]).
type YearProbability struct {
	Year        int    `json:"year"`
	Probability string `json:"probability"`
}

// CapDistribution is the binding distribution of one cap.
type CapDistribution struct {
	Rule string `json:"rule"` // the rule, or a shared cap's id
	// Shared and Rules are set for a shared cap: its id and its rules.
	Shared    string            `json:"shared,omitempty"`
	Rules     []string          `json:"rules,omitempty"`
	Kind      string            `json:"kind"`
	BindsIn   PeriodPercentiles `json:"binds_in"`
	ByYearEnd []YearProbability `json:"binds_by_year_end"`
}
