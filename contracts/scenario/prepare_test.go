package scenario

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// quarterly is a quarterly contract with one rule that has no start date.
const quarterly = `
contract:
  id: q
  currency: EUR
  period: quarter
  parties: [a, b]
  rules:
    - id: r
      payer: a
      payee: b
      match: {seller: a}
      rate: "0.5"
`

// TestPrepareBad lists the problems found against the contract, exact text.
func TestPrepareBad(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		src  Sources
		want []string
	}{
		{"periods of another frequency", quarterly + `
start_period: 2027-01
horizon: 2030-12
streams: [{match: {seller: a}, start: "1"}]
`, Sources{}, []string{
			`horizon: "2030-12" is a month but the contract's periods are quarters (e.g. 2030-Q4)`,
			`start_period: "2027-01" is a month but the contract's periods are quarters (e.g. 2027-Q1)`,
		}},
		{"years for months", smallContract("10") + `
start_period: 2027
horizon: 2030
streams: [{match: {seller: seller}, start: "1"}]
`, Sources{}, []string{
			`horizon: "2030" is a year but the contract's periods are months (e.g. 2030-12)`,
			`start_period: "2027" is a year but the contract's periods are months (e.g. 2027-01)`,
		}},
		{"no start date", quarterly + `
horizon: 2030-Q4
streams: [{match: {seller: a}, start: "1"}]
`, Sources{}, []string{`start_period: required: the contract's rules have no start date`}},
		{"horizon before start", quarterly + `
start_period: 2027-Q1
horizon: 2026-Q4
streams: [{match: {seller: a}, start: "1"}]
`, Sources{}, []string{`horizon: 2026-Q4 is before the first projected period 2027-Q1`}},
		{"too many periods", quarterly + `
start_period: 1900-Q1
horizon: 2200-Q4
streams: [{match: {seller: a}, start: "1"}]
`, Sources{}, []string{`horizon: 1900-Q1 to 2200-Q4 is more than 1200 periods`}},
		{"actuals without a database", smallContract("10") + `
actuals_through: 2027-03
horizon: 2027-12
streams: [{match: {seller: seller}, start: "1"}]
`, Sources{}, []string{`actuals_through: actuals need a database here`}},
		{"actuals past the books", smallContract("10") + `
actuals_through: 2027-03
horizon: 2027-12
streams: [{match: {seller: seller}, start: "1"}]
`, booked(ledger.Date{Year: 2027, Month: 1, Day: 31}), []string{
			`actuals_through: 2027-03 is past the last booked period 2027-01 (the books reach 2027-01-31: the latest run's through or entry's date): import and run it first`}},
		{"actuals with nothing booked", smallContract("10") + `
actuals_through: 2027-03
horizon: 2027-12
streams: [{match: {seller: seller}, start: "1"}]
`, booked(ledger.Date{}), []string{`actuals_through: 2027-03 is past the last booked period: nothing is booked yet`}},
		{"bad variants", smallContract("10") + `
horizon: 2027-12
streams: [{match: {seller: seller}, start: "1"}]
variants:
  - name: ok
    set: {rules.share.rate: "0.2"}
  - name: no-such-rule
    set: {rules.nope.rate: "0.2", rules.share.rate.x: "1"}
  - name: invalid
    set: {rules.share.rate: "2", rules.share.cap.total: "-1"}
`, Sources{}, []string{
			`variants[1] (no-such-rule).set[rules.nope.rate]: the contract has no rule "nope"`,
			`variants[1] (no-such-rule).set[rules.share.rate.x]: rule "share": rate is not a mapping`,
			`variants[2] (invalid): contract: rules[0].rate: 2 is outside [0, 1] (a rate is a fraction: if 2% is meant, write 0.02)`,
			`variants[2] (invalid): contract: rules[0].cap.total: -1 is negative`,
		}},
		{"too many runs", smallContract("10") + `
horizon: 2027-12
streams: [{match: {seller: seller}, start: "1"}]
sweep: {growth.monthly: ["0.01", "0.02", "0.03", "0.04", "0.05", "0.06", "0.07", "0.08", "0.09", "0.10", "0.11"]}
monte_carlo: {runs: 1000000, seed: 1, growth.monthly: {dist: normal, mean: "0.01", sd: "0.01"}}
`, Sources{}, []string{`monte_carlo.runs: 1000000 runs × 11 variants is more than 10000000 runs in all`}},
		{"invalid inline contract", `
contract:
  id: bad
  currency: XXX
  period: month
  parties: [a]
  rules: []
horizon: 2027-12
streams: [{match: {seller: a}, start: "1"}]
`, Sources{}, []string{
			`contract.currency: "XXX" is not an ISO 4217 currency code`,
			`contract.rules: must be a non-empty list of rules`,
		}},
		{"forecast periods", smallContract("10") + `
horizon: 2027-12
streams:
  - forecast: forecast-good.csv
`, Sources{}, []string{
			`streams[0].forecast: forecast-good.csv line 2: period "2027-Q1" is not a contract period (want a month like 2027-01)`,
			`streams[0].forecast: forecast-good.csv line 3: period "2027-Q2" is not a contract period (want a month like 2027-01)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse([]byte(tt.doc), ParseOptions{ReadFile: testdataReader})
			if err != nil {
				t.Fatal(err)
			}
			_, err = Prepare(context.Background(), s, tt.src)
			checkProblems(t, err, tt.want)
		})
	}
}

type fakeContracts map[string]string

func (f fakeContracts) Contract(ctx context.Context, id string) (*contracts.Contract, error) {
	doc, ok := f[id]
	if !ok {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "no contract %q", id)
	}
	return contracts.Parse([]byte(doc))
}

func TestContractByID(t *testing.T) {
	src := Sources{Contracts: fakeContracts{"q": strings.TrimPrefix(strings.ReplaceAll(quarterly, "\n  ", "\n"), "\ncontract:")}}
	res := runScenario(t, `
contract: q
start_period: 2027-Q1
horizon: 2027-Q4
streams:
  - match: {seller: a}
    start: "100.00"
    growth: {annual: "0.21"}
`, src)
	// Per quarter (1.21)^(1/4) − 1 = 0.048808848170151547: revenue 100.00,
	// 104.88, 110.00 (exactly 1.1 × 100), 115.37; half of each, half up
	// (57.685 → 57.69).
	var got []string
	for _, p := range res.Variants[0].Periods {
		got = append(got, p.Period+" "+p.Obligations)
	}
	want := []string{"2027-Q1 50.00", "2027-Q2 52.44", "2027-Q3 55.00", "2027-Q4 57.69"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("periods %v, want %v", got, want)
	}
	if res.Currency != "EUR" || res.Period != "quarter" || len(res.Variants[0].Caps) != 0 {
		t.Errorf("result %+v", res)
	}
	s, _ := Parse([]byte("contract: nope\nhorizon: 2027-Q4\nstreams: [{match: {seller: a}, start: \"1\"}]\n"), ParseOptions{})
	if _, err := Prepare(context.Background(), s, src); ledger.ErrorCode(err) != ledger.ENOTFOUND {
		t.Errorf("unknown contract: err = %v", err)
	}
}

// booked is the Sources of a database whose books reach d; its actuals
// are never read.
func booked(d ledger.Date) Sources {
	return Sources{
		Actuals: EvaluatedActuals(func(context.Context, *contracts.Contract, ledger.Period) (*contracts.Result, error) {
			return nil, errors.New("actuals read")
		}),
		Booked: func(context.Context) (ledger.Date, error) { return d, nil },
	}
}

// TestPrepareMaxWork: Sources.MaxWork refuses a scenario whose periods ×
// runs × variants is above it, before its history is read (the actuals
// source here fails if read), and takes one exactly at it.
func TestPrepareMaxWork(t *testing.T) {
	const doc = `
actuals_through: 2027-02
horizon: 2027-06
` + growingStream + `variants:
  - name: base
  - name: cap-10
    set: {rules.share.cap.total: "10"}
  - name: cap-20
    set: {rules.share.cap.total: "20"}
monte_carlo:
  runs: 4
  seed: 1
  growth.monthly: {dist: normal, mean: "0.04", sd: "0.01"}
`
	// 2027-01 .. 2027-06: 6 periods × 4 runs × 3 variants × 1 rule = 72.
	s, err := Parse([]byte(smallContract("50")+doc), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	src := booked(ledger.Date{Year: 2027, Month: 3, Day: 10})
	src.MaxWork = 71
	_, err = Prepare(context.Background(), s, src)
	var we *WorkError
	if !errors.As(err, &we) || ledger.ErrorCode(err) != ledger.EINVALID {
		t.Fatalf("err = %v, want a *WorkError (invalid)", err)
	}
	if want := "6 periods × 4 runs × 3 variants × 1 rule is 72 rule evaluations, more than the 71 allowed here"; err.Error() != want || ledger.ErrorMessage(err) != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	// Without Monte Carlo a variant is one run; one of each reads "1 run".
	one, err := Parse([]byte(smallContract("50")+"start_period: 2027-01\nhorizon: 2126-12\n"+growingStream), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLimit(t, one, 1200, "1,200 periods × 1 run × 1 variant × 1 rule is 1,200 rule evaluations, more than the 1,199 allowed here")
	// Each period evaluates every rule: the same scenario over a contract
	// of three rules is three times the work.
	three := strings.Replace(smallContract("50"), "  rules:\n", `  rules:
    - id: second
      payer: seller
      payee: payee
      match: {seller: seller}
      rate: "0.05"
    - id: third
      payer: seller
      payee: payee
      match: {seller: seller}
      rate: "0.01"
`, 1)
	more, err := Parse([]byte(three+"start_period: 2027-01\nhorizon: 2126-12\n"+growingStream), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantLimit(t, more, 3600, "1,200 periods × 1 run × 1 variant × 3 rules is 3,600 rule evaluations, more than the 3,599 allowed here")
}

// wantLimit checks that s is refused with the text want one evaluation
// under its work, and prepared at exactly its work.
func wantLimit(t *testing.T, s *Scenario, work int64, want string) {
	t.Helper()
	if _, err := Prepare(context.Background(), s, Sources{MaxWork: work - 1}); err == nil || err.Error() != want {
		t.Errorf("limit %d: err = %v\nwant  %s", work-1, err, want)
	}
	if _, err := Prepare(context.Background(), s, Sources{MaxWork: work}); err != nil {
		t.Errorf("at the limit %d: %v", work, err)
	}
}
