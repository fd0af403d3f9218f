package books_test

import (
	"context"
	"fmt"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// memStore is a books.Store in memory: enough of one for the rules of
// Service.Run and Service.Pay to be tested without a database. Its
// PostEntries keeps ledger.Journal.Post's rules (validation, idempotent
// keys, closed periods); Update keeps nothing of a unit of work that
// fails. The methods that Run and Pay never call are left to the embedded
// nil interface: calling one panics, failing the test that did.
type memStore struct{ books memBooks }

// memBooks is the state of a memStore: what its transactions read and write.
type memBooks struct {
	contracts   map[string]contracts.StoredContract
	events      []*ledger.Event
	entries     []ledger.Entry // entries[i].ID == i+1
	closed      ledger.Date
	bookings    []books.Booking
	advances    []books.AdvanceBooking
	recoupments []books.Recoupment
	payments    []books.Payment
	runs        []memRun
}

// memRun is what AddRun recorded.
type memRun struct {
	through ledger.Date
	entries int
}

func newMemStore(cs ...*contracts.Contract) *memStore {
	s := &memStore{books: memBooks{contracts: map[string]contracts.StoredContract{}}}
	for _, c := range cs {
		s.books.contracts[c.ID] = contracts.StoredContract{Contract: c, Version: 1}
	}
	return s
}

// clone copies the slices that transactions append to, so that a rolled
// back unit of work leaves the state as it was.
func (b memBooks) clone() memBooks {
	b.events = slices.Clone(b.events)
	b.entries = slices.Clone(b.entries)
	b.bookings = slices.Clone(b.bookings)
	b.advances = slices.Clone(b.advances)
	b.recoupments = slices.Clone(b.recoupments)
	b.payments = slices.Clone(b.payments)
	b.runs = slices.Clone(b.runs)
	return b
}

func (s *memStore) Update(_ context.Context, _ books.Activity, fn func(books.Tx) error) error {
	before := s.books.clone()
	if err := fn(&memTx{b: &s.books}); err != nil {
		s.books = before
		return err
	}
	return nil
}

func (s *memStore) View(_ context.Context, fn func(books.ReadTx) error) error {
	return fn(&memTx{b: &s.books})
}

type memTx struct {
	books.Tx // the methods Run and Pay do not call: nil
	b        *memBooks
}

func (tx *memTx) Contract(id string) (contracts.StoredContract, error) {
	sc, ok := tx.b.contracts[id]
	if !ok {
		return sc, ledger.Errorf(ledger.ENOTFOUND, "contract %q not found", id)
	}
	return sc, nil
}

func (tx *memTx) Contracts() ([]contracts.StoredContract, error) {
	var out []contracts.StoredContract
	for _, id := range ledger.SortedKeys(tx.b.contracts) {
		out = append(out, tx.b.contracts[id])
	}
	return out, nil
}

func (tx *memTx) ClosedThrough() (ledger.Date, error)   { return tx.b.closed, nil }
func (tx *memTx) Rates() ([]ledger.FXRate, error)       { return nil, nil }
func (tx *memTx) EnsureUsage(*contracts.Contract) error { return nil }

// Usage: the fake stores no aggregates, so Evaluate reads every event.
func (tx *memTx) Usage(*contracts.Contract, bool) (*contracts.Usage, map[books.RulePeriod][]int64, bool, error) {
	return nil, nil, false, nil
}

func (tx *memTx) EachEvent(fn func(*ledger.Event) error) error {
	for _, e := range tx.b.events {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// FinalRuleBases: the fake stores no final statements.
func (tx *memTx) FinalRuleBases(string, string) (map[string]decimal.Decimal, bool, error) {
	return nil, false, nil
}

func (tx *memTx) Bookings(contract string) ([]books.Booking, error) {
	return rowsOf(tx.b.bookings, func(r books.Booking) bool { return r.Contract == contract }), nil
}

func (tx *memTx) AdvanceBookings(contract string) ([]books.AdvanceBooking, error) {
	return rowsOf(tx.b.advances, func(r books.AdvanceBooking) bool { return r.Contract == contract }), nil
}

func (tx *memTx) Recoupments(contract string) ([]books.Recoupment, error) {
	return rowsOf(tx.b.recoupments, func(r books.Recoupment) bool { return r.Contract == contract }), nil
}

func rowsOf[R any](rows []R, keep func(R) bool) []R {
	var out []R
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// PostEntries keeps ledger.Journal.Post's rules, all or nothing.
func (tx *memTx) PostEntries(entries []ledger.Entry) ([]ledger.PostResult, error) {
	stored := map[ledger.Key]ledger.Entry{}
	for _, e := range tx.b.entries {
		stored[e.Key] = e
	}
	inBatch := map[ledger.Key]ledger.Entry{}
	var added []ledger.Entry
	results := make([]ledger.PostResult, len(entries))
	for i, e := range entries {
		if err := e.Validate(); err != nil {
			return nil, err
		}
		if old, ok := inBatch[e.Key]; ok {
			if err := ledger.SameContentInBatch(e.Key, old.Content(), e.Content()); err != nil {
				return nil, err
			}
			results[i] = ledger.PostResult{ID: old.ID, Duplicate: true}
			continue
		}
		if old, ok := stored[e.Key]; ok {
			if err := ledger.SameAsPosted(e.Key, e.Content(), &old); err != nil {
				return nil, err
			}
			results[i] = ledger.PostResult{ID: old.ID, Duplicate: true}
			continue
		}
		if !tx.b.closed.IsZero() && !e.Date.After(tx.b.closed) {
			return nil, ledger.Errorf(ledger.EINVALID, "entry %q: effective date %s is in a closed period (closed through %s)", e.Key.String(), e.Date, tx.b.closed)
		}
		e.ID = int64(len(tx.b.entries) + len(added) + 1)
		added = append(added, e)
		inBatch[e.Key] = e
		results[i] = ledger.PostResult{ID: e.ID}
	}
	tx.b.entries = append(tx.b.entries, added...)
	return results, nil
}

func (tx *memTx) AddBooking(b books.Booking) error { return appendRow(&tx.b.bookings, b) }
func (tx *memTx) AddAdvanceBooking(b books.AdvanceBooking) error {
	return appendRow(&tx.b.advances, b)
}
func (tx *memTx) AddRecoupment(r books.Recoupment) error { return appendRow(&tx.b.recoupments, r) }
func (tx *memTx) AddPayment(p books.Payment) error       { return appendRow(&tx.b.payments, p) }

// PaymentsIn is every payment of contract: Pay asks for all of them.
func (tx *memTx) PaymentsIn(contract string, d books.Dates) ([]books.Payment, error) {
	if d != (books.Dates{}) {
		return nil, fmt.Errorf("memTx.PaymentsIn(%v): only every date", d)
	}
	var rows []books.Payment
	for _, p := range tx.b.payments {
		if p.Contract == contract {
			rows = append(rows, p)
		}
	}
	return rows, nil
}
func (tx *memTx) AddRun(through ledger.Date, entries int) error {
	return appendRow(&tx.b.runs, memRun{through, entries})
}

func appendRow[R any](rows *[]R, r R) error {
	*rows = append(*rows, r)
	return nil
}
