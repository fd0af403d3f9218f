package books_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
)

// deal: a owes b 10% of what a sells, rounded half up to the cent.
const deal = `id: deal
name: Deal
currency: USD
timezone: UTC
period: month
rounding: half_up
parties: [a, b]
rules:
  - {id: r1, payer: a, payee: b, match: {seller: a}, rate: "0.10", from: 2026-01-01}
`

func newDealStore(t *testing.T) *memStore {
	t.Helper()
	return newMemStore(storetest.ParseContract(t, deal))
}

// sell adds an event: seller sold amount USD on date.
func (s *memStore) sell(seller, date, amount string) {
	id := int64(len(s.books.events) + 1)
	s.books.events = append(s.books.events, &ledger.Event{
		ID: id, Source: "test", EventID: fmt.Sprint(id), Seller: seller,
		OccurredAt: storetest.D(date).In(time.UTC), DateOnly: true,
		Amount: storetest.Dec(amount), Currency: "USD",
	})
}

// bookingLines renders bookings rows, one line each, amounts as stored.
func bookingLines(rows []books.Booking) []string {
	var out []string
	for _, r := range rows {
		out = append(out, fmt.Sprintf("entry %d %s v%d %s %s %s in %s %s->%s base %s (+%s) amount %s on %s",
			r.EntryID, r.Contract, r.Version, r.Rule, r.Period, r.Kind, r.BookedIn, r.Payer, r.Payee,
			r.Base, r.BaseDelta, r.Amount, r.Date))
	}
	return out
}

func wantLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestRun(t *testing.T) {
	ctx := context.Background()
	s := newDealStore(t)
	svc := books.Service{Store: s}
	s.sell("a", "2026-01-10", "100.00")
	s.sell("a", "2026-01-20", "23.45")
	s.sell("z", "2026-01-21", "1000.00") // not a's sale: outside the rule
	s.sell("a", "2026-02-05", "40.00")

	res, err := svc.Run(ctx, storetest.D("2026-02-15"))
	if err != nil {
		t.Fatal(err)
	}
	want := contracts.RunResult{Through: "2026-02-15", Contracts: []contracts.RunContract{{Contract: "deal", Through: "2026-02", Entries: 2}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("first run = %+v, want %+v", res, want)
	}
	wantLines(t, "bookings after the first run", bookingLines(s.books.bookings), []string{
		"entry 1 deal v1 r1 2026-01 accrual in 2026-01 a->b base 123.45 (+123.45) amount 12.35 on 2026-01-31",
		"entry 2 deal v1 r1 2026-02 accrual in 2026-02 a->b base 40 (+40) amount 4 on 2026-02-28",
	})
	e := s.books.entries[0]
	wantLines(t, "entry 1", []string{e.Key.String(), e.Description, fmt.Sprint(e.Postings)}, []string{
		"run/deal:r1:2026-01:1",
		"deal r1 2026-01",
		"[{expenses:revshare:a:b:deal 12.35 USD} {liabilities:revshare:a:b:deal -12.35 USD}]",
	})

	// A run with nothing new books nothing, and says so.
	res, err = svc.Run(ctx, storetest.D("2026-02-28"))
	if err != nil {
		t.Fatal(err)
	}
	want = contracts.RunResult{Through: "2026-02-28", Contracts: []contracts.RunContract{{Contract: "deal", Through: "2026-02", Entries: 0}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("second run = %+v, want %+v", res, want)
	}
	if len(s.books.bookings) != 2 || len(s.books.entries) != 2 {
		t.Fatalf("second run wrote %d bookings, %d entries; want 2 and 2 (those of the first)", len(s.books.bookings), len(s.books.entries))
	}
	if want := []memRun{{storetest.D("2026-02-15"), 2}, {storetest.D("2026-02-28"), 0}}; !reflect.DeepEqual(s.books.runs, want) {
		t.Errorf("runs = %v, want %v", s.books.runs, want)
	}

	// A sale found in January after January closed is an adjustment
	// booked on the first open day, for the difference only.
	s.books.closed = storetest.D("2026-01-31")
	s.sell("a", "2026-01-25", "10.00")
	res, err = svc.Run(ctx, storetest.D("2026-02-28"))
	if err != nil {
		t.Fatal(err)
	}
	want = contracts.RunResult{Through: "2026-02-28", Contracts: []contracts.RunContract{{Contract: "deal", Through: "2026-02", Entries: 1, Adjustments: 1}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("run after a late sale = %+v, want %+v", res, want)
	}
	wantLines(t, "the adjustment", bookingLines(s.books.bookings[2:]), []string{
		"entry 3 deal v1 r1 2026-01 adjustment in 2026-02 a->b base 133.45 (+10) amount 1 on 2026-02-01",
	})

	// A run through an earlier period keeps the later ones current and
	// says which period it was asked for.
	res, err = svc.Run(ctx, storetest.D("2026-01-31"))
	if err != nil {
		t.Fatal(err)
	}
	want = contracts.RunResult{Through: "2026-01-31", Contracts: []contracts.RunContract{{Contract: "deal", Through: "2026-02", Asked: "2026-01"}}}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("run through January = %+v, want %+v", res, want)
	}
}

// A run is one unit of work: when a later contract fails, what an earlier
// one booked is not kept either.
func TestRunFailsWhole(t *testing.T) {
	s := newDealStore(t)
	eur := storetest.ParseContract(t, strings.ReplaceAll(strings.Replace(deal, "id: deal", "id: eur", 1), "USD", "EUR"))
	s.books.contracts["eur"] = contracts.StoredContract{Contract: eur, Version: 1}
	s.sell("a", "2026-01-10", "100.00")
	_, err := books.Service{Store: s}.Run(context.Background(), storetest.D("2026-01-31"))
	storetest.WantError(t, err, ledger.EINVALID, "no FX rate from USD to EUR on or before 2026-01-10 (needed by event test/1)")
	if len(s.books.entries)+len(s.books.bookings)+len(s.books.runs) != 0 {
		t.Fatalf("failed run left %d entries, %d bookings, %d runs", len(s.books.entries), len(s.books.bookings), len(s.books.runs))
	}
}

func TestPay(t *testing.T) {
	ctx := context.Background()
	s := newDealStore(t)
	svc := books.Service{Store: s}
	wire := contracts.Payment{Contract: "deal", Payer: "a", Payee: "b", Amount: storetest.Dec("5.00"), Date: storetest.D("2026-02-10"), Reference: "wire-1"}

	res, err := svc.Pay(ctx, wire)
	if err != nil {
		t.Fatal(err)
	}
	if want := (contracts.PaymentResult{Entry: 1, Reference: "wire-1"}); res != want {
		t.Fatalf("Pay = %+v, want %+v", res, want)
	}
	e := s.books.entries[0]
	wantLines(t, "payment entry", []string{e.Key.String(), e.Date.String(), e.Description, fmt.Sprint(e.Postings)}, []string{
		"payment/deal:wire-1",
		"2026-02-10",
		"payment a -> b under deal (wire-1)",
		"[{liabilities:revshare:a:b:deal 5 USD} {assets:cash:a -5 USD}]",
	})
	wantPayments := []books.Payment{{EntryID: 1, Contract: "deal", Payer: "a", Payee: "b", Amount: storetest.Dec("5.00"), Date: storetest.D("2026-02-10"), Reference: "wire-1"}}
	if !reflect.DeepEqual(s.books.payments, wantPayments) {
		t.Fatalf("payments = %+v, want %+v", s.books.payments, wantPayments)
	}

	// Re-running the payment records nothing and returns the first entry.
	res, err = svc.Pay(ctx, wire)
	if err != nil {
		t.Fatal(err)
	}
	if want := (contracts.PaymentResult{Entry: 1, Reference: "wire-1", AlreadyRecorded: true}); res != want {
		t.Fatalf("Pay again = %+v, want %+v", res, want)
	}
	if !reflect.DeepEqual(s.books.payments, wantPayments) || len(s.books.entries) != 1 {
		t.Fatalf("paying again wrote: %d payments, %d entries", len(s.books.payments), len(s.books.entries))
	}

	// Without a reference, the payment's own key is its reference.
	auto := wire
	auto.Reference, auto.Amount = "", storetest.Dec("2.50")
	res, err = svc.Pay(ctx, auto)
	if err != nil {
		t.Fatal(err)
	}
	key := contracts.PaymentKey("deal", "a", "b", storetest.Dec("2.50"), storetest.D("2026-02-10"))
	if want := (contracts.PaymentResult{Entry: 2, Reference: key}); res != want || !strings.HasPrefix(key, "auto-") {
		t.Fatalf("Pay without a reference = %+v, want %+v", res, want)
	}
}

// Refused payments: the exact error, and nothing written.
func TestPayRefused(t *testing.T) {
	paid := contracts.Payment{Contract: "deal", Payer: "a", Payee: "b", Amount: storetest.Dec("5.00"), Date: storetest.D("2026-02-10"), Reference: "wire-1"}
	tests := []struct {
		name      string
		change    func(p *contracts.Payment)
		code, msg string
	}{
		{"unknown contract", func(p *contracts.Payment) { p.Contract = "nope" },
			ledger.ENOTFOUND, `contract "nope" not found (the book holds 1 contract: deal)`},
		{"reference paid with another amount", func(p *contracts.Payment) { p.Amount = storetest.Dec("6.00") },
			ledger.ECONFLICT, `payment reference wire-1 is already entry 1 (a -> b 5.00 USD on 2026-02-10): a different payment needs a reference of its own`},
		{"into a closed period", func(p *contracts.Payment) { p.Reference, p.Date = "wire-2", storetest.D("2026-01-31") },
			ledger.EINVALID, `payment date 2026-01-31 is in a closed period (the books are closed through 2026-01-31): date the payment on the day it was made, after 2026-01-31`},
		{"payer not a party", func(p *contracts.Payment) { p.Reference, p.Payer = "wire-2", "c" },
			ledger.EINVALID, `payment c -> b: c is not a party of contract deal (its parties: a, b)`},
		{"payee not a party", func(p *contracts.Payment) { p.Reference, p.Payee = "wire-2", "B" },
			ledger.EINVALID, `payment a -> B: B (did you mean b?) is not a party of contract deal (its parties: a, b)`},
		{"neither a party", func(p *contracts.Payment) { p.Reference, p.Payer, p.Payee = "wire-2", "c", "d" },
			ledger.EINVALID, `payment c -> d: c and d are not parties of contract deal (its parties: a, b)`},
		{"the same unknown party twice", func(p *contracts.Payment) { p.Reference, p.Payer, p.Payee = "wire-2", "c", "c" },
			ledger.EINVALID, `payment c -> c: c is not a party of contract deal (its parties: a, b)`},
		{"payer is payee", func(p *contracts.Payment) { p.Reference, p.Payee = "wire-2", "a" },
			ledger.EINVALID, `payment a -> a: the payer and the payee are the same party (a payment goes between two parties of contract deal: a, b)`},
		{"zero", func(p *contracts.Payment) { p.Reference, p.Amount = "wire-2", decimal.Zero },
			ledger.EINVALID, `payment amount 0: must be positive`},
		{"negative", func(p *contracts.Payment) { p.Reference, p.Amount = "wire-2", storetest.Dec("-5") },
			ledger.EINVALID, `payment amount -5: must be positive`},
		{"finer than a cent", func(p *contracts.Payment) { p.Reference, p.Amount = "wire-2", storetest.Dec("1.005") },
			ledger.EINVALID, `payment amount 1.005: more decimals than USD allows`},
		// Events are limited to the years 1000-9999 (ledger.CheckBookYear);
		// payments were booked on any date, 0001-01-01 included.
		{"before the year 1000", func(p *contracts.Payment) { p.Reference, p.Date = "wire-2", storetest.D("0999-12-31") },
			ledger.EINVALID, `payment date 0999-12-31: out of range: years 1000 to 9999`},
		{"in the year 1", func(p *contracts.Payment) { p.Reference, p.Date = "wire-2", storetest.D("0001-01-01") },
			ledger.EINVALID, `payment date 0001-01-01: out of range: years 1000 to 9999`},
		// The reference is the payment's identity: a 100 kB reference, a
		// line break pasted into it, or a trailing space (which would pay
		// wire-1 again) were recorded before.
		{"reference too long", func(p *contracts.Payment) { p.Reference = strings.Repeat("w", 141) },
			ledger.EINVALID, `payment reference is 141 bytes long, at most 140 allowed`},
		{"reference with a line break", func(p *contracts.Payment) { p.Reference = "wire-2\n2026-01-01 * forged" },
			ledger.EINVALID, `payment reference "wire-2\n2026-01-01 * forged" has control characters or invalid UTF-8`},
		{"reference not UTF-8", func(p *contracts.Payment) { p.Reference = "wire-\xff" },
			ledger.EINVALID, `payment reference "wire-\xff" has control characters or invalid UTF-8`},
		{"reference with a right-to-left override", func(p *contracts.Payment) { p.Reference = "wire-\u202e3" },
			ledger.EINVALID, `payment reference "wire-\u202e3": bidirectional control character U+202E (right-to-left override) is not allowed: it shows the text in another order than it is stored`},
		{"reference with a trailing space", func(p *contracts.Payment) { p.Reference = "wire-1 " },
			ledger.EINVALID, `payment reference "wire-1 " starts or ends with spaces: give it as the bank wrote it, without them`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := newDealStore(t)
			svc := books.Service{Store: s}
			if _, err := svc.Pay(ctx, paid); err != nil {
				t.Fatal(err)
			}
			s.books.closed = storetest.D("2026-01-31")
			p := paid
			tc.change(&p)
			_, err := svc.Pay(ctx, p)
			storetest.WantError(t, err, tc.code, tc.msg)
			if len(s.books.payments) != 1 || len(s.books.entries) != 1 {
				t.Fatalf("refused payment wrote: %d payments, %d entries (want the first only)", len(s.books.payments), len(s.books.entries))
			}
		})
	}
}

// Pending says whether a run would book a closed period's
// correction in p: only in the first open period, only once something
// closed changed, and no longer once a run booked it.
func TestPending(t *testing.T) {
	ctx := context.Background()
	s := newDealStore(t)
	svc := books.Service{Store: s}
	c := s.books.contracts["deal"].Contract
	s.sell("a", "2026-01-10", "100.00")
	s.sell("a", "2026-02-05", "40.00")
	pending := func(label string) bool {
		t.Helper()
		p, err := ledger.ParsePeriod(label)
		if err != nil {
			t.Fatal(err)
		}
		var got bool
		err = s.View(ctx, func(tx books.ReadTx) error {
			res, err := books.Evaluate(tx, c, p, nil, false)
			if err != nil {
				return err
			}
			got, err = books.Pending(tx, c, res, p)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if _, err := svc.Run(ctx, storetest.D("2026-03-31")); err != nil {
		t.Fatal(err)
	}
	s.sell("a", "2026-01-25", "10.00") // January open: its own accrual, not an adjustment
	if pending("2026-02") {
		t.Error("pending in 2026-02 with nothing closed")
	}
	s.books.closed = storetest.D("2026-01-31")
	for label, want := range map[string]bool{"2026-02": true, "2026-03": false} {
		if got := pending(label); got != want {
			t.Errorf("after a late January sale, pending in %s = %v, want %v", label, got, want)
		}
	}
	if _, err := svc.Run(ctx, storetest.D("2026-03-31")); err != nil {
		t.Fatal(err)
	}
	if pending("2026-02") {
		t.Error("pending in 2026-02 after the run booked the adjustment")
	}
}
