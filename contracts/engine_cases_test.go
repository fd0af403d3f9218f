package contracts

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// engineCases are hand-computed: every number below was worked out on paper
// from the case's contract.yaml and events.csv under
// testdata/contracts/cases/<name>/ (the comments in each contract say what
// the case shows). The full engine output is also kept there as
// expected.json (regenerate with -update, then review the diff).
var engineCases = map[string][]string{
	"total-cap-mid-period": {
		"2026-01 r base=1000 n=2 gross=200.00 obl=200.00 tu=0.00 total=200.00 | total 500.00 before=0.00 applied=200.00 after=300.00",
		"2026-02 r base=2000 n=1 gross=400.00 obl=300.00 tu=0.00 total=300.00 | total 500.00 before=200.00 applied=300.00 after=0.00 BOUND",
		"2026-03 r base=500 n=1 gross=100.00 obl=0.00 tu=0.00 total=0.00 | total 500.00 before=500.00 applied=0.00 after=0.00 BOUND",
	},
	"rule-ends-mid-period": {
		"2026-Q1 r1 base=1500 n=2 gross=150.00 obl=150.00 tu=0.00 total=150.00",
		"2026-Q1 r2 base=1800 n=3 gross=90.00 obl=90.00 tu=0.00 total=90.00",
		"2026-Q2 r2 base=700 n=1 gross=35.00 obl=35.00 tu=0.00 total=35.00",
	},
	"yearly-through-2030": {
		"2029 r1 base=100 n=1 gross=20.00 obl=20.00 tu=0.00 total=20.00",
		"2029 r2 base=200 n=2 gross=20.00 obl=20.00 tu=0.00 total=20.00",
		"2030 r1 base=1000 n=1 gross=200.00 obl=200.00 tu=0.00 total=200.00",
		"2030 r2 base=1000 n=1 gross=100.00 obl=100.00 tu=0.00 total=100.00",
		"2031 r2 base=1000 n=1 gross=100.00 obl=100.00 tu=0.00 total=100.00",
	},
	"amendment-two-way": {
		"2026-01 a-to-b base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-02 a-to-b base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-03 a-to-b base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-03 b-to-a base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-04 a-to-b base=100 n=1 gross=20.00 obl=20.00 tu=0.00 total=20.00",
		"2026-04 b-to-a base=1000 n=1 gross=200.00 obl=200.00 tu=0.00 total=200.00",
		"2026-05 a-to-b base=100 n=1 gross=20.00 obl=20.00 tu=0.00 total=20.00",
	},
	"tiers": {
		"2025-11 year base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
		"2025-11 lifetime base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
		"2025-11 period base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
		"2025-12 year base=1500 n=1 gross=85.00 obl=85.00 tu=0.00 total=85.00",
		"2025-12 lifetime base=1500 n=1 gross=85.00 obl=85.00 tu=0.00 total=85.00",
		"2025-12 period base=1500 n=1 gross=125.00 obl=125.00 tu=0.00 total=125.00",
		"2026-01 year base=2000 n=1 gross=150.00 obl=150.00 tu=0.00 total=150.00",
		"2026-01 lifetime base=2000 n=1 gross=61.00 obl=61.00 tu=0.00 total=61.00",
		"2026-01 period base=2000 n=1 gross=150.00 obl=150.00 tu=0.00 total=150.00",
		"2026-02 year base=-2500 n=1 gross=-200.00 obl=-200.00 tu=0.00 total=-200.00",
		"2026-02 lifetime base=-2500 n=1 gross=-86.00 obl=-86.00 tu=0.00 total=-86.00",
		"2026-02 period base=-2500 n=1 gross=-250.00 obl=-250.00 tu=0.00 total=-250.00",
	},
	"per-year-cap": {
		"2025-Q3 r base=150 n=1 gross=75.00 obl=75.00 tu=0.00 total=75.00 | per_year 100.00 before=0.00 applied=75.00 after=25.00",
		"2025-Q4 r base=100 n=1 gross=50.00 obl=25.00 tu=0.00 total=25.00 | per_year 100.00 before=75.00 applied=25.00 after=0.00 BOUND",
		"2026-Q1 r base=100 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00 | per_year 100.00 before=0.00 applied=50.00 after=50.00",
		"2026-Q2 r base=200 n=1 gross=100.00 obl=50.00 tu=0.00 total=50.00 | per_year 100.00 before=50.00 applied=50.00 after=0.00 BOUND",
	},
	"per-period-cap": {
		"2026-01 r base=400 n=1 gross=40.00 obl=40.00 tu=0.00 total=40.00 | per_period 50.00 before=0.00 applied=40.00 after=10.00 | total 120.00 before=0.00 applied=40.00 after=80.00",
		"2026-02 r base=800 n=1 gross=80.00 obl=50.00 tu=0.00 total=50.00 | per_period 50.00 before=0.00 applied=50.00 after=0.00 BOUND | total 120.00 before=40.00 applied=50.00 after=30.00",
		"2026-03 r base=600 n=1 gross=60.00 obl=30.00 tu=0.00 total=30.00 | per_period 50.00 before=0.00 applied=30.00 after=20.00 | total 120.00 before=90.00 applied=30.00 after=0.00 BOUND",
	},
	"minimum-true-up": {
		"2025-Q4 m1 base=300 n=1 gross=30.00 obl=30.00 tu=70.00 total=100.00",
		"2025-Q4 m2 base=300 n=1 gross=30.00 obl=30.00 tu=60.00 total=90.00 | total 90.00 before=0.00 applied=90.00 after=0.00 BOUND",
		"2025-Q4 m3 base=300 n=1 gross=30.00 obl=30.00 tu=70.00 total=100.00",
		"2026-Q1 m1 base=500 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00",
		"2026-Q1 m2 base=500 n=1 gross=50.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00 BOUND",
		"2026-Q1 m3 base=500 n=1 gross=50.00 obl=50.00 tu=0.00 total=50.00",
		"2026-Q2 m1 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-Q2 m2 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00",
		"2026-Q2 m3 base=0 n=0 gross=0.00 obl=0.00 tu=50.00 total=50.00",
		"2026-Q3 m1 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-Q3 m2 base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00",
		"2026-Q4 m1 base=200 n=1 gross=20.00 obl=20.00 tu=30.00 total=50.00",
		"2026-Q4 m2 base=200 n=1 gross=20.00 obl=0.00 tu=0.00 total=0.00 | total 90.00 before=90.00 applied=0.00 after=0.00 BOUND",
	},
	"refunds-after-cap": {
		"2026-01 r1 base=1000 n=1 gross=200.00 obl=100.00 tu=0.00 total=100.00 | total 100.00 before=0.00 applied=100.00 after=0.00 BOUND",
		"2026-01 r2 base=1000 n=1 gross=100.00 obl=100.00 tu=0.00 total=100.00",
		"2026-02 r1 base=-300 n=1 gross=-60.00 obl=-60.00 tu=0.00 total=-60.00 | total 100.00 before=100.00 applied=-60.00 after=60.00",
		"2026-02 r2 base=-300 n=1 gross=-30.00 obl=-30.00 tu=0.00 total=-30.00",
		"2026-03 r1 base=2000 n=1 gross=400.00 obl=60.00 tu=0.00 total=60.00 | total 100.00 before=40.00 applied=60.00 after=0.00 BOUND",
		"2026-03 r2 base=2000 n=1 gross=200.00 obl=200.00 tu=0.00 total=200.00",
		"2026-04 r1 base=-1000 n=1 gross=-200.00 obl=-100.00 tu=0.00 total=-100.00 | total 100.00 before=100.00 applied=-100.00 after=100.00",
		"2026-04 r2 base=-1000 n=1 gross=-100.00 obl=-100.00 tu=0.00 total=-100.00",
		"2026-05 r1 base=-5000 n=1 gross=-1000.00 obl=0.00 tu=0.00 total=0.00 | total 100.00 before=0.00 applied=0.00 after=100.00",
		"2026-05 r2 base=-5000 n=1 gross=-500.00 obl=-170.00 tu=0.00 total=-170.00",
	},
	"rounding-half_up": {
		"2026-01 r base=0.25 n=1 gross=0.13 obl=0.13 tu=0.00 total=0.13",
		"2026-02 r base=-0.25 n=1 gross=-0.13 obl=-0.13 tu=0.00 total=-0.13",
		"2026-03 r base=0.27 n=1 gross=0.14 obl=0.14 tu=0.00 total=0.14",
	},
	"rounding-half_even": {
		"2026-01 r base=0.25 n=1 gross=0.12 obl=0.12 tu=0.00 total=0.12",
		"2026-02 r base=-0.25 n=1 gross=-0.12 obl=-0.12 tu=0.00 total=-0.12",
		"2026-03 r base=0.27 n=1 gross=0.14 obl=0.14 tu=0.00 total=0.14",
	},
	"jpy": {
		"2026-01 r base=12345 n=1 gross=1852 obl=1852 tu=0 total=1852 | total 3000 before=0 applied=1852 after=1148",
		"2026-02 r base=10003 n=1 gross=1500 obl=1148 tu=0 total=1148 | total 3000 before=1852 applied=1148 after=0 BOUND",
	},
	"bhd": {
		"2026-01 r base=12.345 n=1 gross=1.852 obl=1.852 tu=0.000 total=1.852",
		"2026-02 r base=10.003 n=1 gross=1.500 obl=1.500 tu=0.000 total=1.500",
	},
	"timezone-america-new_york": {
		"2026-01 r base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
		"2026-02 r base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-03 r base=600 n=2 gross=60.00 obl=60.00 tu=0.00 total=60.00",
		"2026-04 r base=800 n=1 gross=80.00 obl=80.00 tu=0.00 total=80.00",
	},
	"timezone-utc": {
		"2026-01 r base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-02 r base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
		"2026-03 r base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-04 r base=1400 n=3 gross=140.00 obl=140.00 tu=0.00 total=140.00",
	},
	"fx": {
		"2026-01 event-date base=180.012 n=3 gross=45.00 obl=45.00 tu=0.00 total=45.00",
		"2026-01 period-end base=190.012 n=3 gross=47.50 obl=47.50 tu=0.00 total=47.50",
		"2026-02 event-date base=13 n=1 gross=3.25 obl=3.25 tu=0.00 total=3.25",
		"2026-02 period-end base=13 n=1 gross=3.25 obl=3.25 tu=0.00 total=3.25",
	},
}

