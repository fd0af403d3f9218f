package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/storetest"
)

// scenarioToday is the test clock's date for scenarios: 2027 has ended, so
// actuals through any 2027 period are complete.
var scenarioToday = time.Date(2028, 1, 15, 9, 0, 0, 0, time.UTC)

// scenarioMain runs the command line in dir and returns stdout, stderr and
// the error.
func scenarioMain(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{Stdout: &out, Stderr: &errb, Stdin: strings.NewReader(""), Getenv: func(string) string { return "" }, Clock: storetest.NewClock(scenarioToday)}
	err := m.Run(context.Background(), args)
	m.Close()
	return out.String(), errb.String(), err
}

func scenarioFixture(t *testing.T) string {
	t.Helper()
	return filepath.Join("..", "..", "testdata", "scenario", "chart", "scenario.yaml")
}

func TestScenarioCommandFormats(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "revshare.db")
	out, _, err := scenarioMain(t, "--db", db, "scenario", scenarioFixture(t), "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Variants []struct {
			Name string `json:"name"`
			Caps []struct {
				BindsIn string `json:"binds_in"`
			} `json:"caps"`
			TotalPaid string `json:"total_paid"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range res.Variants {
		got = append(got, v.Name+" "+v.Caps[0].BindsIn+" "+v.TotalPaid)
	}
	// Checked independently (Python decimal, half up): 5% of round(1000 × 1.05^k) over 30 months.
	want := []string{"base 2029-02 5000.00", "cap-3000 2028-07 3000.00", "rate-5pct never 3321.97"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("variants:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	svg := filepath.Join(dir, "chart.svg")
	if _, _, err := scenarioMain(t, "--db", db, "scenario", scenarioFixture(t), "--format", "svg", "-o", svg); err != nil {
		t.Fatal(err)
	}
	golden, _ := os.ReadFile(filepath.Join("..", "..", "testdata", "scenario", "chart", "chart.svg"))
	if b, _ := os.ReadFile(svg); !bytes.Equal(b, golden) {
		t.Errorf("-o %s differs from the golden chart", svg)
	}
	for _, f := range []string{"table", "csv"} {
		out, _, err := scenarioMain(t, "--db", db, "scenario", scenarioFixture(t), "--format", f)
		if err != nil || !strings.Contains(out, "cap-3000") {
			t.Errorf("--format %s: err %v, output %q", f, err, out)
		}
	}
}

func TestScenarioCommandListsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("contract: c\nhorizon: soon\nstreams:\n  - match: {seller: a}\n    start: abc\n"), 0o644)
	_, stderr, err := scenarioMain(t, "--db", filepath.Join(dir, "x.db"), "scenario", bad)
	if err == nil || err.Error() != bad+": invalid scenario (2 problem(s) listed above)" {
		t.Errorf("err = %v", err)
	}
	want := bad + `:2: horizon: "soon" is not a period (want YYYY-MM, YYYY-Qn or YYYY)` + "\n" +
		bad + `:5: streams[0].start: "abc": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)` + "\n"
	if stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
}

// TestScenarioProblemsNameTheLine: every problem of a scenario file is
// printed FILE:LINE: path: reason, as a contract file's are: those Parse
// finds (unknown keys, bad periods, decimals, distributions, a forecast
// file), and those found against the contract (an inline contract's own
// fields, a period of another frequency, a forecast CSV's row, a
// variant's override). They were printed "bad.yaml: streams[0].growth.monthly: ...".
func TestScenarioProblemsNameTheLine(t *testing.T) {
	dir := t.TempDir()
	contract := "contract:\n  id: c\n  currency: USD\n  period: month\n  parties: [a, b]\n  rules:\n    - id: r\n      payer: a\n      payee: b\n      rate: \"RATE\"\n      from: 2026-01-01\n"
	os.WriteFile(filepath.Join(dir, "f.csv"), []byte("period,match,amount\n2026-Q1,seller=a,1\n"), 0o644)
	for _, c := range []struct{ name, doc, want string }{
		{"parse", strings.Replace(contract, "RATE", "0.5", 1) + `horizon: 2026-13
