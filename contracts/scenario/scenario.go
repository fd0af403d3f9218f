// Package scenario projects a contract's obligations forward for analysts
// (spec section 8): when does each cap bind, what is paid per year and by the
// horizon, under which growth. Projected revenue per stream is turned into
// bases per (rule, period) and evaluated by the contract obligation engine,
// the same one that computes real statements. Scenarios never write to the
// ledger.
package scenario

import (
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// Limits on what a scenario file may ask for.
const (
	MaxDocumentBytes = 1 << 20  // a scenario file (forecast CSVs apart)
	MaxPeriods       = 1200     // projected periods (100 years of months)
	MaxStreams       = 1000     // streams per scenario
	MaxVariants      = 10000    // variants after the sweep grid is expanded
	MaxRuns          = 1000000  // Monte Carlo runs per variant
	MaxRunsTotal     = 10000000 // Monte Carlo runs over all variants
	MaxForecastRows  = 1000000  // rows of one forecast CSV
	MaxForecastBytes = 64 << 20 // bytes of one forecast CSV (its rows, at 64 bytes each)
	MaxFracDigits    = 18       // fractional digits of any decimal in a scenario
	DrawDigits       = 6        // a Monte Carlo draw is rounded to this many fractional digits
	RootDigits       = 18       // an annual rate converted to a per-period rate keeps this many digits

	// MaxRequestWork is the most work Service.Evaluate (the REST API's
	// POST /scenarios) takes on: evaluated periods × Monte Carlo runs
	// (1 without) × variants × the contract's rules. Each of the limits
	// above may be reached alone, but together they make a request of
	// minutes to hours (1,200 periods × 1,000,000 runs keeps a core busy
	// for about half an hour). The demo contract (two rules, two streams)
	// evaluates about 770,000 periods a second on one core, 1,540,000 rule
	// evaluations, so 40,000,000 is about 25 s of one core's work, half of
	// that with both of a two-core server's; a contract of 20 rules gets a
	// tenth of the demo's periods, since each period costs ten times as
	// much. The command line has no such limit (Sources.MaxWork is 0 there).
	MaxRequestWork = 40_000_000
)

// Scenario is a parsed, syntactically valid scenario file. Checks that need
// the contract (rule ids in override paths, period labels against the
// contract's frequency) happen in Prepare.
type Scenario struct {
	Name           string
	Contract       ContractRef
	ActualsThrough *ledger.Period // nil: no actuals
	StartPeriod    *ledger.Period // nil: the period of the contract's earliest rule start
	Horizon        ledger.Period
	Streams        []Stream
	Variants       []Variant   // as written; nil means one variant named "base"
	Sweep          []SweepAxis // in file order: the first key is the outermost loop
	MonteCarlo     *MonteCarlo // nil: deterministic only

	lines lineIndex // where each path is in the file (nil for a Scenario not parsed)
}

// ContractRef names the contract: by id (read through a ContractSource) or
// inline (the contract document, re-encoded as YAML).
type ContractRef struct {
	ID       string
	Document []byte
}

// Stream is one projected revenue stream: either start and growth, or a
// forecast read from CSV.
type Stream struct {
	Match    Match
	Start    decimal.Decimal
	Growth   Growth
	Forecast string        // the CSV path as written (empty for start/growth streams)
	Rows     []ForecastRow // the forecast's rows, when Forecast is set
}

// IsForecast reports whether the stream's revenue comes from a forecast CSV.
func (s *Stream) IsForecast() bool { return s.Forecast != "" }

// Match fixes attributes of a stream's revenue: field (seller, channel,
// customer, product, region) to one value.
type Match map[string]string

// MatchFields are the attributes a stream or rule may match on, in the
// order they are printed.
var MatchFields = []string{"seller", "channel", "customer", "product", "region"}

// Growth is a constant compounding rate.
type Growth struct {
	Basis string          // "monthly" or "annual"
	Rate  decimal.Decimal // per month or per year
}

// ForecastRow is one row of a forecast CSV: revenue of a match in a period.
type ForecastRow struct {
	Line   int
	Period string // label as written, checked against the contract in Prepare
	Match  Match
	Amount decimal.Decimal
}

// Variant is a named set of overrides.
type Variant struct {
	Name string
	Set  []Override // in file order

	line int // of the variant in the file, for its problems
}

// Override sets (or, with Delete, removes) one field by path.
type Override struct {
	Path   string
	Value  string
	Delete bool // the value was null: remove the field (e.g. rules.r.cap.total: null)

	line int // of the override (or sweep value) in the file, for its problems
}

// SweepAxis is one key of the sweep grid.
type SweepAxis struct {
	Path   string
	Values []string

	lines []int // of each value in the file, for its problems
}

// MonteCarlo draws growth rates per run.
type MonteCarlo struct {
	Runs  int
	Seed  uint64
	Draws []Draw // in file order
}

// Draw is the distribution of one growth path.
type Draw struct {
	Path string // growth.monthly, growth.annual, streams[i].growth.monthly|annual
	Dist string // normal or lognormal
	Mean decimal.Decimal
	SD   decimal.Decimal
}
