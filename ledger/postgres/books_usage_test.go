package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	cbooks "github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// usageContracts count events by time zone (a quarter-hour offset, and one
// with daylight saving time), match on customer and region, open and
// close windows mid-period, and convert EUR at the event's date and at
// the period's end.
var usageContracts = []string{`id: ktm
currency: USD
timezone: Asia/Kathmandu
period: month
parties: [a, b]
rules:
  - {id: cust, payer: a, payee: b, match: {customer: [c1, c2]}, rate: "0.10", from: 2026-01-01, fx_rule: period_end}
  - {id: eu, payer: b, payee: a, match: {region: [eu], seller: [s2]}, rate: "0.07", from: 2026-01-15, until: 2026-03-10}
`, `id: nyc
currency: USD
timezone: America/New_York
period: quarter
parties: [a, b]
rules:
  - {id: all, payer: a, payee: b, rate: "0.05", from: 2025-12-31}
  - {id: direct, payer: a, payee: b, match: {channel: [direct]}, rate: "0.02", from: 2026-03-08}
`}

// usageEvents writes n events from mid-December to April: instants with
// nanoseconds, some on local midnights and daylight-saving changes, some
// date-only, in USD and EUR, positive and negative.
func usageEvents(n int) string {
	rng := rand.New(rand.NewSource(14))
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	start := time.Date(2025, 12, 20, 0, 0, 0, 0, time.UTC)
	edges := []string{"2026-03-08T06:59:59.999999999Z", "2026-03-08T07:00:00Z", "2026-01-31T18:14:59.9999999Z", "2026-01-31T18:15:00Z",
		"2026-02-28T23:59:59.999999999-05:00", "2026-03-31T23:59:59+05:45", "2026-04-01T00:00:00+05:45", "2026-01-15"}
	for i := 0; i < n; i++ {
		var occurred string
		switch {
		case i < len(edges):
			occurred = edges[i]
		case i%7 == 0:
			occurred = start.AddDate(0, 0, rng.Intn(120)).Format(time.DateOnly)
		default:
			t := start.Add(time.Duration(rng.Int63n(int64(120 * 24 * time.Hour))))
			occurred = t.In(time.FixedZone("", (rng.Intn(48)-24)*15*60)).Format(time.RFC3339Nano)
		}
		cur := "USD"
		if i%3 == 0 {
			cur = "EUR"
		}
		amount := fmt.Sprintf("%d.%0*d", rng.Intn(2000)-300, 1+i%4, rng.Intn(10000)%[]int{10, 100, 1000, 10000}[i%4])
		fmt.Fprintf(&b, "u%d,%s,s%d,%s,c%d,p%d,%s,%s,%s\n", i, occurred, 1+i%3, []string{"direct", "aws"}[i%2], 1+i%4, i%5,
			[]string{"eu", "us"}[i/2%2], amount, cur)
	}
	return b.String()
}

// TestUsageGroupedAsSQLite: PostgreSQL groups the events (one GROUP BY)
// into the usage SQLite builds event by event, and both evaluate every
// period of every contract to the same lines, event IDs included.
func TestUsageGroupedAsSQLite(t *testing.T) {
	ctx := context.Background()
	lite := tempdb.Open(t, storetest.NewClock(storetest.T0))
	pg := openDB(t, storetest.NewClock(storetest.T0))
	var rates strings.Builder
	rates.WriteString("date,from,to,rate\n")
	for d := storetest.D("2025-12-01"); d.Before(storetest.D("2026-05-01")); d = d.AddDays(1) {
		fmt.Fprintf(&rates, "%s,EUR,USD,1.%04d\n", d, 1000+d.Day*37)
	}
	events := usageEvents(3000)
	for _, b := range []booksBackend{lite, pg} {
		for _, doc := range usageContracts {
			storetest.SaveContract(t, b, doc, false)
		}
		if _, err := b.ImportRates(ctx, strings.NewReader(rates.String()), usage.RateImportOptions{FileName: "rates.csv"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.ImportUsage(ctx, strings.NewReader(events), usage.ImportOptions{Source: "crm", FileName: "u.csv"}); err != nil {
			t.Fatal(err)
		}
	}
	// PostgreSQL takes the grouped path for both contracts.
	err := pg.Books().View(ctx, func(tx cbooks.ReadTx) error {
		for _, id := range []string{"ktm", "nyc"} {
			sc, err := tx.Contract(id)
			if err != nil {
				return err
			}
			u, traced, ok, err := tx.Usage(sc.Contract, true)
			if err != nil || !ok || u.Len() == 0 || len(traced) == 0 {
				t.Errorf("Usage of %s: ok %v, %v", id, ok, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	periods := map[string][]ledger.Period{"ktm": nil, "nyc": nil}
	for m := 1; m <= 4; m++ {
		periods["ktm"] = append(periods["ktm"], ledger.Period{Freq: ledger.Month, Year: 2026, Index: m})
	}
	periods["nyc"] = []ledger.Period{{Freq: ledger.Quarter, Year: 2025, Index: 4}, {Freq: ledger.Quarter, Year: 2026, Index: 1}, {Freq: ledger.Quarter, Year: 2026, Index: 2}}
	lines := 0
	for _, id := range []string{"ktm", "nyc"} {
		for _, p := range periods[id] {
			want, err := cbooks.Service{Store: lite.Books()}.Evaluate(ctx, id, p)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cbooks.Service{Store: pg.Books()}.Evaluate(ctx, id, p)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := json.Marshal(want.Lines)
			g, _ := json.Marshal(got.Lines)
			if string(w) != string(g) {
				t.Errorf("%s %s:\n  SQLite:     %s\n  PostgreSQL: %s", id, p.Label(), w, g)
			}
			lines += len(want.Lines)
			for _, l := range want.Lines {
				if len(l.EventIDs) == 0 && l.Events > 0 {
					t.Errorf("%s %s %s: no event IDs traced", id, p.Label(), l.Rule)
				}
			}
		}
	}
	if lines < 15 {
		t.Errorf("only %d lines compared", lines)
	}
}
