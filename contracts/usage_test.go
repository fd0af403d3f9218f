package contracts

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// usageDoc: a New York contract whose two rules count seller a's events,
// one converting at the event's date inside a window cut on 2026-02-15,
// the other at the period's end.
const usageDoc = `
id: agg
currency: USD
timezone: America/New_York
parties: [a, b]
rules:
  - {id: ev, payer: a, payee: b, match: {seller: a}, rate: "0.1", from: 2026-01-01, until: 2026-02-15}
  - {id: pe, payer: a, payee: b, match: {seller: a}, rate: "0.2", from: 2026-01-01, fx_rule: period_end}
`

func usageEvents() []ledger.Event {
	withProduct := func(e ledger.Event, p string) ledger.Event { e.Product = p; return e }
	return []ledger.Event{
		withProduct(ev(1, "2026-01-10", "a", "direct", "100.00", "USD"), "api"),
		withProduct(ev(2, "2026-01-10T12:00:00Z", "a", "direct", "50.50", "EUR"), "api"),
		withProduct(ev(3, "2026-01-25", "a", "azure", "200", "EUR"), "api"),
		// 22:00 on January 31 in New York: January, converted at that date.
		withProduct(ev(4, "2026-02-01T03:00:00Z", "a", "direct", "10", "USD"), "api"),
		withProduct(ev(5, "2026-02-01T03:00:00Z", "a", "direct", "20", "EUR"), "api"),
		withProduct(ev(6, "2026-02-10", "a", "direct", "-30.00", "USD"), "chat"),
		// After ev's window: pe only.
		withProduct(ev(7, "2026-02-20", "a", "direct", "40", "EUR"), "api"),
		withProduct(ev(8, "2026-01-12", "b", "direct", "1000", "USD"), "api"),
		withProduct(ev(9, "2026-01-11", "a", "direct", "25.25", "EUR"), "api"),
	}
}

func usageRates() []ledger.FXRate {
	r := func(d, rate string) ledger.FXRate {
		return ledger.FXRate{Date: date(d), From: "EUR", To: "USD", Rate: decimal.RequireFromString(rate)}
	}
	return []ledger.FXRate{r("2026-01-01", "1.10"), r("2026-01-20", "1.20"), r("2026-01-31", "1.25"), r("2026-02-28", "1.30"),
		{Date: date("2026-01-01"), From: "USD", To: "EUR", Rate: decimal.RequireFromString("0.9")}}
}

func rowStrings(rows []UsageRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r.String())
	}
	return out
}

// lineStrings renders lines with bases and breakdowns at their exact scale.
func lineStrings(c *Contract, res *Result) []string {
	out := summarize(c, res)
	for i, ln := range res.Lines {
		out[i] += fmt.Sprintf(" ; base %s channels %s products %s", ledger.FormatAmount(ln.Base), breakdown(ln.ByChannel), breakdown(ln.ByProduct))
	}
	return out
}

func breakdown(m map[string]decimal.Decimal) string {
	b, _ := json.Marshal(m) // sorted keys
	s := string(b)
	for k, v := range m {
		s = strings.Replace(s, fmt.Sprintf("%q:%q", k, v.String()), fmt.Sprintf("%q:%q", k, ledger.FormatAmount(v)), 1)
	}
	return s
}

