package scenario

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "scenario", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testdataReader(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("..", "..", "testdata", "scenario", name))
}

func TestParseSpecExample(t *testing.T) {
	s, err := Parse(readTestdata(t, "demo.yaml"), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	at := ledger.Period{Freq: ledger.Month, Year: 2026, Index: 3}
	want := &Scenario{
		Contract:       ContractRef{ID: "openai-microsoft"},
		ActualsThrough: &at,
		Horizon:        ledger.Period{Freq: ledger.Month, Year: 2030, Index: 12},
		Streams: []Stream{{
			Match:  Match{"seller": "openai"},
			Start:  decimal.RequireFromString("1000000000.00"),
			Growth: Growth{Basis: "monthly", Rate: decimal.RequireFromString("0.04")},
		}},
		Variants: []Variant{
			{Name: "base", line: 10},
			{Name: "cap-25bn", Set: []Override{{Path: "rules.openai-share-to-microsoft.cap.total", Value: "25000000000", line: 12}}, line: 11},
		},
		Sweep: []SweepAxis{{Path: "growth.monthly", Values: []string{"0.02", "0.04", "0.06"}, lines: []int{14, 14, 14}}},
		MonteCarlo: &MonteCarlo{Runs: 10000, Seed: 42, Draws: []Draw{{
			Path: "growth.monthly", Dist: "normal",
			Mean: decimal.RequireFromString("0.04"), SD: decimal.RequireFromString("0.015"),
		}}},
	}
	if s.lines["variants[1].set[rules.openai-share-to-microsoft.cap.total]"] != 12 {
		t.Errorf("line of variants[1]'s override: %d, want 12", s.lines["variants[1].set[rules.openai-share-to-microsoft.cap.total]"])
	}
	s.lines = nil // where each path is: TestScenarioProblemsNameTheLine
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", s, want)
	}
}

func TestParseInlineContractAndForecast(t *testing.T) {
	s, err := Parse([]byte(`
contract:
  id: c1
  currency: USD
horizon: 2027-Q4
streams:
  - forecast: forecast-good.csv
`), ParseOptions{ReadFile: testdataReader})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(s.Contract.Document), "id: c1\ncurrency: USD\n"; got != want {
		t.Errorf("inline contract = %q, want %q", got, want)
	}
	want := []ForecastRow{
		{Line: 2, Period: "2027-Q1", Match: Match{"seller": "openai", "channel": "azure"}, Amount: decimal.RequireFromString("100.50")},
		{Line: 3, Period: "2027-Q2", Match: Match{"seller": "openai"}, Amount: decimal.RequireFromString("200")},
	}
	if !reflect.DeepEqual(s.Streams[0].Rows, want) {
		t.Errorf("rows = %+v, want %+v", s.Streams[0].Rows, want)
	}
}

