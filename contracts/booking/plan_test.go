package booking

import (
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

var (
	month = ledger.MustParsePeriod
	date  = ledger.MustParseDate
)

func computed(rule, period, base, amount string) Computed {
	return Computed{Rule: rule, Payer: "openai", Payee: "microsoft", Period: month(period), Base: d(base), Amount: d(amount)}
}

// summary renders a plan compactly for exact comparison.
func summary(bs []Booking) []string {
	var out []string
	for _, b := range bs {
		out = append(out, string(b.Kind)+" "+b.Rule+" "+b.Period+" on "+b.Date.String()+" in "+b.BookedIn.Label()+
			" base "+b.Base.String()+" Δbase "+b.BaseDelta.String()+" Δ "+b.AmountDelta.String()+" #"+string(rune('0'+b.Seq)))
		if b.Payer != "openai" || b.Payee != "microsoft" {
			out[len(out)-1] += " " + b.Payer + "→" + b.Payee
		}
	}
	return out
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name     string
		computed []Computed
		booked   map[Ref]Booked
		closed   string
		want     []string
	}{
		{
			name:     "first run books each open period on its last day",
			computed: []Computed{computed("r", "2026-01", "100", "20.00"), computed("r", "2026-02", "50", "10.00")},
			want: []string{
				"accrual r 2026-01 on 2026-01-31 in 2026-01 base 100 Δbase 100 Δ 20 #1",
				"accrual r 2026-02 on 2026-02-28 in 2026-02 base 50 Δbase 50 Δ 10 #1",
			},
		},
		{
			name:     "nothing new books nothing",
			computed: []Computed{computed("r", "2026-01", "100", "20.00")},
			booked:   map[Ref]Booked{{"r", "2026-01"}: {Period: month("2026-01"), Base: d("100"), Amount: d("20.00"), Count: 1}},
			want:     nil,
		},
		{
			name:     "zero obligation with nothing booked books nothing",
			computed: []Computed{computed("r", "2026-01", "0", "0")},
			want:     nil,
		},
		{
			name:     "an open period is brought to the computed value in place",
			computed: []Computed{computed("r", "2026-02", "80", "16.00")},
			booked:   map[Ref]Booked{{"r", "2026-02"}: {Period: month("2026-02"), Base: d("50"), Amount: d("10.00"), Count: 1}},
			closed:   "2026-01-31",
			want:     []string{"accrual r 2026-02 on 2026-02-28 in 2026-02 base 80 Δbase 30 Δ 6 #2"},
		},
		{
			name:     "a closed period is corrected in the first open period",
			computed: []Computed{computed("r", "2026-01", "130", "26.00")},
			booked:   map[Ref]Booked{{"r", "2026-01"}: {Period: month("2026-01"), Base: d("100"), Amount: d("20.00"), Count: 1}},
			closed:   "2026-02-28",
			want:     []string{"adjustment r 2026-01 on 2026-03-01 in 2026-03 base 130 Δbase 30 Δ 6 #2"},
		},
		{
			name:   "a rule no longer computed is reversed",
			booked: map[Ref]Booked{{"gone", "2026-01"}: {Payer: "openai", Payee: "microsoft", Period: month("2026-01"), Base: d("100"), Amount: d("20.00"), Count: 1}},
			closed: "2026-01-31",
			want:   []string{"adjustment gone 2026-01 on 2026-02-01 in 2026-02 base 0 Δbase -100 Δ -20 #2"},
		},
		{
			// An amendment made microsoft the payer of r (openai had booked
			// 20, then 5): openai's share goes back to zero, microsoft's is
			// booked in full.
			name:     "new parties of a rule: the old pair's bookings are reversed",
			computed: []Computed{{Rule: "r", Payer: "microsoft", Payee: "openai", Period: month("2026-01"), Base: d("100"), Amount: d("20.00")}},
			booked: map[Ref]Booked{{"r", "2026-01"}: {Payer: "openai", Payee: "microsoft", Period: month("2026-01"), Base: d("100"),
				Amount: d("25.00"), Count: 2, ByPair: map[Pair]decimal.Decimal{{"openai", "microsoft"}: d("25.00")}}},
			closed: "2026-01-31",
			want: []string{
				"adjustment r 2026-01 on 2026-02-01 in 2026-02 base 100 Δbase 0 Δ -25 #3",
				"adjustment r 2026-01 on 2026-02-01 in 2026-02 base 100 Δbase 0 Δ 20 #4 microsoft→openai",
			},
		},
		{
			// microsoft, the new payer, owes nothing for January (its cap is
			// used up) while its base moved from 100 to 120: the reversal of
			// openai's share is the Ref's only booking and carries it.
			name:     "new parties owing nothing: the old pair's reversal carries the base delta",
			computed: []Computed{{Rule: "r", Payer: "microsoft", Payee: "openai", Period: month("2026-01"), Base: d("120"), Amount: d("0")}},
			booked: map[Ref]Booked{{"r", "2026-01"}: {Payer: "openai", Payee: "microsoft", Period: month("2026-01"), Base: d("100"),
				Amount: d("25.00"), Count: 1, ByPair: map[Pair]decimal.Decimal{{"openai", "microsoft"}: d("25.00")}}},
			closed: "2026-01-31",
			want:   []string{"adjustment r 2026-01 on 2026-02-01 in 2026-02 base 120 Δbase 20 Δ -25 #2"},
		},
		{
			name: "a split rule books each payee's part; the base delta goes with the first",
			computed: []Computed{{Rule: "s", Payer: "openai", Period: month("2026-01"), Base: d("100"), Amount: d("20.00"),
				Parts: []Part{{"microsoft", d("15.00")}, {"fund", d("5.00")}}}},
			want: []string{
				"accrual s 2026-01 on 2026-01-31 in 2026-01 base 100 Δbase 100 Δ 15 #1",
				"accrual s 2026-01 on 2026-01-31 in 2026-01 base 100 Δbase 0 Δ 5 #2 openai→fund",
			},
		},
		{
			// January booked 15.00 / 5.00; recomputed at 30.00 it splits
			// 22.50 / 7.50: each payee's difference, in the first open day.
			name: "a recomputed split of a closed period books each payee's difference",
			computed: []Computed{{Rule: "s", Payer: "openai", Period: month("2026-01"), Base: d("150"), Amount: d("30.00"),
				Parts: []Part{{"microsoft", d("22.50")}, {"fund", d("7.50")}}}},
			booked: map[Ref]Booked{{"s", "2026-01"}: {Payer: "openai", Payee: "fund", Period: month("2026-01"), Base: d("100"),
				Amount: d("20.00"), Count: 2, ByPair: map[Pair]decimal.Decimal{{"openai", "microsoft"}: d("15.00"), {"openai", "fund"}: d("5.00")}}},
			closed: "2026-01-31",
			want: []string{
				"adjustment s 2026-01 on 2026-02-01 in 2026-02 base 150 Δbase 50 Δ 7.5 #3",
				"adjustment s 2026-01 on 2026-02-01 in 2026-02 base 150 Δbase 0 Δ 2.5 #4 openai→fund",
			},
		},
		{
			name: "a payee dropped from a split goes back to zero",
			computed: []Computed{{Rule: "s", Payer: "openai", Period: month("2026-01"), Base: d("100"), Amount: d("20.00"),
				Parts: []Part{{"microsoft", d("20.00")}}}},
			booked: map[Ref]Booked{{"s", "2026-01"}: {Payer: "openai", Payee: "fund", Period: month("2026-01"), Base: d("100"),
				Amount: d("20.00"), Count: 2, ByPair: map[Pair]decimal.Decimal{{"openai", "microsoft"}: d("15.00"), {"openai", "fund"}: d("5.00")}}},
			want: []string{
				"accrual s 2026-01 on 2026-01-31 in 2026-01 base 100 Δbase 0 Δ -5 #3 openai→fund",
				"accrual s 2026-01 on 2026-01-31 in 2026-01 base 100 Δbase 0 Δ 5 #4",
			},
		},
		{
			// A period closed with nothing booked (a refund floored at 0)
			// stood at the base of its final statement: only Base is known.
			name:     "a closed period with nothing booked: the base delta is measured from its final statement's base",
			computed: []Computed{computed("r", "2026-02", "200", "100.00"), computed("r", "2026-03", "0", "0")},
			booked:   map[Ref]Booked{{"r", "2026-02"}: {Period: month("2026-02"), Base: d("-100")}},
			closed:   "2026-02-28",
			want: []string{
				"adjustment r 2026-02 on 2026-03-01 in 2026-03 base 200 Δbase 300 Δ 100 #1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var closed ledger.Date
			if tt.closed != "" {
				closed = date(tt.closed)
			}
			got := summary(Plan(tt.computed, tt.booked, closed, ledger.Month))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d bookings %q, want %q", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("booking %d:\n got %s\nwant %s", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestBookingEntryBalances(t *testing.T) {
	b := Plan([]Computed{computed("r", "2026-01", "100", "20.00")}, nil, ledger.Date{}, ledger.Month)[0]
	e := b.Entry("openai-microsoft", 1, "USD")
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if e.Key.String() != "run/openai-microsoft:r:2026-01:1" {
		t.Errorf("key = %s", e.Key)
	}
	if got := e.Postings[1].Account; got != "liabilities:revshare:openai:microsoft:openai-microsoft" {
		t.Errorf("payable account = %s", got)
	}
}
