package sqlite

import (
	"context"
	"database/sql"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// The checks of this file read the side tables that runs and payments
// write (bookings, payments) with the journal entries they index, and the
// bookings with their contract for the caps; the checks themselves are
// package books' (VerifyBookings, VerifyPayments, VerifyCaps), the same on
// every backend.
func init() {
	verifyChecks = append(verifyChecks, verifyBookings, verifyPayments, verifyCapsHold)
}

// factError names a stored fact that disagrees with what it must equal.
func factError(table, key, column, expected, found string) *VerifyError {
	return ledger.FactError(table, key, column, expected, found)
}

// sourceEntries reads every entry posted under source that keep returns
// true for, with its postings, by ID.
func sourceEntries(ctx context.Context, q querier, source string, keep func(*ledger.Entry) bool) (map[int64]ledger.Entry, error) {
	out := map[int64]ledger.Entry{}
	var after int64
	for {
		chunk, err := readChunk(ctx, q, "e.source = ?", []any{source}, after, maxEntryPage)
		if err != nil {
			return nil, err
		}
		for i := range chunk {
			e, err := chunk[i].entry()
			if err != nil {
				return nil, err
			}
			if keep(&e) {
				out[e.ID] = e
			}
		}
		if len(chunk) < maxEntryPage {
			return out, nil
		}
		after = chunk[len(chunk)-1].id
	}
}

// factEntries keeps the entries books.FactEntry says are of kinds.
func factEntries(kinds ...string) func(*ledger.Entry) bool {
	return func(e *ledger.Entry) bool { return books.FactEntry(e, kinds...) }
}

// textRows reads every row of query, each scanned by scan.
func textRows[T any](ctx context.Context, tx *sql.Tx, query string, scan func(row rowScanner, r *T) error) ([]T, error) {
	return queryRows(ctx, tx, func(row rowScanner) (T, error) {
		var r T
		err := scan(row, &r)
		return r, err
	}, query)
}

// verifyBookings checks each bookings row against its run entry
// (books.VerifyBookings).
func verifyBookings(ctx context.Context, tx *sql.Tx) error {
	entries, err := sourceEntries(ctx, tx, "run", factEntries("accrual", "adjustment"))
	if err != nil {
		return err
	}
	rows, err := textRows(ctx, tx, `SELECT entry_id, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date
		FROM bookings ORDER BY entry_id`, func(row rowScanner, r *books.BookingText) error {
		return row.Scan(&r.EntryID, &r.Contract, &r.Version, &r.Rule, &r.Period, &r.Kind, &r.BookedIn, &r.Payer, &r.Payee, &r.Base, &r.BaseDelta, &r.Amount, &r.Date)
	})
	if err != nil {
		return err
	}
	return books.VerifyBookings(rows, entries)
}

// verifyPayments checks each payments row against its payment entry
// (books.VerifyPayments).
func verifyPayments(ctx context.Context, tx *sql.Tx) error {
	entries, err := sourceEntries(ctx, tx, "payment", factEntries("payment"))
	if err != nil {
		return err
	}
	rows, err := textRows(ctx, tx, `SELECT entry_id, contract, payer, payee, amount, date, reference FROM payments ORDER BY entry_id`,
		func(row rowScanner, r *books.PaymentText) error {
			return row.Scan(&r.EntryID, &r.Contract, &r.Payer, &r.Payee, &r.Amount, &r.Date, &r.Reference)
		})
	if err != nil {
		return err
	}
	return books.VerifyPayments(rows, entries)
}

// verifyCapsHold checks that what is booked stays within every cap
// (books.VerifyCaps).
func verifyCapsHold(ctx context.Context, tx *sql.Tx) error {
	rows, err := textRows(ctx, tx, `SELECT b.contract, b.rule, b.period, b.amount, c.document, c.version FROM bookings b
		JOIN contracts c ON c.id = b.contract AND c.version = (SELECT max(version) FROM bookings WHERE contract = b.contract)
		ORDER BY b.contract, b.rule, b.entry_id`, func(row rowScanner, r *books.CapRow) error {
		return row.Scan(&r.Contract, &r.Rule, &r.Period, &r.Amount, &r.Document, &r.Version)
	})
	if err != nil {
		return err
	}
	return books.VerifyCaps(rows)
}
