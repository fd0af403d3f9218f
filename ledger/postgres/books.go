package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// Books is the books of contracts on this database (books.Store): the
// rows runs, payments and closes read and write (migrations/0060), each
// unit of work in one transaction. The rules are contracts/books' and
// reports'; this file writes rows, books_read.go reads them.
func (db *DB) Books() books.Store { return booksStore{db} }

type booksStore struct{ db *DB }

// Update runs fn in a write transaction holding the writer lock (DB.write),
// so that it serializes with posts, imports and closes; what names it to
// the writers that wait.
func (s booksStore) Update(ctx context.Context, what books.Activity, fn func(books.Tx) error) error {
	ctx = withActivity(ctx, what.Op, what.Detail)
	return s.db.write(ctx, func(w *writer) error {
		return fn(booksTx{booksRows{ctx, w.tx}, w})
	})
}

// View runs fn in a REPEATABLE READ read-only transaction: one snapshot.
func (s booksStore) View(ctx context.Context, fn func(books.ReadTx) error) error {
	tx, err := s.db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	return fn(booksRows{ctx, tx})
}

// booksTx is a write transaction on the books (books.Tx).
type booksTx struct {
	booksRows
	w *writer
}

// ClosedThrough is the transaction's closed-through date (moved by
// CloseThrough).
func (t booksTx) ClosedThrough() (ledger.Date, error) { return t.w.closed, nil }

// PostEntries posts entries (Post's rules) in a savepoint: a refused call
// leaves nothing of itself, neither rows nor the writer's chain head, and
// the transaction stays usable.
func (t booksTx) PostEntries(entries []ledger.Entry) ([]ledger.PostResult, error) {
	w := t.w
	outer, headID, headHash := w.tx, w.headID, w.headHash
	created := make(map[string]int64, len(w.accounts))
	for n, id := range w.accounts {
		created[n] = id
	}
	sp, err := outer.Begin(w.ctx)
	if err != nil {
		return nil, err
	}
	w.tx = sp
	res, err := w.post(entries)
	w.tx = outer
	if err == nil {
		err = sp.Commit(w.ctx) // releases the savepoint
	}
	if err != nil {
		if rerr := sp.Rollback(w.ctx); rerr != nil {
			return nil, fmt.Errorf("%w (and rolling back: %v)", err, rerr)
		}
		w.headID, w.headHash, w.accounts = headID, headHash, created
		return nil, err
	}
	return res, nil
}

// EnsureUsage does nothing: this store keeps no usage aggregates; Usage
// groups the events when asked.
func (t booksTx) EnsureUsage(*contracts.Contract) error { return nil }

func (t booksTx) exec(sql string, args ...any) error {
	_, err := t.w.tx.Exec(t.ctx, sql, args...)
	return err
}

// Amounts go in as their decimal's String, cast to numeric: the scale
// SQLite's text keeps, so that statements render the same digits.

func (t booksTx) AddBooking(b books.Booking) error {
	return t.exec(`INSERT INTO bookings (entry_id, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::numeric, $11::numeric, $12::numeric, $13)`,
		b.EntryID, b.Contract, b.Version, b.Rule, b.Period, b.Kind, b.BookedIn, b.Payer, b.Payee,
		b.Base.String(), b.BaseDelta.String(), b.Amount.String(), b.Date.In(time.UTC))
}

func (t booksTx) AddAdvanceBooking(b books.AdvanceBooking) error {
	return t.exec(`INSERT INTO advance_bookings (entry_id, contract, version, advance, payer, payee, advance_date, amount, date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9)`,
		b.EntryID, b.Contract, b.Version, b.Advance, b.Payer, b.Payee, b.AdvanceDate.In(time.UTC), b.Amount.String(), b.Date.In(time.UTC))
}

func (t booksTx) AddRecoupment(r books.Recoupment) error {
	return t.exec(`INSERT INTO recoupments (entry_id, contract, version, advance, period, payer, payee, amount, date)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric, $9)`,
		r.EntryID, r.Contract, r.Version, r.Advance, r.Period, r.Payer, r.Payee, r.Amount.String(), r.Date.In(time.UTC))
}

func (t booksTx) AddPayment(p books.Payment) error {
	return t.exec(`INSERT INTO payments (entry_id, contract, payer, payee, amount, date, reference) VALUES ($1, $2, $3, $4, $5::numeric, $6, $7)`,
		p.EntryID, p.Contract, p.Payer, p.Payee, p.Amount.String(), p.Date.In(time.UTC), p.Reference)
}

// AddRun records the run at the transaction's instant: the recorded-at of
// the entries it booked.
func (t booksTx) AddRun(through ledger.Date, entries int) error {
	at, ns := splitInstant(t.w.now)
	var id int64
	if err := t.w.tx.QueryRow(t.ctx, `INSERT INTO runs (through, started_at, started_ns, entries) VALUES ($1, $2, $3, $4) RETURNING id`,
		through.In(time.UTC), at, ns, entries).Scan(&id); err != nil {
		return err
	}
	return t.w.seal(runFacts, id)
}

func (t booksTx) CloseThrough(through ledger.Date) error { return t.w.closeThrough(through) }

// AddFinalStatement stores s at the transaction's instant, which is the
// close's closed_at; a second one for (contract, period) is ECONFLICT (ON
// CONFLICT DO NOTHING: the transaction stays usable).
func (t booksTx) AddFinalStatement(s books.FinalStatement) error {
	tag, err := t.w.tx.Exec(t.ctx, `INSERT INTO statements (contract, period, body, hash, finalized_at, version, events_through, rates_through)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (contract, period) DO NOTHING`, s.Contract, s.Period, string(s.Body), s.Hash, t.w.now,
		s.Basis.Version, s.Basis.EventsThrough, s.Basis.RatesThrough)
	if err == nil && tag.RowsAffected() == 0 {
		return ledger.Errorf(ledger.ECONFLICT, "a final statement of contract %s for %s is already stored", s.Contract, s.Period)
	}
	if err != nil {
		return err
	}
	return t.w.seal(statementFacts, s.Contract, s.Period)
}
