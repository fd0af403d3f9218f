package scenario

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// benchScenario is the demo contract under 10,000 Monte Carlo runs of 72
// monthly periods (2025-01 to 2030-12).
const benchScenario = `
start_period: 2025-01
horizon: 2030-12
streams:
  - match: {seller: openai}
    start: "1000000000.00"
    growth: {monthly: "0.04"}
  - match: {seller: microsoft, channel: azure}
    start: "300000000.00"
    growth: {monthly: "0.02"}
monte_carlo:
  runs: 10000
  seed: 42
  growth.monthly: {dist: normal, mean: "0.04", sd: "0.015"}
`

func demoContract(b testing.TB) string {
	doc, err := os.ReadFile(filepath.Join("..", "demo", "openai-microsoft.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	return "contract:\n  " + strings.ReplaceAll(strings.TrimSpace(string(doc)), "\n", "\n  ") + "\n"
}

// BenchmarkMonteCarloDemo: one op is the whole scenario, 10,000 runs.
func BenchmarkMonteCarloDemo(b *testing.B) {
	p := benchPlan(b)
	if n := len(p.periods); n != 72 {
		b.Fatalf("%d periods, want 72", n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := p.Run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// benchPlan prepares the benchmark scenario.
func benchPlan(b *testing.B) *Plan {
	return mustPrepare(b, demoContract(b)+benchScenario, ParseOptions{}, Sources{})
}

// BenchmarkRunParts splits one Monte Carlo run (one op) into its parts, on
// one goroutine: drawing and projecting revenue into bases (this package),
// and the engine (contracts.EvaluateBases) with the run summary.
func BenchmarkRunParts(b *testing.B) {
	p := benchPlan(b)
	vp, mc := p.variants[0], p.s.MonteCarlo
	sc := &scratch{streams: make([]Stream, len(vp.streams))}
	project := func(i int) [][]decimal.Decimal {
		rng := newRand(mc.Seed, uint64(i))
		copy(sc.streams, vp.streams)
		for j, d := range mc.Draws {
			applyStreamOverride(sc.streams, p.drawPaths[j], drawGrowth(rng, d))
		}
		bases, err := p.bases(vp, sc.streams, sc)
		if err != nil {
			b.Fatal(err)
		}
		return bases
	}
	b.Run("projection", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			project(i)
		}
	})
	b.Run("engine", func(b *testing.B) {
		bases := project(0)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := runSummary(vp, p.periods, bases, sc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
