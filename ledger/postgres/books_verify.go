package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

var _ books.Verifier = (*DB)(nil)

// VerifyBooksReport checks, in one REPEATABLE READ snapshot, what Verify
// checks (the journal, the imports, the books' rows against their
// entries), then the anchors, then check when not nil (books.Verifier:
// reports.VerifyFinalStatements renders the final statements again).
// reports.Verifier{Store: db} is the ledger.Verifier of these books. A
// violation is a *ledger.VerifyError.
func (db *DB) VerifyBooksReport(ctx context.Context, check func(books.ReadTx) error, anchors ...ledger.Anchor) (ledger.VerifyResult, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return ledger.VerifyResult{}, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	res, err := verifyJournal(ctx, tx, func(format string, args ...any) error {
		return &ledger.VerifyError{Reason: fmt.Sprintf(format, args...)}
	})
	if err != nil {
		return ledger.VerifyResult{}, err
	}
	journalAnchors, factAnchors := ledger.SplitAnchors(anchors)
	for _, a := range journalAnchors {
		if err := verifyAnchor(ctx, tx, a, res.HeadID); err != nil {
			return ledger.VerifyResult{}, err
		}
	}
	if err := verifyBooks(ctx, tx); err != nil {
		return ledger.VerifyResult{}, err
	}
	if check != nil {
		if err := check(booksRows{ctx, tx}); err != nil {
			return ledger.VerifyResult{}, err
		}
	}
	// The fact chain last, as on SQLite: a row the checks above name
	// against the journal, the events or the statements rendered again is
	// named there first, in their words.
	head, err := verifyFactChain(ctx, tx, factAnchors)
	if err != nil {
		return ledger.VerifyResult{}, err
	}
	return ledger.VerifyResult{OK: true, Entries: res.Entries, HeadHash: res.HeadHash, FactLinks: head.Seq, FactHead: head.Hash}, nil
}

// verifyAnchor checks that the chain (verified) holds a's entry with a's
// hash: an anchor kept outside catches a chain rewritten after it.
func verifyAnchor(ctx context.Context, tx pgx.Tx, a ledger.Anchor, last int64) error {
	var hash string
	err := tx.QueryRow(ctx, `SELECT encode(hash, 'hex') FROM entries WHERE id = $1`, a.ID).Scan(&hash)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &ledger.VerifyError{EntryID: a.ID, Reason: fmt.Sprintf("missing: the anchor names it but the journal ends at entry %d", last)}
	case err != nil:
		return err
	case hash != a.Hash:
		return &ledger.VerifyError{EntryID: a.ID, Reason: fmt.Sprintf("hash %.12s differs from the anchor %.12s", hash, a.Hash)}
	}
	return nil
}

// verifyBooks reads the books' rows, their columns as text, and the
// entries they index, and runs package books' checks on them: bookings,
// payments, advance bookings and recoupments against their entries,
// recoupments within what was paid out, runs against the entries they
// booked, caps.
func verifyBooks(ctx context.Context, tx pgx.Tx) error {
	entries, err := sourceEntries(ctx, tx, "run", "accrual", "adjustment")
	if err != nil {
		return err
	}
	bookings, err := collect[books.BookingText](ctx, tx, `SELECT entry_id, contract, version::text, rule, period, kind, booked_in, payer, payee,
		base::text, base_delta::text, amount::text, to_char(date, 'YYYY-MM-DD') FROM bookings ORDER BY entry_id`)
	if err != nil {
		return err
	}
	if err := books.VerifyBookings(bookings, entries); err != nil {
		return err
	}
	if entries, err = sourceEntries(ctx, tx, "payment", "payment"); err != nil {
		return err
	}
	payments, err := collect[books.PaymentText](ctx, tx, `SELECT entry_id, contract, payer, payee, amount::text, to_char(date, 'YYYY-MM-DD'), reference
		FROM payments ORDER BY entry_id`)
	if err != nil {
		return err
	}
	if err := books.VerifyPayments(payments, entries); err != nil {
		return err
	}
	caps, err := collect[books.CapRow](ctx, tx, `SELECT b.contract, b.rule, b.period, b.amount::text, c.document, c.version FROM bookings b
		JOIN contracts c ON c.id = b.contract AND c.version = (SELECT max(version) FROM bookings WHERE contract = b.contract)
		ORDER BY b.contract, b.rule, b.entry_id`)
	if err != nil {
		return err
	}
	if err := books.VerifyCaps(caps); err != nil {
		return err
	}
	if err := verifyAdvances(ctx, tx); err != nil {
		return err
	}
	return verifyRuns(ctx, tx)
}

