package scenario

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// TestEventActualsReproduceTheEngine: with actuals from events, the actual
// periods' obligations of the base variant are exactly the engine's for
// the same events (what a statement run books), and the projection carries
// on from the real cap consumption.
func TestEventActualsReproduceTheEngine(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "demo", "openai-microsoft.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := contracts.Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	// Two years of daily events on three channels, and a refund.
	var events []ledger.Event
	day := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := 0; day.Year() < 2027; i, day = i+1, day.AddDate(0, 0, 1) {
		for j, ch := range []string{"direct", "azure", "aws"} {
			seller := "openai"
			if ch == "azure" && i%2 == 0 {
				seller = "microsoft"
			}
			amt := decimal.New(int64(1000000000+i*7919+j*104729), -2).Mul(decimal.NewFromInt(int64(1 + i/30)))
			events = append(events, ledger.Event{ID: int64(len(events) + 1), EventID: fmt.Sprint(len(events)), OccurredAt: day,
				Seller: seller, Channel: ch, Amount: amt, Currency: "USD"})
		}
	}
	events = append(events, ledger.Event{ID: 99999, EventID: "refund", OccurredAt: time.Date(2026, 5, 3, 0, 0, 0, 0, time.UTC),
		Seller: "openai", Channel: "aws", Amount: decimal.RequireFromString("-12345.67"), Currency: "USD"})
	through := ledger.Period{Freq: ledger.Month, Year: 2026, Index: 12}
	want, err := contracts.Compute(c, events, nil, through, contracts.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{
		Contracts: fakeContracts{"openai-microsoft": string(doc)},
		Actuals: EventActuals{
			Events: func(ctx context.Context, fn func(*ledger.Event) error) error {
				for i := range events {
					if err := fn(&events[i]); err != nil {
						return err
					}
				}
				return nil
			},
		},
	}
	res, err := Evaluate(context.Background(), []byte(`
contract: openai-microsoft
actuals_through: 2026-12
horizon: 2030-12
streams:
  - match: {seller: openai}
    start: "3000000000.00"
    growth: {monthly: "0.03"}
`), ParseOptions{}, src)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Variants[0]
	// Obligations per actual period, all rules, as the engine computes them.
	perPeriod := map[string]decimal.Decimal{}
	for _, ln := range want.Lines {
		perPeriod[ln.Period.Label()] = perPeriod[ln.Period.Label()].Add(ln.Total)
	}
	actual := 0
	for _, p := range v.Periods {
		if !p.Actual {
			continue
		}
		actual++
		if w := ledger.FormatMoney(perPeriod[p.Period], "USD"); p.Obligations != w {
			t.Errorf("%s: scenario %s, engine %s", p.Period, p.Obligations, w)
		}
	}
	if actual != 48 { // 2023-01 (the azure rule's start) through 2026-12
		t.Errorf("%d actual periods, want 48", actual)
	}
	if res.FirstProjected != "2027-01" || v.Caps[0].BindsIn == "never" {
		t.Errorf("first projected %s, binds %s", res.FirstProjected, v.Caps[0].BindsIn)
	}
}