func TestEngineCases(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/contracts/cases/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(engineCases) {
		t.Errorf("%d case directories, %d cases in the table", len(dirs), len(engineCases))
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			want, ok := engineCases[name]
			if !ok {
				t.Fatalf("no hand-computed expectation for %s", name)
			}
			c, events, rates, through := loadCase(t, dir)
			res, err := Compute(c, events, rates, through, Options{TraceEvents: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := summarize(c, res); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			checkInvariants(t, c, res)
			got, err := json.MarshalIndent(res, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join(dir, "expected.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if w := readFile(t, golden); string(got) != w {
				t.Fatalf("output differs from %s:\n%s", golden, got)
			}
		})
	}
}

// summarize renders each line compactly: money in the contract currency's
// minor units, base exactly.
func summarize(c *Contract, res *Result) []string {
	var out []string
	m := func(d decimal.Decimal) string { return ledger.FormatMoney(d, c.Currency) }
	for _, ln := range res.Lines {
		s := fmt.Sprintf("%s %s base=%s n=%d gross=%s obl=%s tu=%s total=%s", ln.Period, ln.Rule, ln.Base.String(), ln.Events,
			m(ln.Gross), m(ln.Obligation), m(ln.MinimumTrueUp), m(ln.Total))
		for _, cl := range ln.Caps {
			s += fmt.Sprintf(" | %s %s before=%s applied=%s after=%s", cl.Kind, m(cl.Limit), m(cl.ConsumedBefore), m(cl.Applied), m(cl.RemainingAfter))
			if cl.Bound {
				s += " BOUND"
			}
		}
		out = append(out, s)
	}
	return out
}

// checkInvariants asserts what must hold for any result: caps never
// exceeded, consumption never negative, totals add up.
func checkInvariants(t *testing.T, c *Contract, res *Result) {
	t.Helper()
	consumed := map[string]decimal.Decimal{}
	for _, ln := range res.Lines {
		if !ln.Total.Equal(ln.Obligation.Add(ln.MinimumTrueUp)) {
			t.Fatalf("%s %s: total %s != obligation + true-up", ln.Period, ln.Rule, ln.Total)
		}
		if ln.MinimumTrueUp.Sign() < 0 || ln.Obligation.GreaterThan(ln.Gross) && ln.Gross.Sign() >= 0 {
			t.Fatalf("%s %s: obligation %s gross %s true-up %s", ln.Period, ln.Rule, ln.Obligation, ln.Gross, ln.MinimumTrueUp)
		}
		consumed[ln.Rule] = consumed[ln.Rule].Add(ln.Total)
		if consumed[ln.Rule].Sign() < 0 {
			t.Fatalf("%s %s: consumption to date %s is negative", ln.Period, ln.Rule, consumed[ln.Rule])
		}
		for _, cl := range ln.Caps {
			if cl.RemainingAfter.Sign() < 0 || !cl.ConsumedBefore.Add(cl.Applied).Add(cl.RemainingAfter).Equal(cl.Limit) {
				t.Fatalf("%s %s: cap %+v exceeded or inconsistent", ln.Period, ln.Rule, cl)
			}
			if cl.Kind == CapTotal && !cl.ConsumedBefore.Add(cl.Applied).Equal(consumed[ln.Rule]) {
				t.Fatalf("%s %s: total cap consumed %s, rule consumed %s", ln.Period, ln.Rule, cl.ConsumedBefore.Add(cl.Applied), consumed[ln.Rule])
			}
		}
	}
}

// loadCase reads contract.yaml, events.csv, rates.csv (optional) and
// through from a case directory.
func loadCase(t testing.TB, dir string) (*Contract, []ledger.Event, []ledger.FXRate, ledger.Period) {
	t.Helper()
	c := mustParse(t, readFile(t, filepath.Join(dir, "contract.yaml")))
	through, err := ledger.ParsePeriod(strings.TrimSpace(readFile(t, filepath.Join(dir, "through"))))
	if err != nil {
		t.Fatal(err)
	}
	var events []ledger.Event
	for _, row := range readCSV(t, filepath.Join(dir, "events.csv")) {
		id, err := strconv.ParseInt(row["id"], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		e := ledger.Event{ID: id, Source: "case", EventID: row["id"], Seller: row["seller"], Channel: row["channel"],
			Product: row["product"], Amount: decimal.RequireFromString(row["amount"]), Currency: row["currency"]}
		e.OccurredAt, e.DateOnly = parseOccurred(t, row["occurred_at"])
		events = append(events, e)
	}
	var rates []ledger.FXRate
	if _, err := os.Stat(filepath.Join(dir, "rates.csv")); err == nil {
		for _, row := range readCSV(t, filepath.Join(dir, "rates.csv")) {
			d, err := ledger.ParseDate(row["date"])
			if err != nil {
				t.Fatal(err)
			}
			rates = append(rates, ledger.FXRate{Date: d, From: row["from"], To: row["to"], Rate: decimal.RequireFromString(row["rate"])})
		}
	}
	return c, events, rates, through
}

func parseOccurred(t testing.TB, s string) (time.Time, bool) {
	t.Helper()
	if d, err := ledger.ParseDate(s); err == nil {
		return d.In(time.UTC), true
	}
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts, false
}

func readCSV(t testing.TB, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = rec[i]
		}
		out = append(out, row)
	}
	return out
}