// TestUsageHandComputed: the aggregates of usageEvents and their
// evaluation, worked out by hand.
//
// ev (event_date, until 2026-02-15): January holds 100.00 + 10 USD and EUR
// 50.50 × 1.10 = 55.5500 (Jan 10), 25.25 × 1.10 = 27.7750 (Jan 11),
// 200 × 1.20 = 240.00 (Jan 25), 20 × 1.25 = 25.00 (Jan 31 in New York):
// base 458.3250, gross 45.8325 → 45.83. February: the refund −30.00; event
// 7 (Feb 20) is after the window. pe (period_end): January converts all EUR
// at Jan 31's 1.25: (50.50 + 25.25 + 20) × 1.25 = 119.6875 and 250.00, plus
// 110.00 USD: 479.6875, gross 95.94; February 40 × 1.30 − 30.00 = 22.00.
func TestUsageHandComputed(t *testing.T) {
	c := mustParse(t, usageDoc)
	events := usageEvents()
	u := NewUsage(c)
	for i := range events {
		u.Add(&events[i])
	}
	wantRows := []string{
		`rule ev, 2026-01, channel "azure", product "api", EUR at the rate of 2026-01-25: 200 × 1`,
		`rule ev, 2026-01, channel "direct", product "api", EUR at the rate of 2026-01-10: 50.50 × 1`,
		`rule ev, 2026-01, channel "direct", product "api", EUR at the rate of 2026-01-11: 25.25 × 1`,
		`rule ev, 2026-01, channel "direct", product "api", EUR at the rate of 2026-01-31: 20 × 1`,
		`rule ev, 2026-01, channel "direct", product "api", USD: 110.00 × 2`,
		`rule ev, 2026-02, channel "direct", product "chat", USD: -30.00 × 1`,
		`rule pe, 2026-01, channel "azure", product "api", EUR at the rate of 2026-01-31: 200 × 1`,
		`rule pe, 2026-01, channel "direct", product "api", EUR at the rate of 2026-01-31: 95.75 × 3`,
		`rule pe, 2026-01, channel "direct", product "api", USD: 110.00 × 2`,
		`rule pe, 2026-02, channel "direct", product "api", EUR at the rate of 2026-02-28: 40 × 1`,
		`rule pe, 2026-02, channel "direct", product "chat", USD: -30.00 × 1`,
	}
	if got := rowStrings(u.Rows()); strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Fatalf("rows:\n%s", strings.Join(got, "\n"))
	}
	if u.Len() != len(wantRows) {
		t.Fatalf("Len = %d", u.Len())
	}
	res, err := ComputeUsage(c, u, usageRates(), period("2026-02"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`2026-01 ev base=458.325 n=6 gross=45.83 obl=45.83 tu=0.00 total=45.83 ; base 458.3250 channels {"azure":"240.00","direct":"218.3250"} products {"api":"458.3250"}`,
		`2026-01 pe base=479.6875 n=6 gross=95.94 obl=95.94 tu=0.00 total=95.94 ; base 479.6875 channels {"azure":"250.00","direct":"229.6875"} products {"api":"479.6875"}`,
		`2026-02 ev base=-30 n=1 gross=-3.00 obl=-3.00 tu=0.00 total=-3.00 ; base -30.00 channels {"direct":"-30.00"} products {"chat":"-30.00"}`,
		`2026-02 pe base=22 n=2 gross=4.40 obl=4.40 tu=0.00 total=4.40 ; base 22.00 channels {"direct":"22.00"} products {"api":"52.00","chat":"-30.00"}`,
	}
	if got := lineStrings(c, res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s", strings.Join(got, "\n"))
	}
	compareWithCompute(t, c, events, usageRates(), period("2026-02"), u)
	compareWithCompute(t, c, events, usageRates(), period("2026-01"), u)

	// A missing rate names the currency, the date and the aggregate; rows
	// are evaluated in Rows order, so it is always the same one.
	_, err = ComputeUsage(c, u, nil, period("2026-02"))
	var me *MissingRateError
	if !errors.As(err, &me) || ledger.ErrorCode(err) != ledger.EINVALID ||
		err.Error() != "no FX rate from EUR to USD on or before 2026-01-25 (needed by the usage of rule ev in 2026-01)" {
		t.Fatalf("err = %v", err)
	}
}

