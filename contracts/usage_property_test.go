package contracts

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// splitUsage aggregates the events in up to `parts` random parts, stores
// and re-reads each part as text, and merges them.
func splitUsage(t testing.TB, rng *rand.Rand, c *Contract, events []ledger.Event, parts int) *Usage {
	t.Helper()
	us := make([]*Usage, 1+rng.Intn(parts))
	for i := range us {
		us[i] = NewUsage(c)
	}
	for i := range events {
		us[rng.Intn(len(us))].Add(&events[i])
	}
	total := NewUsage(c)
	for _, u := range us {
		stored, err := UsageFromRows(c, storeRows(t, u.Rows()))
		if err != nil {
			t.Fatal(err)
		}
		if err := total.Merge(stored); err != nil {
			t.Fatal(err)
		}
	}
	// Merging parts equals aggregating everything at once, scale included.
	whole := NewUsage(c)
	for i := range events {
		whole.Add(&events[i])
	}
	if a, b := rowStrings(total.Rows()), rowStrings(whole.Rows()); strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Fatalf("merged parts:\n%s\nall at once:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	return total
}

// storeRows round-trips rows through the text a table would hold.
func storeRows(t testing.TB, rows []UsageRow) []UsageRow {
	t.Helper()
	out := make([]UsageRow, len(rows))
	for i, r := range rows {
		p, err := ledger.ParsePeriod(r.Period.Label())
		if err != nil {
			t.Fatal(err)
		}
		var fx ledger.Date
		if !r.FXDate.IsZero() {
			fx = date(r.FXDate.String())
		}
		amount, err := decimal.NewFromString(ledger.FormatAmount(r.Amount))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = UsageRow{UsageKey{r.Rule, p, r.Channel, r.Product, r.Currency, fx}, UsageSum{amount, r.Events}, nil}
	}
	return out
}

// compareWithCompute evaluates u both ways (ComputeUsage, and AddUsage row
// by row in reverse order) and checks that either both fail on a missing
// rate or both give Compute's lines over the events, field by field and at
// the same scale, event IDs aside.
func compareWithCompute(t testing.TB, c *Contract, events []ledger.Event, rates []ledger.FXRate, through ledger.Period, u *Usage) {
	t.Helper()
	want, wantErr := Compute(c, events, rates, through, Options{})
	got, gotErr := ComputeUsage(c, u, rates, through)
	acc, err := NewAccumulator(c, through, rates, Options{TraceEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	rows := u.Rows()
	var rowErr error
	for i := len(rows) - 1; i >= 0 && rowErr == nil; i-- {
		rowErr = acc.AddUsage(rows[i].UsageKey, rows[i].UsageSum)
	}
	var me *MissingRateError
	if wantErr != nil || gotErr != nil || rowErr != nil {
		if !errors.As(wantErr, &me) || !errors.As(gotErr, &me) || !errors.As(rowErr, &me) {
			t.Fatalf("errors differ: events %v, aggregates %v, rows %v", wantErr, gotErr, rowErr)
		}
		return
	}
	byRows, err := acc.Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range []*Result{got, byRows} {
		if diff := diffResults(want, res); diff != "" {
			t.Fatalf("through %s: %s", through.Label(), diff)
		}
		a, _ := json.Marshal(want)
		b, _ := json.Marshal(res)
		if string(a) != string(b) {
			t.Fatalf("JSON differs:\n%s\n%s", a, b)
		}
	}
	checkTracing(t, c, events, rates, through, got)
}

// checkTracing gives got (evaluated from aggregates) the event IDs that a
// tracing Usage keeps per aggregate, gathered per rule and period as a
// store does, and expects a tracing Compute's result exactly.
func checkTracing(t testing.TB, c *Contract, events []ledger.Event, rates []ledger.FXRate, through ledger.Period, got *Result) {
	t.Helper()
	want, err := Compute(c, events, rates, through, Options{TraceEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	ids := tracedIDs(c, events, nil)
	for i := range got.Lines {
		ln := &got.Lines[i]
		if traced := ids[linePeriod{ln.Rule, ln.Period}]; len(traced) > 0 {
			slices.Sort(traced)
			ln.EventIDs = traced
		}
	}
	for i := range want.Lines {
		if !reflect.DeepEqual(want.Lines[i].EventIDs, got.Lines[i].EventIDs) {
			t.Fatalf("%s %s: traced %v, want %v", want.Lines[i].Period, want.Lines[i].Rule, got.Lines[i].EventIDs, want.Lines[i].EventIDs)
		}
	}
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if string(a) != string(b) {
		t.Fatalf("traced JSON differs:\n%s\n%s", a, b)
	}
}

// linePeriod names one line of a Result: a rule in a period.
type linePeriod struct {
	rule   string
	period ledger.Period
}

// tracedIDs adds events to a tracing Usage of c and gathers its rows'
// event IDs per rule and period, as a store does; check, when given, sees
// every row first.
func tracedIDs(c *Contract, events []ledger.Event, check func(UsageRow)) map[linePeriod][]int64 {
	u := NewUsage(c)
	u.TraceEvents()
	for i := range events {
		u.Add(&events[i])
	}
	ids := map[linePeriod][]int64{}
	for _, r := range u.Rows() {
		if check != nil {
			check(r)
		}
		k := linePeriod{r.Rule, r.Period}
		ids[k] = append(ids[k], r.EventIDs...)
	}
	return ids
}

// diffResults compares every field of every line but EventIDs, decimals by
// value and scale.
func diffResults(want, got *Result) string {
	if want.First != got.First || want.Through != got.Through || len(want.Lines) != len(got.Lines) {
		return fmt.Sprintf("first %s/%s through %s/%s lines %d/%d", want.First, got.First, want.Through, got.Through, len(want.Lines), len(got.Lines))
	}
	same := func(a, b decimal.Decimal) bool { return a.Equal(b) && a.Exponent() == b.Exponent() }
	sameMap := func(a, b map[string]decimal.Decimal) bool {
		if len(a) != len(b) || (a == nil) != (b == nil) {
			return false
		}
		for k, v := range a {
			if w, ok := b[k]; !ok || !same(v, w) {
				return false
			}
		}
		return true
	}
	for i := range want.Lines {
		w, g := &want.Lines[i], &got.Lines[i]
		ok := w.Rule == g.Rule && w.Payer == g.Payer && w.Payee == g.Payee && w.Period == g.Period && w.RuleIndex == g.RuleIndex &&
			same(w.Base, g.Base) && w.Events == g.Events && sameMap(w.ByChannel, g.ByChannel) && sameMap(w.ByProduct, g.ByProduct) &&
			same(w.Gross, g.Gross) && same(w.Obligation, g.Obligation) && same(w.MinimumTrueUp, g.MinimumTrueUp) && same(w.Total, g.Total) &&
			len(w.Caps) == len(g.Caps) && g.EventIDs == nil
		for j := 0; ok && j < len(w.Caps); j++ {
			a, b := w.Caps[j], g.Caps[j]
			ok = a.Kind == b.Kind && same(a.Limit, b.Limit) && same(a.ConsumedBefore, b.ConsumedBefore) && same(a.Applied, b.Applied) &&
				same(a.RemainingAfter, b.RemainingAfter) && a.Bound == b.Bound
		}
		if !ok {
			return fmt.Sprintf("line %d:\nwant %+v\ngot  %+v", i, *w, *g)
		}
	}
	return ""
}

// TestPropertyUsage: for random contracts (the shape of
// TestPropertyOrderAndCaps's, with random time zones, frequencies,
// currencies, FX rules and windows) and random events in three currencies,
// split into random parts that are stored as text and merged, evaluating
// the aggregates gives exactly Compute's lines; a missing rate fails both.
func TestPropertyUsage(t *testing.T) {
	rng, seed := seededRand(t)
	for iter := 0; iter < 300; iter++ {
		c, doc, events, rates := randomUsageCase(t, rng)
		u := splitUsage(t, rng, c, events, 4)
		through := c.PeriodOf(date("2025-01-01").AddDays(rng.Intn(900)))
		func() {
			defer func() {
				if t.Failed() {
					t.Logf("seed %d iteration %d through %s\n%s", seed, iter, through.Label(), doc)
				}
			}()
			compareWithCompute(t, c, events, rates, through, u)
		}()
	}
}

// randomUsageCase returns a random contract (and its document), up to 250
// random events and random FX rates to its currency.
func randomUsageCase(t testing.TB, rng *rand.Rand) (*Contract, string, []ledger.Event, []ledger.FXRate) {
	c, doc := randomUsageContract(t, rng)
	events := randomUsageEvents(rng, rng.Intn(250))
	return c, doc, events, randomRates(rng, c.Currency)
}

func randomUsageContract(t testing.TB, rng *rand.Rand) (*Contract, string) {
	money := func(max int) string { return fmt.Sprintf("%d.%02d", rng.Intn(max), rng.Intn(100)) }
	pick := func(xs ...string) string { return xs[rng.Intn(len(xs))] }
	var b strings.Builder
	fmt.Fprintf(&b, "id: prop\ncurrency: %s\ntimezone: %s\nperiod: %s\nrounding: %s\nparties: [a, b]\nrules:\n",
		pick("USD", "EUR"), pick("UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"),
		pick("month", "month", "quarter", "year"), pick("half_up", "half_even"))
	for i := 0; i < 1+rng.Intn(3); i++ {
		payer, payee := "a", "b"
		if rng.Intn(2) == 0 {
			payer, payee = payee, payer
		}
		fmt.Fprintf(&b, "  - id: r%d\n    payer: %s\n    payee: %s\n", i, payer, payee)
		switch rng.Intn(4) {
		case 0:
			fmt.Fprintf(&b, "    match: {seller: %s}\n", pick("a", "b"))
		case 1:
			fmt.Fprintf(&b, "    match: {seller: %s, channel: [%s]}\n", pick("a", "b"), pick("azure", "azure, aws", "gcp, aws"))
		case 2:
			fmt.Fprintf(&b, "    match: {product: %s}\n", pick("api", "chat"))
		}
		if rng.Intn(2) == 0 {
			fmt.Fprintf(&b, "    rate: \"0.%02d\"\n", rng.Intn(100))
		} else {
			fmt.Fprintf(&b, "    tiers: [{up_to: \"500\", rate: \"0.3\"}, {up_to: \"2000\", rate: \"0.1\"}, {rate: \"0.05\"}]\n    tier_window: %s\n",
				pick("lifetime", "year", "period"))
		}
		from := date("2024-11-01").AddDays(rng.Intn(400))
		if rng.Intn(4) != 0 {
			fmt.Fprintf(&b, "    from: %s\n", from)
		}
		switch rng.Intn(3) {
		case 0:
			fmt.Fprintf(&b, "    until: %s\n", from.AddDays(1+rng.Intn(600)))
		case 1:
			fmt.Fprintf(&b, "    through: %s\n", from.AddDays(rng.Intn(600)))
		}
		if rng.Intn(2) == 0 {
			fmt.Fprintf(&b, "    cap: {total: \"%s\", per_year: \"%s\"}\n", money(3000), money(1500))
		}
		if rng.Intn(3) == 0 {
			fmt.Fprintf(&b, "    minimum: {per_year: \"%s\"}\n", money(600))
		}
		fmt.Fprintf(&b, "    fx_rule: %s\n", pick("event_date", "period_end"))
	}
	return mustParse(t, b.String()), b.String()
}

// randomUsageEvents: events from 2024-10 to 2027-03, many near midnight UTC
// at the turn of a month, in USD, EUR and JPY, amounts at scales 0 to 4
// and now and then too long for an int64.
func randomUsageEvents(rng *rand.Rand, n int) []ledger.Event {
	start := time.Date(2024, 10, 1, 0, 0, 0, 0, time.UTC)
	events := make([]ledger.Event, n)
	for i := range events {
		at := start.Add(time.Duration(rng.Int63n(int64(900 * 24 * time.Hour))))
		if rng.Intn(3) == 0 {
			first := time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, time.UTC)
			at = first.Add(time.Duration(rng.Int63n(int64(30*time.Hour))) - 15*time.Hour)
		}
		amount := decimal.New(rng.Int63n(200000)-50000, -int32(rng.Intn(5)))
		if rng.Intn(50) == 0 {
			amount = decimal.New(rng.Int63(), -2)
		}
		events[i] = ledger.Event{ID: int64(i + 1), Source: "p", EventID: fmt.Sprint(i + 1),
			Seller: []string{"a", "b"}[rng.Intn(2)], Channel: []string{"azure", "aws", "gcp"}[rng.Intn(3)],
			Product: []string{"api", "chat", ""}[rng.Intn(3)], OccurredAt: at, DateOnly: rng.Intn(4) == 0,
			Amount: amount, Currency: []string{"USD", "USD", "EUR", "JPY"}[rng.Intn(4)]}
		if events[i].DateOnly {
			events[i].OccurredAt = time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
		}
	}
	return events
}

// randomRates: rates into the contract currency every few days, usually
// from before the first event; sometimes a currency starts late, so some
// events lack a rate.
func randomRates(rng *rand.Rand, to string) []ledger.FXRate {
	var rates []ledger.FXRate
	for _, from := range []string{"USD", "EUR", "JPY"} {
		d := date("2024-09-01")
		if rng.Intn(8) == 0 {
			d = d.AddDays(rng.Intn(900))
		}
		for ; d.Before(date("2027-06-01")); d = d.AddDays(1 + rng.Intn(20)) {
			rates = append(rates, ledger.FXRate{Date: d, From: from, To: to, Rate: decimal.New(1+rng.Int63n(20000), -int32(rng.Intn(5)))})
		}
	}
	rng.Shuffle(len(rates), func(i, j int) { rates[i], rates[j] = rates[j], rates[i] })
	return rates
}

// TestPropertyUsageTrace: a tracing Usage's rows, gathered per rule and
// period, hold exactly the event IDs that a tracing Compute puts on the
// lines, for every line (whatever the through period: rows of later
// periods are simply not asked for).
func TestPropertyUsageTrace(t *testing.T) {
	rng, seed := seededRand(t)
	for iter := 0; iter < 200; iter++ {
		c, doc, events, rates := randomUsageCase(t, rng)
		through := c.PeriodOf(date("2025-01-01").AddDays(rng.Intn(900)))
		want, err := Compute(c, events, rates, through, Options{TraceEvents: true})
		if err != nil {
			continue // a missing rate: TestPropertyUsage covers it
		}
		ids := tracedIDs(c, events, func(r UsageRow) {
			if len(r.EventIDs) != r.Events {
				t.Fatalf("seed %d: row %s has %d IDs", seed, r, len(r.EventIDs))
			}
		})
		for _, ln := range want.Lines {
			got := ids[linePeriod{ln.Rule, ln.Period}]
			slices.Sort(got)
			if !slices.Equal(got, ln.EventIDs) && !(len(got) == 0 && len(ln.EventIDs) == 0) {
				t.Fatalf("seed %d iteration %d: %s %s: IDs %v, want %v\n%s", seed, iter, ln.Rule, ln.Period.Label(), got, ln.EventIDs, doc)
			}
		}
	}
}

// seededRand is a random source for a property test, seeded from the
// clock; the seed is logged, so that a failure can be replayed.
func seededRand(t *testing.T) (*rand.Rand, int64) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	return rand.New(rand.NewSource(seed)), seed
}