bogus: 1
streams:
  - match: {seller: a}
    start: "100"
    growth: {monthly: "abc"}
  - forecast: nosuch.csv
monte_carlo:
  runs: 10
  seed: 1
  growth.monthly:
    dist: weird
    mean: "0.01"
    sd: "0.01"
`, `:12: horizon: "2026-13" is not a period (want YYYY-MM, YYYY-Qn or YYYY)
:13: bogus: unknown key (want one of name, description, contract, actuals_through, start_period, horizon, streams, variants, sweep, monte_carlo)
:17: streams[0].growth.monthly: "abc": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)
:18: streams[1].forecast: cannot read "nosuch.csv": no such file or directory
:23: monte_carlo.growth.monthly.dist: "weird" is not a distribution (want normal or lognormal)
`},
		{"inline contract", strings.Replace(contract, "RATE", "1.5", 1) + "horizon: 2026-12\nstreams:\n  - match: {seller: a}\n    start: \"100\"\n",
			":10: contract.rules[0].rate: 1.5 is outside [0, 1] (a rate is a fraction: if 1.5% is meant, write 0.015)\n"},
		{"frequency", strings.Replace(contract, "RATE", "0.5", 1) + "horizon: 2026-Q4\nstreams:\n  - match: {seller: a}\n    start: \"100\"\n",
			":12: horizon: \"2026-Q4\" is a quarter but the contract's periods are months (e.g. 2026-12)\n"},
		{"forecast row", strings.Replace(contract, "RATE", "0.5", 1) + "horizon: 2026-12\nstreams:\n  - forecast: f.csv\n",
			":14: streams[0].forecast: f.csv line 2: period \"2026-Q1\" is not a contract period (want a month like 2026-01)\n"},
		{"variants", strings.Replace(contract, "RATE", "0.5", 1) + `horizon: 2026-12
streams:
  - match: {seller: a}
    start: "100"
variants:
  - name: v1
    set: {rules.r.rate: "2"}
  - name: v2
    set:
      rules.nosuch.rate: "0.1"