// TestUsageQuarterly: a quarterly UTC contract, a window from mid-February
// through May 10 (inclusive), JPY converted at the quarter's end.
// Q1: 300.00 + 100 USD + 15000 JPY × 0.0067 = 100.5000: base 500.5000,
// gross 0.25 × 500.5 = 125.125 → 125.13. Q2: −50 + 20000 × 0.0065 = 130.0000:
// 80.0000, gross 20.00. Through Q1, Q2's aggregates are ignored, and so is
// their missing rate.
func TestUsageQuarterly(t *testing.T) {
	c := mustParse(t, `{id: q, currency: USD, period: quarter, parties: [a, b], rules: [
  {id: q, payer: a, payee: b, rate: "0.25", from: 2026-02-15, through: 2026-05-10, fx_rule: period_end}]}`)
	events := []ledger.Event{
		ev(1, "2026-01-20", "a", "direct", "1000", "USD"),
		ev(2, "2026-02-20", "a", "direct", "300.00", "USD"),
		ev(3, "2026-03-31T23:00:00Z", "a", "direct", "100", "USD"),
		ev(4, "2026-03-15", "a", "direct", "15000", "JPY"),
		ev(5, "2026-04-01", "a", "direct", "-50", "USD"),
		ev(6, "2026-05-10", "a", "direct", "20000", "JPY"),
		ev(7, "2026-05-11", "a", "direct", "999", "USD"),
	}
	rates := []ledger.FXRate{
		{Date: date("2026-03-31"), From: "JPY", To: "USD", Rate: decimal.RequireFromString("0.0067")},
		{Date: date("2026-06-30"), From: "JPY", To: "USD", Rate: decimal.RequireFromString("0.0065")},
	}
	u := NewUsage(c)
	for i := range events {
		u.Add(&events[i])
	}
	wantRows := []string{
		`rule q, 2026-Q1, channel "direct", product "", JPY at the rate of 2026-03-31: 15000 × 1`,
		`rule q, 2026-Q1, channel "direct", product "", USD: 400.00 × 2`,
		`rule q, 2026-Q2, channel "direct", product "", JPY at the rate of 2026-06-30: 20000 × 1`,
		`rule q, 2026-Q2, channel "direct", product "", USD: -50 × 1`,
	}
	if got := rowStrings(u.Rows()); strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
		t.Fatalf("rows:\n%s", strings.Join(got, "\n"))
	}
	res, err := ComputeUsage(c, u, rates, period("2026-Q2"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`2026-Q1 q base=500.5 n=3 gross=125.13 obl=125.13 tu=0.00 total=125.13 ; base 500.5000 channels {"direct":"500.5000"} products {"":"500.5000"}`,
		`2026-Q2 q base=80 n=2 gross=20.00 obl=20.00 tu=0.00 total=20.00 ; base 80.0000 channels {"direct":"80.0000"} products {"":"80.0000"}`,
	}
	if got := lineStrings(c, res); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s", strings.Join(got, "\n"))
	}
	compareWithCompute(t, c, events, rates, period("2026-Q2"), u)
	res, err = ComputeUsage(c, u, rates[:1], period("2026-Q1"))
	if err != nil || len(res.Lines) != 1 || res.Lines[0].Base.String() != "500.5" {
		t.Fatalf("through Q1: %v %+v", err, res)
	}
	compareWithCompute(t, c, events, rates[:1], period("2026-Q1"), u)
}