// advanceColumns are the columns of books.AdvanceText, of the table whose
// Detail column (books.AdvanceTables) is detail.
func advanceColumns(detail string) string {
	if detail == "advance_date" {
		detail = "to_char(advance_date, 'YYYY-MM-DD')"
	}
	return `entry_id, contract, advance, payer, payee, amount::text, to_char(date, 'YYYY-MM-DD'), version::text, ` + detail
}

func verifyAdvances(ctx context.Context, tx pgx.Tx) error {
	var paid []books.AdvanceText
	for i, t := range books.AdvanceTables {
		rows, err := collect[books.AdvanceText](ctx, tx, `SELECT `+advanceColumns(t.Detail)+` FROM `+t.Table+` ORDER BY entry_id`)
		if err != nil {
			return err
		}
		entries, err := sourceEntries(ctx, tx, t.Source)
		if err != nil {
			return err
		}
		if err := books.VerifyAdvanceRows(i, rows, entries); err != nil {
			return err
		}
		if i == 0 {
			paid = rows
		}
	}
	recouped, err := collect[books.AdvanceText](ctx, tx, `SELECT `+advanceColumns("period")+` FROM recoupments ORDER BY contract, advance, date, entry_id`)
	if err != nil {
		return err
	}
	return books.VerifyRecoupedWithin(paid, recouped)
}

func verifyRuns(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT e.recorded_at, e.recorded_ns, count(*) FROM (
			SELECT entry_id FROM bookings UNION ALL SELECT entry_id FROM advance_bookings UNION ALL SELECT entry_id FROM recoupments
		) b JOIN entries e ON e.id = b.entry_id GROUP BY e.recorded_at, e.recorded_ns`)
	if err != nil {
		return err
	}
	booked := map[string]int64{} // instant -> entries indexed at it
	var at time.Time
	var ns int16
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&at, &ns, &n}, func() error {
		booked[books.InstantText(recordedAt(at, ns))] = n
		return nil
	}); err != nil {
		return err
	}
	if rows, err = tx.Query(ctx, `SELECT id, to_char(through, 'YYYY-MM-DD'), started_at, started_ns, entries FROM runs ORDER BY id`); err != nil {
		return err
	}
	var runs []books.RunText
	var id int64
	var through string
	if _, err := pgx.ForEachRow(rows, []any{&id, &through, &at, &ns, &n}, func() error {
		entries := n
		runs = append(runs, books.RunText{ID: id, Through: through, StartedAt: books.InstantText(recordedAt(at, ns)), Entries: &entries})
		return nil
	}); err != nil {
		return err
	}
	return books.VerifyRuns(runs, booked)
}

// collect reads every row of query into T, column by field.
func collect[T any](ctx context.Context, tx pgx.Tx, query string) ([]T, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[T])
}

// sourceEntries reads every entry posted under source, with its postings,
// by ID; with kinds, only those books.FactEntry says are of one of them.
func sourceEntries(ctx context.Context, tx pgx.Tx, source string, kinds ...string) (map[int64]ledger.Entry, error) {
	out := map[int64]ledger.Entry{}
	read := func(after int64, n int) ([]ledger.Entry, error) {
		return readEntries(ctx, tx, "e.source = $1", []any{source}, after, n)
	}
	err := ledger.EachPage(0, 0, maxEntryPage, read, func(e *ledger.Entry) int64 { return e.ID }, func(e *ledger.Entry) error {
		if len(kinds) == 0 || books.FactEntry(e, kinds...) {
			out[e.ID] = *e
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