`, ":17: variants[0] (v1): contract: rules[0].rate: 2 is outside [0, 1] (a rate is a fraction: if 2% is meant, write 0.02)\n" +
			":21: variants[1] (v2).set[rules.nosuch.rate]: the contract has no rule \"nosuch\"\n"},
	} {
		file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
		os.WriteFile(file, []byte(c.doc), 0o644)
		_, stderr, err := scenarioMain(t, "scenario", file)
		var want strings.Builder
		for _, line := range strings.SplitAfter(strings.TrimSuffix(c.want, "\n"), "\n") {
			want.WriteString(file + line)
		}
		want.WriteString("\n")
		if err == nil || stderr != want.String() {
			t.Errorf("%s: err %v, stderr:\n%s\nwant:\n%s", c.name, err, stderr, want.String())
		}
	}
}

func TestScenarioContractFlag(t *testing.T) {
	dir := t.TempDir()
	sc := filepath.Join(dir, "s.yaml")
	os.WriteFile(sc, []byte("contract: openai-microsoft\nstart_period: 2025-01\nhorizon: 2025-03\nstreams:\n  - match: {seller: openai}\n    start: \"100\"\n"), 0o644)
	demo := filepath.Join("..", "..", "contracts", "demo", "openai-microsoft.yaml")
	out, _, err := scenarioMain(t, "--db", filepath.Join(dir, "x.db"), "scenario", sc, "--contract", demo, "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "base,total_paid,,,,60.00\n") {
		t.Errorf("output:\n%s", out)
	}
	_, _, err = scenarioMain(t, "--db", filepath.Join(dir, "x.db"), "scenario", sc)
	if err == nil || !strings.Contains(err.Error(), "the scenario reads the database (a contract by id or actuals), and there is none at") {
		t.Errorf("without --contract: err = %v", err)
	}
}

// TestScenarioLeavesDatabaseByteIdentical: a scenario never writes. The
// database (and its WAL and shared-memory files) are byte-identical after
// scenarios in every format, with actuals read from its events.
// TODO(lead): once contracts are stored, also run a by-id scenario
// (testdata/scenario/demo.yaml) here.
func TestScenarioLeavesDatabaseByteIdentical(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "revshare.db")
	usage := filepath.Join(dir, "usage.csv")
	csv := "event_id,occurred_at,seller,channel,amount,currency\n"
	for m := 1; m <= 6; m++ {
		csv += fmt.Sprintf("e%d,2027-%02d-15,seller,direct,1000.00,USD\n", m, m)
	}
	os.WriteFile(usage, []byte(csv), 0o644)
	if _, _, err := scenarioMain(t, "--db", path, "import", "usage", usage); err != nil {
		t.Fatal(err)
	}
	withActuals := filepath.Join(dir, "actuals.yaml")
	fixture, _ := os.ReadFile(scenarioFixture(t))
	doc := strings.Replace(string(fixture), "horizon:", "actuals_through: 2027-06\nhorizon:", 1)
	os.WriteFile(withActuals, []byte(doc), 0o644)

	snapshot := func() map[string][]byte {
		m := map[string][]byte{}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, err := os.ReadFile(path + suffix)
			if err == nil {
				m[suffix] = b
			}
		}
		return m
	}
	// actuals_through must have ended: 2028-01 is under way on 2028-01-15.
	future := filepath.Join(dir, "future.yaml")
	os.WriteFile(future, []byte(strings.Replace(doc, "actuals_through: 2027-06", "actuals_through: 2028-01", 1)), 0o644)
	_, stderr, err := scenarioMain(t, "--db", path, "scenario", future)
	if want := future + ":17: actuals_through: 2028-01 has not ended (today is 2028-01-15): its revenue is not all known yet; the last complete period is 2027-12\n"; err == nil || stderr != want {
		t.Errorf("future actuals_through: err %v, stderr %q, want %q", err, stderr, want)
	}
	// Nor pass the last booked period: the events reach 2027-06-15.
	unbooked := filepath.Join(dir, "unbooked.yaml")
	os.WriteFile(unbooked, []byte(strings.Replace(doc, "actuals_through: 2027-06", "actuals_through: 2027-07", 1)), 0o644)
	_, stderr, err = scenarioMain(t, "--db", path, "scenario", unbooked)
	if want := unbooked + ":17: actuals_through: 2027-07 is past the last booked period 2027-06 (the books reach 2027-06-15: the latest run's through or entry's date): import and run it first\n"; err == nil || stderr != want {
		t.Errorf("actuals_through past the books: err %v, stderr %q, want %q", err, stderr, want)
	}

	before := snapshot()
	for _, f := range []string{"table", "json", "csv", "svg"} {
		for _, file := range []string{scenarioFixture(t), withActuals} {
			if _, _, err := scenarioMain(t, "--db", path, "scenario", file, "--format", f); err != nil {
				t.Fatal(err)
			}
		}
	}
	after := snapshot()
	if len(before) != len(after) {
		t.Fatalf("database files before %d, after %d", len(before), len(after))
	}
	for k, b := range before {
		if !bytes.Equal(b, after[k]) {
			t.Errorf("revshare.db%s changed", k)
		}
	}
	// Without a database, actuals are refused and none is created.
	missing := filepath.Join(dir, "none.db")
	if _, _, err := scenarioMain(t, "--db", missing, "scenario", withActuals); err == nil ||
		err.Error() != "the scenario reads the database (a contract by id or actuals), and there is none at "+missing+" (see --db)" {
		t.Errorf("no database: err = %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("a scenario created %s", missing)
	}
	// The actuals were read: 10% of 1000.00 a month for 2027-01..06.
	out, _, err := scenarioMain(t, "--db", path, "scenario", withActuals, "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "base,actuals_paid,,,,600.00\n") {
		t.Errorf("actuals not read:\n%s", out)
	}
}

// TestScenarioActualsPastTheBooks: an actuals_through past the last booked
// period (the latest run's through or entry's date) is refused, on both
// backends: its months would count as zero revenue.
func TestScenarioActualsPastTheBooks(t *testing.T) {
	onBothBackends(t, testScenarioActualsPastTheBooks)
}

func testScenarioActualsPastTheBooks(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	db := newDB(t)
	sc := filepath.Join(dir, "s.yaml")
	jan := filepath.Join(dir, "jan.csv")
	os.WriteFile(sc, []byte("contract: small\nactuals_through: 2026-02\nhorizon: 2026-04\nstreams:\n  - match: {seller: openai}\n    start: \"100\"\n"), 0o644)
	usage, _ := os.ReadFile("../../testdata/runs/usage.csv")
	lines := strings.SplitAfter(string(usage), "\n")
	os.WriteFile(jan, []byte(strings.Join(lines[:3], "")), 0o644) // e1, e2: 2026-01-10 and 2026-01-20
	cli(t, db, "contract", "add", "../../testdata/runs/contract.yaml")
	for _, c := range []struct{ step, want string }{
		{"", "actuals_through: 2026-02 is past the last booked period: nothing is booked yet"},
		{"import", "actuals_through: 2026-02 is past the last booked period 2026-01 (the books reach 2026-01-20: the latest run's through or entry's date): import and run it first"},
	} {
		if c.step == "import" {
			cli(t, db, "import", "usage", jan)
		}
		_, errOut, err := runCLI(t, "--db", db, "scenario", sc)
		if want := sc + ":2: " + c.want + "\nrevshare: " + sc + ": invalid scenario (1 problem(s) listed above)\n"; err == nil || errOut != want {
			t.Errorf("after %q: %v %q, want %q", c.step, err, errOut, want)
		}
	}
	cli(t, db, "run", "--through", "2026-02") // the books reach 2026-02-28
	out := cli(t, db, "scenario", sc, "--format", "json")
	// Actuals: r1 20.00 and r2 4.00 in January, nothing in February; then
	// 20.00 in March and 10.00 in April, where r1's total cap of 50.00 binds.
	if !strings.Contains(out, `"total_paid": "54.00"`) {
		t.Errorf("scenario after the run:\n%s", out)
	}
}

// TestScenarioMonteCarloRestoresTheCollector: a Monte Carlo scenario sets
// the collector's pacing and a soft memory limit for its runs and puts
// both back when it returns, so that a process running commands one after
// another (these tests) does not keep them.
func TestScenarioMonteCarloRestoresTheCollector(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mc.yaml")
	doc := "contract:\n  id: c\n  currency: USD\n  period: month\n  parties: [a, b]\n  rules:\n    - id: r\n      payer: a\n      payee: b\n      rate: \"0.5\"\n      from: 2028-01-01\n" +
		"horizon: 2028-12\nstreams:\n  - match: {seller: a}\n    start: \"100\"\n    growth: {monthly: \"0.01\"}\n" +
		"monte_carlo:\n  runs: 50\n  seed: 1\n  growth.monthly: {dist: normal, mean: \"0.01\", sd: \"0.01\"}\n"
	if err := os.WriteFile(file, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	gcPercent := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	percent, limit := gcPercent(), debug.SetMemoryLimit(-1)
	out, errOut, err := scenarioMain(t, "--db", filepath.Join(dir, "revshare.db"), "scenario", file, "--format", "json")
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if !strings.Contains(out, `"distribution"`) {
		t.Fatalf("no Monte Carlo distribution in the output:\n%s", out)
	}
	if got := gcPercent(); got != percent {
		t.Errorf("GC percent %d after the command, %d before", got, percent)
	}
	if got := debug.SetMemoryLimit(-1); got != limit {
		t.Errorf("memory limit %d after the command, %d before", got, limit)
	}
}