// TestUsageCases: on every hand-computed engine case, the evaluation of the
// aggregates (built in parts, stored as text, merged) renders the same JSON
// as the engine over the events, event IDs aside.
func TestUsageCases(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/contracts/cases/*")
	if err != nil || len(dirs) == 0 {
		t.Fatal(err, dirs)
	}
	rng := rand.New(rand.NewSource(7))
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			c, events, rates, through := loadCase(t, dir)
			u := splitUsage(t, rng, c, events, 3)
			compareWithCompute(t, c, events, rates, through, u)
			// The golden output, without its event IDs.
			res, err := ComputeUsage(c, u, rates, through)
			if err != nil {
				t.Fatal(err)
			}
			var golden Result
			golden.Contract = c
			var raw map[string]any
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "expected.json"))), &raw); err != nil {
				t.Fatal(err)
			}
			for _, ln := range raw["lines"].([]any) {
				delete(ln.(map[string]any), "event_ids")
			}
			want, _ := json.Marshal(raw)
			got, _ := json.Marshal(res)
			var norm map[string]any
			_ = json.Unmarshal(got, &norm)
			got, _ = json.Marshal(norm)
			if string(got) != string(want) {
				t.Fatalf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestUsageRowErrors: rows that cannot come from events of the contract are
// refused, by AddRow and AddUsage alike, with these exact messages.
func TestUsageRowErrors(t *testing.T) {
	c := mustParse(t, usageDoc)
	ok := UsageKey{Rule: "ev", Period: period("2026-01"), Channel: "direct", Product: "api", Currency: "EUR", FXDate: date("2026-01-10")}
	one := UsageSum{Amount: decimal.RequireFromString("1.50"), Events: 1}
	mod := func(f func(k *UsageKey)) UsageKey { k := ok; f(&k); return k }
	const pre = `contract agg: usage of rule `
	tests := []struct {
		key  UsageKey
		sum  UsageSum
		want string
	}{
		{mod(func(k *UsageKey) { k.Rule = "nope" }), one,
			`nope, 2026-01, channel "direct", product "api", EUR at the rate of 2026-01-10: no such rule`},
		{mod(func(k *UsageKey) { k.Period = period("2026-Q1") }), one,
			`ev, 2026-Q1, channel "direct", product "api", EUR at the rate of 2026-01-10: not a month period`},
		{mod(func(k *UsageKey) { k.Period = ledger.Period{Freq: ledger.Month, Year: 2026, Index: 13} }), one,
			`ev, 2026-13, channel "direct", product "api", EUR at the rate of 2026-01-10: not a month period`},
		{mod(func(k *UsageKey) { k.Period = period("2026-03") }), one,
			`ev, 2026-03, channel "direct", product "api", EUR at the rate of 2026-01-10: the period is outside the rule's window`},
		{ok, UsageSum{Amount: decimal.Zero}, `ev, 2026-01, channel "direct", product "api", EUR at the rate of 2026-01-10: 0 events`},
		{mod(func(k *UsageKey) { k.Currency = "USD" }), one,
			`ev, 2026-01, channel "direct", product "api", USD at the rate of 2026-01-10: an amount in the contract currency has no FX date`},
		{mod(func(k *UsageKey) { k.FXDate = ledger.Date{} }), one,
			`ev, 2026-01, channel "direct", product "api", EUR: an amount in another currency needs an FX date`},
		{mod(func(k *UsageKey) { k.FXDate = date("2026-02-01") }), one,
			`ev, 2026-01, channel "direct", product "api", EUR at the rate of 2026-02-01: fx_rule event_date converts at an event date inside the period and the rule's window`},
		{mod(func(k *UsageKey) { k.Period, k.FXDate = period("2026-02"), date("2026-02-15") }), one,
			`ev, 2026-02, channel "direct", product "api", EUR at the rate of 2026-02-15: fx_rule event_date converts at an event date inside the period and the rule's window`},
		{mod(func(k *UsageKey) { k.Rule = "pe" }), one,
			`pe, 2026-01, channel "direct", product "api", EUR at the rate of 2026-01-10: fx_rule period_end converts at the period's last day 2026-01-31`},
	}
	for _, tt := range tests {
		u := NewUsage(c)
		acc, err := NewAccumulator(c, period("2026-12"), usageRates(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, err := range []error{u.AddRow(tt.key, tt.sum), acc.AddUsage(tt.key, tt.sum)} {
			if err == nil || err.Error() != pre+tt.want || ledger.ErrorCode(err) != ledger.EINVALID {
				t.Errorf("err = %v\nwant %s", err, pre+tt.want)
			}
		}
		if u.Len() != 0 {
			t.Errorf("%s: a refused row was kept", tt.want)
		}
	}
	// The good row itself, and one after `through`: accepted; the latter
	// adds nothing.
	acc, _ := NewAccumulator(c, period("2026-01"), usageRates(), Options{})
	late := UsageKey{Rule: "pe", Period: period("2026-03"), Currency: "USD"}
	if err := acc.AddUsage(ok, one); err != nil {
		t.Fatal(err)
	}
	if err := acc.AddUsage(late, one); err != nil {
		t.Fatal(err)
	}
	res, err := acc.Result()
	if err != nil || len(res.Lines) != 2 || res.Lines[0].Base.String() != "1.65" || res.Lines[0].Events != 1 || res.Lines[1].Events != 0 {
		t.Fatalf("%v %+v", err, res)
	}
}

// TestUsageSignature: versions that count events alike share usage;
// others are refused.
func TestUsageSignature(t *testing.T) {
	c := mustParse(t, usageDoc)
	// Stored aggregates are keyed by it: it must not change between
	// releases unless the aggregation does.
	sig := c.UsageSignature()
	if sig != "31b4df5ce5ff373b7f4983759b69b9455bac6db1c2187aef846e55878d445620" {
		t.Fatalf("signature %q", sig)
	}
	same := []string{
		strings.Replace(usageDoc, `rate: "0.1"`, `rate: "0.15", cap: {total: "10.00"}, minimum: {per_year: "5"}`, 1),
		strings.Replace(usageDoc, `rate: "0.2"`, `tiers: [{up_to: "100", rate: "0.5"}, {rate: "0.1"}]`, 1),
		strings.Replace(usageDoc, "parties: [a, b]", "name: renamed\nrounding: half_even\nparties: [a, b, c]", 1),
		strings.Replace(usageDoc, "payer: a, payee: b, match: {seller: a}, rate: \"0.2\"", "payer: b, payee: a, match: {seller: a}, rate: \"0.2\"", 1),
		strings.Replace(usageDoc, "timezone: America/New_York", "timezone: America/New_York\nperiod: month", 1),
	}
	for _, doc := range same {
		c2 := mustParse(t, doc)
		if c2.UsageSignature() != sig {
			t.Errorf("signature changed:\n%s", doc)
		}
	}
	different := []string{
		strings.Replace(usageDoc, "USD", "EUR", 1),
		strings.Replace(usageDoc, "America/New_York", "UTC", 1),
		strings.Replace(usageDoc, "timezone: America/New_York", "timezone: America/New_York\nperiod: quarter", 1),
		strings.Replace(usageDoc, "{seller: a}, rate: \"0.1\"", "{seller: [a, b]}, rate: \"0.1\"", 1),
		strings.Replace(usageDoc, "until: 2026-02-15", "until: 2026-02-16", 1),
		strings.Replace(usageDoc, "from: 2026-01-01, fx_rule", "from: 2026-01-02, fx_rule", 1),
		strings.Replace(usageDoc, ", fx_rule: period_end", "", 1),
		strings.Replace(usageDoc, "id: pe", "id: pe2", 1),
	}
	events := usageEvents()
	u := NewUsage(c)
	for i := range events {
		u.Add(&events[i])
	}
	for _, doc := range different {
		c2 := mustParse(t, doc)
		if c2.UsageSignature() == sig {
			t.Errorf("signature unchanged:\n%s", doc)
		}
		err := NewUsage(c2).Merge(u)
		want := fmt.Sprintf("contract agg (usage signature %.8s) and contract agg (%.8s) count events differently: the aggregates of one do not apply to the other", sig, c2.UsageSignature())
		if err == nil || err.Error() != want || ledger.ErrorCode(err) != ledger.EINVALID {
			t.Errorf("merge: %v", err)
		}
		if _, err := ComputeUsage(c2, u, usageRates(), period("2026-02")); err == nil {
			t.Error("ComputeUsage accepted usage of another signature")
		}
	}
	// A new version with other rates and caps evaluates the old version's
	// usage exactly as its own events.
	c2 := mustParse(t, same[0])
	compareWithCompute(t, c2, events, usageRates(), period("2026-02"), u)
	merged := NewUsage(c2)
	if err := merged.Merge(u); err != nil || merged.Len() != u.Len() {
		t.Fatalf("%v %d", err, merged.Len())
	}
}

func TestUsageSumAdd(t *testing.T) {
	s := UsageSum{decimal.RequireFromString("1.5"), 2}.Add(UsageSum{decimal.RequireFromString("-0.25"), 1})
	if ledger.FormatAmount(s.Amount) != "1.25" || s.Events != 3 {
		t.Fatalf("%+v", s)
	}
}

// TestUsageAddSum: events alike but for their amounts, added as one sum
// with their count and IDs (a store's GROUP BY), give the rows of adding
// them one by one, scales and traced IDs included.
func TestUsageAddSum(t *testing.T) {
	c, err := Parse([]byte(usageDoc))
	if err != nil {
		t.Fatal(err)
	}
	one, summed := NewUsage(c), NewUsage(c)
	one.TraceEvents()
	summed.TraceEvents()
	group := []ledger.Event{ev(1, "2026-01-10", "a", "direct", "100.5", "EUR"), ev(2, "2026-01-10", "a", "direct", "-0.25", "EUR"), ev(3, "2026-01-10", "a", "direct", "3", "EUR")}
	sum := group[0]
	sum.Amount = decimal.Zero
	for i := range group {
		one.Add(&group[i])
		sum.Amount = sum.Amount.Add(group[i].Amount)
	}
	summed.AddSum(&sum, 3, []int64{1, 2, 3})
	got, want := rowStrings(summed.Rows()), rowStrings(one.Rows())
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(want) != 2 || want[0] != `rule ev, 2026-01, channel "direct", product "", EUR at the rate of 2026-01-10: 103.25 × 3` {
		t.Errorf("AddSum rows:\n%s\nwant (Add one by one):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for i, r := range summed.Rows() {
		if fmt.Sprint(r.EventIDs) != "[1 2 3]" || fmt.Sprint(one.Rows()[i].EventIDs) != "[1 2 3]" {
			t.Errorf("row %d event IDs %v, want [1 2 3]", i, r.EventIDs)
		}
	}
}