// TestParseBad lists every problem of each bad file, with its path, in
// document order (a missing key where its parent is; problems on one line
// in the order they are found).
func TestParseBad(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"empty", ``, []string{`not a YAML document: EOF`}},
		{"too big", "#" + strings.Repeat("x", 1<<20), []string{`document is 1048577 bytes, at most 1048576 allowed`}},
		{"not a mapping", `[1, 2]`, []string{`the scenario must be a mapping`}},
		{"everything wrong", `
contract: [a]
actuals_through: 2026-13
start_period: 2026-01
horizon: soon
colour: blue
streams:
  - match: {seller: [openai, microsoft], planet: mars}
    start: "-5"
    growth: {monthly: "abc", annual: "0.1"}
  - match: {seller: openai}
    growth: {monthly: "-1"}
  - match: {seller: openai}
    start: 1e9
    growth: {yearly: "0.1"}
`, []string{
			`contract: must be a contract id or an inline contract document`,
			`actuals_through: "2026-13" is not a period (want YYYY-MM, YYYY-Qn or YYYY)`,
			`horizon: "soon" is not a period (want YYYY-MM, YYYY-Qn or YYYY)`,
			`colour: unknown key (want one of name, description, contract, actuals_through, start_period, horizon, streams, variants, sweep, monte_carlo)`,
			`streams[0].match.planet: unknown key (want one of seller, channel, customer, product, region)`,
			`streams[0].match.seller: a stream fixes one value per field (use one stream per value)`,
			`streams[0].start: "-5" is negative`,
			`streams[0].growth: give monthly or annual, not both`,
			`streams[1].start: required (revenue in the first projected period), or give forecast instead`,
			`streams[1].growth.monthly: "-1" must be above -1`,
			`streams[2].start: "1e9": not a decimal number (exponents are not allowed)`,
			`streams[2].growth.yearly: unknown key (want one of monthly, annual)`,
			`streams[2].growth: needs monthly or annual`,
		}},
		{"actuals and start", `
contract: c
actuals_through: 2026-03
start_period: 2026-01
horizon: 2030-12
streams: []
`, []string{
			`start_period: not allowed with actuals_through (the projection starts the period after it)`,
			`streams: needs at least one stream`,
		}},
		{"variants, sweep and monte carlo", `
contract: c
horizon: 2030-12
streams:
  - match: {seller: openai}
    start: "100"
    growth: {monthly: "abc"}
  - forecast: f.csv
variants:
  - name: a
    set:
      rules.x: "1"
      streams[3].start: "5"
      streams[0].growth.monthly: "x"
      streams[1].start: "5"
      growth.weekly: "0.1"
      rules.r.cap.total: null
  - name: a
  - set:
      streams[0].start: null
sweep:
  growth.monthly: ["0.02", "x", "-2"]
  rules.r.rate: []
  colour: ["red"]
monte_carlo:
  runs: 0
  rules.r.rate: {dist: normal, mean: "0.2", sd: "0.01"}
  growth.monthly: {dist: uniform, mean: "-1", sd: "-0.1", skew: "1"}
`, []string{
			`streams[0].growth.monthly: "abc": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`,
			`streams[1].forecast: forecast files cannot be read here`,
			`variants[0].set[rules.x]: unknown path "rules.x" (want rules.<id>.<field>, shared_caps.<id>.<field>, advances.<id>.<field>, streams[<i>].start, streams[<i>].growth.monthly|annual or growth.monthly|annual)`,
			`variants[0].set[streams[3].start]: path "streams[3].start": there is no streams[3] (the scenario has 2 stream(s))`,
			`variants[0].set[streams[0].growth.monthly]: "x": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`,
			`variants[0].set[streams[1].start]: streams[1] is a forecast and has no start or growth`,
			`variants[0].set[growth.weekly]: unknown path "growth.weekly" (want rules.<id>.<field>, shared_caps.<id>.<field>, advances.<id>.<field>, streams[<i>].start, streams[<i>].growth.monthly|annual or growth.monthly|annual)`,
			`variants[1].name: "a" is also the name of variants[0]`,
			`variants[2].name: required`,
			`variants[2].set[streams[0].start]: a stream field cannot be removed (null)`,
			`sweep[growth.monthly][1]: "x": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`,
			`sweep[growth.monthly][2]: "-2" must be above -1`,
			`sweep[rules.r.rate]: must be a non-empty list of values`,
			`sweep[colour][0]: unknown path "colour" (want rules.<id>.<field>, shared_caps.<id>.<field>, advances.<id>.<field>, streams[<i>].start, streams[<i>].growth.monthly|annual or growth.monthly|annual)`,
			`monte_carlo.seed: required (results are reproducible from it)`,
			`monte_carlo.runs: "0" must be a whole number from 1 to 1000000`,
			`monte_carlo.rules.r.rate: Monte Carlo draws growth only: want growth.monthly, growth.annual or streams[<i>].growth.monthly|annual`,
			`monte_carlo.growth.monthly.skew: unknown key (want one of dist, mean, sd)`,
			`monte_carlo.growth.monthly.dist: "uniform" is not a distribution (want normal or lognormal)`,
			`monte_carlo.growth.monthly.mean: "-1" must be above -1`,
			`monte_carlo.growth.monthly.sd: "-0.1" is negative`,
		}},
		// Names are printed in the result's tables: "\e[2J" in a variant's
		// name cleared the terminal of whoever ran the scenario.
		{"control characters", `
name: "demo\e[31m"
contract: c
horizon: 2030-12
streams: [{match: {seller: a}, start: "1"}]
variants:
  - name: "ba\nse\e[2J"
`, []string{
			`name: "demo\x1b[31m" has control characters or invalid UTF-8: write it on one line, in UTF-8`,
			`variants[0].name: "ba\nse\x1b[2J" has control characters or invalid UTF-8: write it on one line, in UTF-8`,
		}},
		{"bidirectional controls", `
name: "demo\u202Eomed"
contract: c
horizon: 2030-12
streams: [{match: {seller: a}, start: "1"}]
`, []string{
			`name: "demo\u202eomed" has the bidirectional control character U+202E (right-to-left override), which shows the text in another order than it is stored: remove it`,
		}},
		{"monte carlo draws nothing", `
contract: c
horizon: 2030-12
streams: [{match: {seller: a}, start: "1"}]
monte_carlo: {runs: 10, seed: 1}
`, []string{
			`monte_carlo: draws nothing: add a growth path, e.g. growth.monthly: {dist: normal, mean: "0.04", sd: "0.015"}`,
		}},
		{"bad forecast", `
contract: c
horizon: 2030-12
streams:
  - forecast: forecast-bad.csv
    start: "1"
  - forecast: missing.csv
`, []string{
			`streams[0].forecast: forecast-bad.csv line 2: match: unknown field "planet" (want seller, channel, customer, product or region)`,
			`streams[0].forecast: forecast-bad.csv line 3: amount: "12,5": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`,
			`streams[0].forecast: forecast-bad.csv line 4: match: "openai" is not field=value`,
			`streams[0].forecast: forecast-bad.csv line 4: amount: "": empty number`,
			`streams[0].start: not allowed with forecast (the CSV gives match and amount per row)`,
			`streams[1].forecast: cannot read "missing.csv": no such file or directory`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc), ParseOptions{ReadFile: readerFor(tt.name)})
			checkProblems(t, err, tt.want)
			if ledger.ErrorCode(err) != ledger.EINVALID {
				t.Errorf("code = %q, want invalid", ledger.ErrorCode(err))
			}
		})
	}
}

// checkProblems expects err to be a *ValidationError with exactly the
// problems want, in order.
func checkProblems(t *testing.T, err error, want []string) {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *ValidationError", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.String())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func readerFor(name string) func(string) ([]byte, error) {
	if name == "bad forecast" {
		return testdataReader
	}
	return nil
}
