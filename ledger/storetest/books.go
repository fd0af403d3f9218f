package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// BooksBackend is what the books suite needs of a backend: its books
// store and the contracts it keeps (the rows name a stored contract).
type BooksBackend struct {
	Books     books.Store
	Contracts contracts.ContractStore
}

// BooksOpener returns a new, empty backend that reads time from clock.
type BooksOpener func(t *testing.T, clock ledger.Clock) BooksBackend

// RunBooks runs the suite of books.Store (the rows runs, payments and
// closes read and write) against the backend open returns.
func RunBooks(t *testing.T, open BooksOpener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, b BooksBackend)
	}{
		{"Contracts", testBooksContracts},
		{"BookingRows", testBookingRows},
		{"PaymentAndAdvanceRows", testPaymentAndAdvanceRows},
		{"UpdateAtomic", testBooksUpdateAtomic},
		{"CloseThrough", testBooksCloseThrough},
		{"FinalStatements", testFinalStatements},
		{"StatementBookings", testStatementBookings},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t, NewClock(T0))) })
	}
}

// TwoWayCappedDeal is a contract of the tests that compare what backends
// store (ledger/sqlite's tamper suite, ledger/postgres's parity test): a
// capped share from openai to microsoft and an azure share back.
const TwoWayCappedDeal = `id: deal
name: Two-way capped deal
currency: USD
timezone: UTC
period: month
parties: [openai, microsoft]
rules:
  - id: share
    payer: openai
    payee: microsoft
    match: {seller: openai}
    rate: "0.20"
    from: 2026-01-01
    cap: {total: "150.00", per_period: "60.00"}
  - id: azure
    payer: microsoft
    payee: openai
    match: {seller: microsoft, channel: azure}
    rate: "0.10"
    from: 2026-01-01
`

// booksContract is a two-party contract the rows of the suite name.
const booksContract = `id: deal
name: Deal
currency: USD
timezone: UTC
period: month
parties: [a, b]
rules:
  - {id: r1, payer: a, payee: b, match: {seller: a}, rate: "0.10", from: 2026-01-01}
`

// payable is an entry moving amount from a's cash to what a owes b under
// deal: what a booking, payment or recoupment row refers to.
func payable(id, date, amount string) ledger.Entry {
	return ledger.Entry{
		Key:         ledger.Key{Source: "storetest", ExternalID: id},
		Date:        D(date),
		Description: "row " + id,
		Postings: []ledger.Posting{
			{Account: ledger.SharePayableAccount("a", "b", "deal"), Amount: Dec(amount).Neg(), Currency: "USD"},
			{Account: ledger.CashAccount("a"), Amount: Dec(amount), Currency: "USD"},
		},
	}
}

