package contracts

import (
	"math/rand"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// demoEvents generates n usage events for the demo contract, spread over the
// 72 months 2025-01..2030-12: OpenAI on four channels and Microsoft on
// Azure, amounts in cents, a few refunds.
func demoEvents(n int) []ledger.Event {
	rng := rand.New(rand.NewSource(42))
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start))
	channels := []string{"direct", "azure", "aws", "gcp"}
	products := []string{"chatgpt", "api", "enterprise"}
	events := make([]ledger.Event, n)
	for i := range events {
		e := &events[i]
		e.ID = int64(i + 1)
		e.Source, e.EventID = "bench", "e"
		e.OccurredAt = start.Add(time.Duration(rng.Int63n(span)))
		if rng.Intn(5) == 0 {
			e.Seller, e.Channel = "microsoft", "azure"
		} else {
			e.Seller, e.Channel = "openai", channels[rng.Intn(4)]
		}
		e.Product = products[rng.Intn(3)]
		cents := rng.Int63n(10_000_000)
		if rng.Intn(50) == 0 {
			cents = -cents
		}
		e.Amount = decimal.New(cents, -2)
		e.Currency = "USD"
	}
	return events
}

// BenchmarkEngine1M runs the demo contract over 1,000,000 events through
// 2030-12 (72 monthly periods of the 2025 rule; the Azure rule starts in
// 2023). One op is the whole run.
func BenchmarkEngine1M(b *testing.B) {
	c := mustParse(b, readFile(b, demoPath))
	events := demoEvents(1_000_000)
	through := period("2030-12")
	for _, trace := range []bool{false, true} {
		name := "trace=off"
		if trace {
			name = "trace=on"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res, err := Compute(c, events, nil, through, Options{TraceEvents: trace})
				if err != nil {
					b.Fatal(err)
				}
				if len(res.Lines) == 0 {
					b.Fatal("no lines")
				}
			}
		})
	}
}

// BenchmarkEvaluateBases72 evaluates the demo contract over 72 projected
// monthly periods: the unit of work of one Monte Carlo scenario run.
func BenchmarkEvaluateBases72(b *testing.B) {
	c := mustParse(b, readFile(b, demoPath))
	first, through := period("2025-01"), period("2030-12")
	bases := make([][]decimal.Decimal, len(c.Rules))
	for i := range bases {
		bases[i] = make([]decimal.Decimal, 72)
		for k := range bases[i] {
			bases[i][k] = decimal.New(100_000_000_000+int64(k)*4_000_000_000, -2)
		}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := EvaluateBases(c, first, through, bases); err != nil {
			b.Fatal(err)
		}
	}
}
