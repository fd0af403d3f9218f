package contracts

import (
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

func ev(id int64, at string, seller, channel, amount, currency string) ledger.Event {
	e := ledger.Event{ID: id, Source: "t", EventID: fmt.Sprint(id), Seller: seller, Channel: channel,
		Amount: decimal.RequireFromString(amount), Currency: currency}
	if d, err := ledger.ParseDate(at); err == nil {
		e.OccurredAt, e.DateOnly = d.In(time.UTC), true
	} else {
		e.OccurredAt = mustTime(at)
	}
	return e
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

var (
	period = ledger.MustParsePeriod
	date   = ledger.MustParseDate
)

const fxDoc = `{id: fx, currency: USD, parties: [a, b], rules: [
  {id: e, payer: a, payee: b, rate: "0.1", from: 2026-01-01},
  {id: p, payer: a, payee: b, rate: "0.1", from: 2026-01-01, fx_rule: period_end}]}`

func TestMissingRate(t *testing.T) {
	c := mustParse(t, fxDoc)
	rates := []ledger.FXRate{
		{Date: date("2026-01-15"), From: "EUR", To: "USD", Rate: decimal.RequireFromString("1.1")},
		{Date: date("2026-01-01"), From: "USD", To: "JPY", Rate: decimal.RequireFromString("150")},
	}
	tests := []struct {
		name  string
		event ledger.Event
		want  string
	}{
		{"before the first rate", ev(1, "2026-01-14", "a", "direct", "10", "EUR"),
			"no FX rate from EUR to USD on or before 2026-01-14 (needed by event t/1)"},
		{"no rate for the pair", ev(2, "2026-01-20", "a", "direct", "10", "GBP"),
			"no FX rate from GBP to USD on or before 2026-01-20 (needed by event t/2)"},
		{"no inverse is inferred", ev(3, "2026-01-20", "a", "direct", "1000", "JPY"),
			"no FX rate from JPY to USD on or before 2026-01-20 (needed by event t/3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compute(c, []ledger.Event{tt.event}, rates, period("2026-01"), Options{})
			var me *MissingRateError
			if !errors.As(err, &me) || err.Error() != tt.want {
				t.Fatalf("err = %v, want %s", err, tt.want)
			}
			if ledger.ErrorCode(err) != ledger.EINVALID {
				t.Fatalf("code = %s", ledger.ErrorCode(err))
			}
		})
	}
	// The period_end rule reads the rate of the period's last day, which
	// exists even though the event's own date has none.
	c = mustParse(t, strings.Replace(fxDoc, `{id: e, payer: a, payee: b, rate: "0.1", from: 2026-01-01},`, "", 1))
	res, err := Compute(c, []ledger.Event{ev(1, "2026-01-14", "a", "direct", "10", "EUR")}, rates, period("2026-01"), Options{})
	if err != nil || res.Lines[0].Base.String() != "11" {
		t.Fatalf("period_end: %v %+v", err, res)
	}
	// Events nobody matches need no rate.
	if _, err := Compute(c, []ledger.Event{ev(1, "2027-01-14", "a", "direct", "10", "GBP")}, rates, period("2026-01"), Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestThroughFrequency(t *testing.T) {
	c := mustParse(t, fxDoc)
	_, err := NewAccumulator(c, period("2026-Q1"), nil, Options{})
	if err == nil || err.Error() != "contract fx has month periods: cannot evaluate through 2026-Q1" || ledger.ErrorCode(err) != ledger.EINVALID {
		t.Fatalf("err = %v", err)
	}
}

func TestMatches(t *testing.T) {
	c := mustParse(t, `{id: m, currency: USD, parties: [a, b], rules: [{id: r, payer: a, payee: b, rate: "0.1",
  match: {seller: [a, b], channel: azure, customer: [c1], product: [p1, p2], region: eu}}]}`)
	r := &c.Rules[0]
	base := ledger.Event{Seller: "b", Channel: "azure", Customer: "c1", Product: "p2", Region: "eu"}
	if !r.Matches(&base) {
		t.Fatal("should match")
	}
	for _, mod := range []func(e *ledger.Event){
		func(e *ledger.Event) { e.Seller = "A" }, // case-sensitive
		func(e *ledger.Event) { e.Channel = "aws" },
		func(e *ledger.Event) { e.Customer = "" },
		func(e *ledger.Event) { e.Product = "p3" },
		func(e *ledger.Event) { e.Region = "us" },
	} {
		e := base
		mod(&e)
		if r.Matches(&e) {
			t.Fatalf("%+v should not match", e)
		}
	}
	empty := Rule{}
	if !empty.Matches(&base) {
		t.Fatal("an empty match selects every event")
	}
}

func TestPeriodsAndWindow(t *testing.T) {
	c := mustParse(t, strings.Replace(fxDoc, "currency: USD", "currency: USD, period: quarter", 1))
	var got []string
	for _, p := range c.Periods(period("2025-11"), period("2026-Q2")) {
		got = append(got, p.Label())
	}
	if strings.Join(got, " ") != "2025-Q4 2026-Q1 2026-Q2" {
		t.Fatalf("periods = %v", got)
	}
	r := mustParse(t, readFile(t, demoPath)).Rules[1]
	if !r.InWindow(date("2026-04-26")) || r.InWindow(date("2026-04-27")) || r.InWindow(date("2022-12-31")) {
		t.Fatal("window")
	}
	if !r.Overlaps(period("2026-04")) || r.Overlaps(period("2026-05")) {
		t.Fatal("overlaps")
	}
}

// TestOpenStart: a rule without `from` starts at its earliest counted
// event, which may come last in the stream.
func TestOpenStart(t *testing.T) {
	c := mustParse(t, `{id: o, currency: USD, parties: [a, b], rules: [
  {id: open, payer: a, payee: b, rate: "0.1", until: 2026-03-01},
  {id: later, payer: a, payee: b, rate: "0.1", from: 2026-02-01}]}`)
	events := []ledger.Event{ev(1, "2026-02-10", "a", "x", "100", "USD"), ev(2, "2026-04-10", "a", "x", "100", "USD"),
		ev(3, "2025-11-10", "a", "x", "100", "USD")}
	res, err := Compute(c, events, nil, period("2026-04"), Options{TraceEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2025-11 open base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
		"2025-12 open base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-01 open base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-02 open base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
		"2026-02 later base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
		"2026-03 later base=0 n=0 gross=0.00 obl=0.00 tu=0.00 total=0.00",
		"2026-04 later base=100 n=1 gross=10.00 obl=10.00 tu=0.00 total=10.00",
	}
	if got := summarize(c, res); !reflect.DeepEqual(got, want) {
		t.Fatalf("got:\n%s", strings.Join(got, "\n"))
	}
	if len(res.PeriodLines(period("2026-02"))) != 2 || len(res.PeriodLines(period("2026-05"))) != 0 {
		t.Fatal("PeriodLines")
	}
	// Nothing counted and no from: no lines at all.
	res, err = Compute(c, nil, nil, period("2026-01"), Options{})
	if err != nil || len(res.Lines) != 0 {
		t.Fatalf("%v %+v", err, res)
	}
}

// TestEvaluateBasesMatchesCompute: the scenario entry point gives the same
// numbers as the event path.
func TestEvaluateBasesMatchesCompute(t *testing.T) {
	for _, name := range []string{"minimum-true-up", "tiers", "refunds-after-cap", "per-period-cap"} {
		c, events, rates, through := loadCase(t, "../testdata/contracts/cases/"+name)
		want, err := Compute(c, events, rates, through, Options{})
		if err != nil {
			t.Fatal(err)
		}
		n := len(c.Periods(want.First, through))
		bases := make([][]decimal.Decimal, len(c.Rules))
		for i := range bases {
			bases[i] = make([]decimal.Decimal, n)
		}
		for _, ln := range want.Lines {
			bases[ln.RuleIndex][len(c.Periods(want.First, ln.Period))-1] = ln.Base
		}
		got, err := EvaluateBases(c, want.First, through, bases)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want.Lines {
			want.Lines[i].Events, want.Lines[i].ByChannel, want.Lines[i].ByProduct = 0, nil, nil
		}
		if !reflect.DeepEqual(summarize(c, got), summarize(c, want)) {
			t.Fatalf("%s:\n%s\nwant\n%s", name, strings.Join(summarize(c, got), "\n"), strings.Join(summarize(c, want), "\n"))
		}
	}
}

// TestPropertyOrderAndCaps: for random contracts' events in random orders,
// the result does not depend on the order and no cap is ever exceeded.
func TestPropertyOrderAndCaps(t *testing.T) {
	const doc = `
id: prop
currency: USD
timezone: Europe/Berlin
rounding: ROUNDING
parties: [a, b]
rules:
  - id: capped
    payer: a
    payee: b
    match: {seller: a}
    rate: "0.20"
    from: 2025-03-01
    cap: {total: "TOTAL", per_year: "PERYEAR", per_period: "PERPERIOD"}
    minimum: {per_year: "MIN"}
  - id: tiered
    payer: b
    payee: a
    match: {seller: b, channel: [azure, aws]}
    tiers: [{up_to: "500", rate: "0.3"}, {up_to: "2000", rate: "0.1"}, {rate: "0.05"}]
    tier_window: WINDOW
    from: 2025-01-15
    until: 2026-09-17
    cap: {total: "TOTAL"}
    minimum: {per_year: "MIN"}
`
	rng, seed := seededRand(t)
	for iter := 0; iter < 200; iter++ {
		money := func(max int) string { return fmt.Sprintf("%d.%02d", rng.Intn(max), rng.Intn(100)) }
		d := strings.NewReplacer("ROUNDING", []string{"half_up", "half_even"}[rng.Intn(2)],
			"TOTAL", money(3000), "PERYEAR", money(1500), "PERPERIOD", money(400), "MIN", money(600),
			"WINDOW", []string{"lifetime", "year", "period"}[rng.Intn(3)]).Replace(doc)
		c := mustParse(t, d)
		var events []ledger.Event
		for i := 0; i < rng.Intn(200); i++ {
			at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int63n(int64(800 * 24 * time.Hour))))
			amount := decimal.New(rng.Int63n(200000)-50000, -2-int32(rng.Intn(3)))
			e := ledger.Event{ID: int64(i + 1), Seller: []string{"a", "b"}[rng.Intn(2)], Channel: []string{"azure", "aws", "gcp"}[rng.Intn(3)],
				OccurredAt: at, DateOnly: rng.Intn(4) == 0, Amount: amount, Currency: "USD"}
			events = append(events, e)
		}
		through := period("2026-12")
		first, err := Compute(c, events, nil, through, Options{TraceEvents: true})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, c, first)
		rng.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
		second, err := Compute(c, events, nil, through, Options{TraceEvents: true})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := first.MarshalJSON()
		b, _ := second.MarshalJSON()
		if string(a) != string(b) {
			t.Fatalf("seed %d iteration %d: result depends on event order", seed, iter)
		}
	}
}

func TestSum(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for iter := 0; iter < 2000; iter++ {
		var s Sum
		want := decimal.Zero
		for i := 0; i < 50; i++ {
			var x decimal.Decimal
			switch rng.Intn(4) {
			case 0:
				x = decimal.New(rng.Int63()-rng.Int63(), -int32(rng.Intn(19)))
			case 1:
				x = decimal.New(rng.Int63n(1e6)-5e5, -int32(rng.Intn(4)))
			case 2:
				x = decimal.RequireFromString("123456789012345678901234.000000000000000000001")
			default:
				x = decimal.New(rng.Int63n(1000), int32(rng.Intn(3)))
			}
			s.Add(x)
			want = want.Add(x)
		}
		if got := s.Value(); !got.Equal(want) {
			t.Fatalf("sum = %s, want %s", got, want)
		}
	}
}

// TestNewYorkDST pins the instants around the 2026 March/April boundary in
// America/New_York, which is on daylight time (UTC−4) from 2026-03-08:
// 23:30 at −05:00 on March 31 is already 00:30 on April 1 there.
func TestNewYorkDST(t *testing.T) {
	c := mustParse(t, strings.Replace(fxDoc, "currency: USD", "currency: USD, timezone: America/New_York", 1))
	tests := []struct{ at, want string }{
		{"2026-03-31T23:30:00-05:00", "2026-04"},
		{"2026-03-31T23:30:00-04:00", "2026-03"},
		{"2026-04-01T03:59:59Z", "2026-03"},
		{"2026-04-01T04:00:00Z", "2026-04"},
		{"2026-01-31T23:30:00-05:00", "2026-01"},
		{"2026-02-01T04:59:59Z", "2026-01"},
		{"2026-04-01", "2026-04"}, // a date-only event is that date in the contract's zone
	}
	for _, tt := range tests {
		e := ev(1, tt.at, "a", "x", "1", "USD")
		if got := c.PeriodOf(e.DateIn(c.Location())).Label(); got != tt.want {
			t.Errorf("%s: period %s, want %s", tt.at, got, tt.want)
		}
	}
}

func TestParseJSONNumbers(t *testing.T) {
	c := mustParse(t, `{"id": "j", "currency": "EUR", "parties": ["a", "b"], "rules": [
	  {"id": "r", "payer": "a", "payee": "b", "tiers": [{"up_to": 2000000, "rate": 0.25}, {"rate": 0.125}],
	   "from": "2026-01-01", "cap": {"total": 1000000.50}}]}`)
	r := c.Rules[0]
	if r.Tiers[0].UpTo.String() != "2000000" || r.Tiers[0].Rate.String() != "0.25" || r.Tiers[1].Rate.String() != "0.125" ||
		r.Cap.Total.String() != "1000000.5" || r.From.String() != "2026-01-01" {
		t.Fatalf("rule = %+v", r)
	}
}