// update runs fn in one Update and fails the test on its error.
func update(t *testing.T, b BooksBackend, fn func(tx books.Tx) error) {
	t.Helper()
	if err := b.Books.Update(context.Background(), books.Activity{Op: "storetest"}, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// view runs fn in one View and fails the test on its error.
func view(t *testing.T, b BooksBackend, fn func(tx books.ReadTx) error) {
	t.Helper()
	if err := b.Books.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

// postOne posts e in tx and returns its ID.
func postOne(tx books.Tx, e ledger.Entry) (int64, error) {
	res, err := tx.PostEntries([]ledger.Entry{e})
	if err != nil {
		return 0, err
	}
	return res[0].ID, nil
}

func testBooksContracts(t *testing.T, b BooksBackend) {
	c := SaveContract(t, b.Contracts, booksContract, false)
	c2 := ParseContract(t, strings.Replace(booksContract, `rate: "0.10"`, `rate: "0.15"`, 1))
	if v, err := b.Contracts.SaveContract(context.Background(), c2, true); err != nil || v != 2 {
		t.Fatalf("update: version %d, %v; want 2", v, err)
	}
	view(t, b, func(tx books.ReadTx) error {
		latest, err := tx.Contract("deal")
		if err != nil || latest.Version != 2 || latest.Contract.Rules[0].Rate.String() != "0.15" {
			t.Errorf("Contract: version %d, %v", latest.Version, err)
		}
		first, err := tx.ContractVersion("deal", 1)
		if err != nil || first.Version != 1 || string(first.Contract.Canonical()) != string(c.Canonical()) {
			t.Errorf("ContractVersion 1: version %d, %v", first.Version, err)
		}
		all, err := tx.Contracts()
		if err != nil || len(all) != 1 || all[0].Version != 2 {
			t.Errorf("Contracts: %d, %v; want the latest version of one contract", len(all), err)
		}
		if _, err := tx.Contract("nope"); ledger.ErrorCode(err) != ledger.ENOTFOUND {
			t.Errorf("unknown contract: %v, want ENOTFOUND", err)
		}
		return nil
	})
}

func testBookingRows(t *testing.T, b BooksBackend) {
	SaveContract(t, b.Contracts, booksContract, false)
	var rows []books.Booking
	update(t, b, func(tx books.Tx) error {
		for i, r := range []struct{ id, date, period, kind, payee, base, delta, amount string }{
			{"b1", "2026-01-31", "2026-01", "accrual", "b", "100.00", "100.00", "10.00"},
			{"b2", "2026-02-28", "2026-02", "accrual", "b", "50", "50", "5"},
			{"b3", "2026-03-02", "2026-01", "adjustment", "b", "123456789012345678.123456789012345678", "0.000000000000000001", "-0.50"},
		} {
			id, err := postOne(tx, payable(r.id, r.date, "1.00"))
			if err != nil {
				return err
			}
			row := books.Booking{EntryID: id, Contract: "deal", Version: 1 + i/2, Rule: "r1", Period: r.period, Kind: r.kind,
				BookedIn: D(r.date).String()[:7], Payer: "a", Payee: r.payee, Base: Dec(r.base), BaseDelta: Dec(r.delta), Amount: Dec(r.amount), Date: D(r.date)}
			if err := tx.AddBooking(row); err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return tx.AddRun(D("2026-02-28"), 3)
	})
	view(t, b, func(tx books.ReadTx) error {
		got, err := tx.Bookings("deal")
		if err != nil {
			return err
		}
		sameRows(t, "Bookings", got, rows)
		in, err := tx.BookedAmounts("deal", books.Dates{From: D("2026-02-01"), To: D("2026-02-28")})
		if err != nil {
			return err
		}
		sameRows(t, "BookedAmounts February", in, []books.PairAmount{{Payer: "a", Payee: "b", Amount: Dec("5")}})
		before, err := tx.BookedAmounts("deal", books.Dates{To: D("2026-02-28")})
		if err != nil {
			return err
		}
		sort.Slice(before, func(i, j int) bool { return before[i].Amount.GreaterThan(before[j].Amount) }) // in no particular order
		sameRows(t, "BookedAmounts through February", before, []books.PairAmount{{Payer: "a", Payee: "b", Amount: Dec("10.00")}, {Payer: "a", Payee: "b", Amount: Dec("5")}})
		other, err := tx.Bookings("other")
		if err != nil || len(other) != 0 {
			t.Errorf("Bookings of another contract: %v, %v; want none", other, err)
		}
		sb, err := tx.StatementBookings("deal", ledger.Period{Freq: ledger.Month, Year: 2026, Index: 3})
		if err != nil {
			return err
		}
		// The March adjustment corrects January, first booked under version 1.
		sameRows(t, "StatementBookings March", sb, []books.StatementBooking{{Booking: rows[2], PrevVersion: 1}})
		return nil
	})
}

// sameRows compares rows field by field, decimals by value (as their
// String writes them: reflect.DeepEqual would compare big.Int internals).
func sameRows[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testPaymentAndAdvanceRows(t *testing.T, b BooksBackend) {
	SaveContract(t, b.Contracts, booksContract, false)
	var pays []books.Payment
	var advs []books.AdvanceBooking
	var recs []books.Recoupment
	update(t, b, func(tx books.Tx) error {
		for _, p := range []struct{ id, date, amount string }{{"p1", "2026-01-10", "7.25"}, {"p2", "2026-02-10", "1"}} {
			id, err := postOne(tx, payable(p.id, p.date, p.amount))
			if err != nil {
				return err
			}
			row := books.Payment{EntryID: id, Contract: "deal", Payer: "a", Payee: "b", Amount: Dec(p.amount), Date: D(p.date), Reference: "wire-" + p.id}
			if err := tx.AddPayment(row); err != nil {
				return err
			}
			pays = append(pays, row)
		}
		id, err := postOne(tx, payable("adv", "2026-01-05", "100"))
		if err != nil {
			return err
		}
		adv := books.AdvanceBooking{EntryID: id, Contract: "deal", Version: 1, Advance: "adv1", Payer: "a", Payee: "b",
			AdvanceDate: D("2026-01-01"), Amount: Dec("100.00"), Date: D("2026-01-05")}
		if err := tx.AddAdvanceBooking(adv); err != nil {
			return err
		}
		advs = append(advs, adv)
		for _, r := range []struct{ id, date, period string }{{"r1", "2026-01-31", "2026-01"}, {"r2", "2026-02-28", "2026-02"}} {
			id, err := postOne(tx, payable(r.id, r.date, "2.50"))
			if err != nil {
				return err
			}
			rec := books.Recoupment{EntryID: id, Contract: "deal", Version: 1, Advance: "adv1", Period: r.period, Payer: "a", Payee: "b", Amount: Dec("-2.50"), Date: D(r.date)}
			if err := tx.AddRecoupment(rec); err != nil {
				return err
			}
			recs = append(recs, rec)
		}
		return nil
	})
	view(t, b, func(tx books.ReadTx) error {
		got, err := tx.PaymentsIn("deal", books.Dates{})
		if err != nil {
			return err
		}
		sameRows(t, "PaymentsIn", got, pays)
		if got, err = tx.PaymentsIn("deal", books.Dates{From: D("2026-01-11")}); err != nil {
			return err
		}
		sameRows(t, "PaymentsIn from 2026-01-11", got, pays[1:])
		a, err := tx.AdvanceBookings("deal")
		if err != nil {
			return err
		}
		sameRows(t, "AdvanceBookings", a, advs)
		r, err := tx.Recoupments("deal")
		if err != nil {
			return err
		}
		sameRows(t, "Recoupments", r, recs)
		if r, err = tx.RecoupmentsIn("deal", books.Dates{To: D("2026-02-27")}); err != nil {
			return err
		}
		sameRows(t, "RecoupmentsIn through 2026-02-27", r, recs[:1])
		return nil
	})
}

func testBooksUpdateAtomic(t *testing.T, b BooksBackend) {
	SaveContract(t, b.Contracts, booksContract, false)
	boom := errors.New("boom")
	err := b.Books.Update(context.Background(), books.Activity{}, func(tx books.Tx) error {
		id, err := postOne(tx, payable("x1", "2026-01-31", "1.00"))
		if err != nil {
			return err
		}
		if err := tx.AddBooking(books.Booking{EntryID: id, Contract: "deal", Version: 1, Rule: "r1", Period: "2026-01", Kind: "accrual",
			BookedIn: "2026-01", Payer: "a", Payee: "b", Base: Dec("1"), BaseDelta: Dec("1"), Amount: Dec("1"), Date: D("2026-01-31")}); err != nil {
			return err
		}
		if got, err := tx.Bookings("deal"); err != nil || len(got) != 1 {
			t.Errorf("Bookings inside the transaction: %d, %v; want the row just added", len(got), err)
		}
		if err := tx.CloseThrough(D("2026-01-31")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: %v, want fn's error", err)
	}
	view(t, b, func(tx books.ReadTx) error {
		got, err := tx.Bookings("deal")
		if err != nil || len(got) != 0 {
			t.Errorf("Bookings after a rolled-back Update: %d, %v; want none", len(got), err)
		}
		if closed, err := tx.ClosedThrough(); err != nil || !closed.IsZero() {
			t.Errorf("ClosedThrough after a rolled-back Update: %s, %v; want none", closed, err)
		}
		return nil
	})
	// The same entry posts again: nothing of the failed Update remains.
	update(t, b, func(tx books.Tx) error {
		res, err := tx.PostEntries([]ledger.Entry{payable("x1", "2026-01-31", "1.00")})
		if err == nil && res[0].Duplicate {
			t.Errorf("entry x1 is a duplicate: the rolled-back Update left it")
		}
		return err
	})
}

func testBooksCloseThrough(t *testing.T, b BooksBackend) {
	update(t, b, func(tx books.Tx) error {
		if err := tx.CloseThrough(D("2026-01-31")); err != nil {
			return err
		}
		if closed, err := tx.ClosedThrough(); err != nil || closed != D("2026-01-31") {
			t.Errorf("ClosedThrough inside the transaction: %s, %v", closed, err)
		}
		_, err := postOne(tx, payable("late", "2026-01-15", "1.00"))
		WantError(t, err, ledger.EINVALID, `entry "storetest/late": effective date 2026-01-15 is in a closed period (closed through 2026-01-31)`)
		// The transaction stays usable after a refused post.
		_, err = postOne(tx, payable("ok", "2026-02-01", "1.00"))
		return err
	})
	err := b.Books.Update(context.Background(), books.Activity{}, func(tx books.Tx) error { return tx.CloseThrough(D("2025-12-31")) })
	WantError(t, err, ledger.EINVALID, "cannot close through 2025-12-31: the ledger is already closed through 2026-01-31 (closing never moves backwards)")
	view(t, b, func(tx books.ReadTx) error {
		if closed, err := tx.ClosedThrough(); err != nil || closed != D("2026-01-31") {
			t.Errorf("ClosedThrough: %s, %v; want 2026-01-31", closed, err)
		}
		return nil
	})
}

func testFinalStatements(t *testing.T, b BooksBackend) {
	SaveContract(t, b.Contracts, booksContract, false)
	body := "{\n  \"contract\": \"deal\",\n  \"rules\": [\n    {\n      \"rule\": \"r1\",\n      \"base\": \"1234.50\"\n    }\n  ]\n}\n"
	noRules := "{\n  \"contract\": \"deal\",\n  \"rules\": []\n}\n"
	var basis books.StatementBasis
	update(t, b, func(tx books.Tx) error {
		var err error
		if basis, err = tx.Basis(); err != nil {
			return err
		}
		basis.Version = 1
		if err := tx.AddFinalStatement(books.FinalStatement{Contract: "deal", Period: "2026-01", Body: []byte(body), Hash: "h1", Basis: basis}); err != nil {
			return err
		}
		return tx.AddFinalStatement(books.FinalStatement{Contract: "deal", Period: "2026-Q1", Body: []byte(noRules), Hash: "h2", Basis: basis})
	})
	if basis != (books.StatementBasis{Version: 1}) {
		t.Errorf("Basis of books without events or rates: %+v, want zero", basis)
	}
	err := b.Books.Update(context.Background(), books.Activity{}, func(tx books.Tx) error {
		return tx.AddFinalStatement(books.FinalStatement{Contract: "deal", Period: "2026-01", Body: []byte(body), Hash: "h3", Basis: basis})
	})
	if ledger.ErrorCode(err) != ledger.ECONFLICT {
		t.Errorf("a second final statement for deal 2026-01: %v, want ECONFLICT", err)
	}
	view(t, b, func(tx books.ReadTx) error {
		got, ok, err := tx.FinalStatement("deal", "2026-01")
		if err != nil || !ok || string(got) != body {
			t.Errorf("FinalStatement deal 2026-01: %q, %v, %v; want the stored bytes", got, ok, err)
		}
		if _, ok, err := tx.FinalStatement("deal", "2026-02"); err != nil || ok {
			t.Errorf("FinalStatement deal 2026-02: %v, %v; want none", ok, err)
		}
		for period, want := range map[string]bool{"2026-01": true, "2026-Q1": true, "2026-02": false} {
			if have, err := tx.HasFinalStatement("deal", period); err != nil || have != want {
				t.Errorf("HasFinalStatement deal %s: %v, %v; want %v", period, have, err, want)
			}
		}
		hashes, err := tx.FinalStatementHashes("deal")
		if err != nil || !reflect.DeepEqual(hashes, map[string]string{"2026-01": "h1", "2026-Q1": "h2"}) {
			t.Errorf("FinalStatementHashes: %v, %v", hashes, err)
		}
		bases, ok, err := tx.FinalRuleBases("deal", "2026-01")
		if err != nil || !ok || len(bases) != 1 || bases["r1"].String() != "1234.5" {
			t.Errorf("FinalRuleBases deal 2026-01: %v, %v, %v; want r1 1234.50", bases, ok, err)
		}
		if _, ok, err := tx.FinalRuleBases("deal", "2026-Q1"); err != nil || ok {
			t.Errorf("FinalRuleBases of a statement without rule lines: %v, %v; want none", ok, err)
		}
		return nil
	})
}

// testStatementBookings checks what StatementBookings says of each booking
// beside its row: the version it corrects, whether its parties joined the
// rule's period, and the final statement a first booking corrects.
func testStatementBookings(t *testing.T, b BooksBackend) {
	SaveContract(t, b.Contracts, booksContract, false)
	var rows []books.Booking
	update(t, b, func(tx books.Tx) error {
		for _, r := range []struct {
			id, rule, date, kind, payee string
			version                     int
		}{
			{"e1", "r1", "2026-01-31", "accrual", "b", 1},
			{"e2", "r1", "2026-03-02", "adjustment", "c", 2}, // r1 2026-01 was booked a -> b only
			{"e3", "r2", "2026-03-05", "adjustment", "b", 2}, // r2 2026-01's first booking, after its final statement
		} {
			if r.id == "e2" {
				basis := books.StatementBasis{Version: 1}
				if err := tx.AddFinalStatement(books.FinalStatement{Contract: "deal", Period: "2026-01", Body: []byte("{}\n"), Hash: "h", Basis: basis}); err != nil {
					return err
				}
			}
			id, err := postOne(tx, payable(r.id, r.date, "1.00"))
			if err != nil {
				return err
			}
			row := books.Booking{EntryID: id, Contract: "deal", Version: r.version, Rule: r.rule, Period: "2026-01", Kind: r.kind,
				BookedIn: r.date[:7], Payer: "a", Payee: r.payee, Base: Dec("10"), BaseDelta: Dec("1"), Amount: Dec("0.10"), Date: D(r.date)}
			if err := tx.AddBooking(row); err != nil {
				return err
			}
			rows = append(rows, row)
		}
		return nil
	})
	view(t, b, func(tx books.ReadTx) error {
		got, err := tx.StatementBookings("deal", ledger.Period{Freq: ledger.Month, Year: 2026, Index: 3})
		if err != nil {
			return err
		}
		sameRows(t, "StatementBookings March", got, []books.StatementBooking{
			{Booking: rows[1], PrevVersion: 2, Joined: true},
			{Booking: rows[2], PrevVersion: 2, ClosedWith: 1},
		})
		// January's own statement is the one stored: a booking of it corrects none.
		got, err = tx.StatementBookings("deal", ledger.Period{Freq: ledger.Month, Year: 2026, Index: 1})
		if err != nil {
			return err
		}
		sameRows(t, "StatementBookings January", got, []books.StatementBooking{{Booking: rows[0], PrevVersion: 1}})
		return nil
	})
}
