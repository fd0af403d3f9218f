package contracts

import (
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// BenchmarkUsage1M compares, over the demo contract's 1,000,000 events
// through 2030-12: aggregating them (Usage.Add) with accumulating them
// (Accumulator.Add, no tracing); evaluating the aggregates from a Usage
// (ComputeUsage) and row by row as read from storage (AddUsage + Result).
// The fx variants have a fifth of the events in EUR (event_date, so one
// aggregate per day). One op is the whole pass.
func BenchmarkUsage1M(b *testing.B) {
	c := mustParse(b, readFile(b, demoPath))
	through := period("2030-12")
	usd := demoEvents(1_000_000)
	eur := demoEvents(1_000_000)
	for i := range eur {
		if i%5 == 0 {
			eur[i].Currency = "EUR"
		}
	}
	var rates []ledger.FXRate
	for d := date("2024-12-01"); d.Before(date("2031-01-01")); d = d.AddDays(1) {
		rates = append(rates, ledger.FXRate{Date: d, From: "EUR", To: "USD", Rate: decimal.New(1_0800+int64(d.Day), -4)})
	}
	for _, v := range []struct {
		name   string
		events []ledger.Event
	}{{"usd", usd}, {"fx", eur}} {
		events := v.events
		b.Run(v.name+"/Accumulator.Add", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				acc, _ := NewAccumulator(c, through, rates, Options{})
				for j := range events {
					if err := acc.Add(&events[j]); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(v.name+"/Usage.Add", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				u := NewUsage(c)
				for j := range events {
					u.Add(&events[j])
				}
			}
		})
		u := NewUsage(c)
		for j := range events {
			u.Add(&events[j])
		}
		rows := u.Rows()
		b.Run(v.name+"/ComputeUsage", func(b *testing.B) {
			b.ReportMetric(float64(len(rows)), "rows")
			for i := 0; i < b.N; i++ {
				if _, err := ComputeUsage(c, u, rates, through); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(v.name+"/AddUsage+Result", func(b *testing.B) {
			b.ReportMetric(float64(len(rows)), "rows")
			for i := 0; i < b.N; i++ {
				acc, _ := NewAccumulator(c, through, rates, Options{})
				for _, r := range rows {
					if err := acc.AddUsage(r.UsageKey, r.UsageSum); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := acc.Result(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(v.name+"/Rows", func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				u.Rows()
			}
		})
	}
}
