package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// The rows statements are built from and final statements are stored in
// (books.ReadTx and books.Tx); package reports builds the statements.

func (r booksRows) BookedAmounts(contract string, d books.Dates) ([]books.PairAmount, error) {
	where, args := datesWhere(contract, d)
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.PairAmount, error) {
		var p books.PairAmount
		var entry int64
		var amount string
		err := row.Scan(&entry, &p.Payer, &p.Payee, &amount)
		if err != nil {
			return p, err
		}
		p.Amount, err = storedRowDecimal("bookings", entry, "amount", amount)
		return p, err
	}, `SELECT entry_id, payer, payee, amount FROM bookings WHERE `+where, args...)
}

// parseBooking sets a bookings row's amounts and date from their stored text.
func parseBooking(b *books.Booking, base, delta, amount, date string) error {
	var err error
	if b.Base, err = storedRowDecimal("bookings", b.EntryID, "base", base); err != nil {
		return err
	}
	if b.BaseDelta, err = storedRowDecimal("bookings", b.EntryID, "base_delta", delta); err != nil {
		return err
	}
	if b.Amount, err = storedRowDecimal("bookings", b.EntryID, "amount", amount); err != nil {
		return err
	}
	if b.Date, err = ledger.ParseDate(date); err != nil {
		return fmt.Errorf("bookings row of entry %d: date: %w", b.EntryID, err)
	}
	return nil
}

func (r booksRows) PaymentsIn(contract string, d books.Dates) ([]books.Payment, error) {
	where, args := datesWhere(contract, d)
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.Payment, error) {
		p := books.Payment{Contract: contract}
		var amount, date string
		err := row.Scan(&p.EntryID, &p.Payer, &p.Payee, &amount, &date, &p.Reference)
		if err != nil {
			return p, err
		}
		p.Amount, p.Date, err = amountAndDate("payments", amount, date)
		return p, err
	}, `SELECT entry_id, payer, payee, amount, date, reference FROM payments WHERE `+where+` ORDER BY entry_id`, args...)
}

func (r booksRows) RecoupmentsIn(contract string, d books.Dates) ([]books.Recoupment, error) {
	where, args := datesWhere(contract, d)
	return r.recoupments(where, args...)
}

// datesWhere selects a contract's rows dated in d.
func datesWhere(contract string, d books.Dates) (string, []any) {
	where, args := `contract = ?`, []any{contract}
	if !d.From.IsZero() {
		where, args = where+` AND date >= ?`, append(args, d.From.String())
	}
	if !d.To.IsZero() {
		where, args = where+` AND date <= ?`, append(args, d.To.String())
	}
	return where, args
}

// StatementBookings reads the bookings dated in p with, for each, the
// contract version of the booking it corrects (the latest earlier one of
// its rule, period and parties), whether earlier bookings of its rule and
// period were between other parties only, and, for the first booking of
// its rule and period, the version of the final statement stored for that
// period before p's (statements are numbered in the order they were
// stored).
func (r booksRows) StatementBookings(contract string, p ledger.Period) ([]books.StatementBooking, error) {
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.StatementBooking, error) {
		b := books.StatementBooking{Booking: books.Booking{Contract: contract}}
		var base, delta, amount, date string
		var closedWith sql.NullInt64
		if err := row.Scan(&b.EntryID, &b.Rule, &b.Period, &b.Kind, &b.BookedIn, &b.Payer, &b.Payee, &base, &delta, &amount, &date,
			&b.Version, &b.PrevVersion, &b.Joined, &closedWith); err != nil {
			return b, err
		}
		b.ClosedWith = int(closedWith.Int64)
		if err := parseBooking(&b.Booking, base, delta, amount, date); err != nil {
			return b, err
		}
		return b, nil
	}, `SELECT b.entry_id, b.rule, b.period, b.kind, b.booked_in, b.payer, b.payee, b.base, b.base_delta, b.amount, b.date, b.version,
		ifnull((SELECT p.version FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.payer = b.payer AND p.payee = b.payee AND p.entry_id < b.entry_id ORDER BY p.entry_id DESC LIMIT 1), b.version),
		EXISTS (SELECT 1 FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.entry_id < b.entry_id AND (p.payer != b.payer OR p.payee != b.payee))
		AND NOT EXISTS (SELECT 1 FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.entry_id < b.entry_id AND p.payer = b.payer AND p.payee = b.payee),
		CASE WHEN NOT EXISTS (SELECT 1 FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.entry_id < b.entry_id) THEN (SELECT s.version FROM statements s WHERE s.contract = b.contract AND s.period = b.period
			AND s.rowid < ifnull((SELECT t.rowid FROM statements t WHERE t.contract = b.contract AND t.period = ?), 9223372036854775807)) END
		FROM bookings b WHERE b.contract = ? AND b.date >= ? AND b.date <= ? ORDER BY b.entry_id`, p.Label(), contract, p.Start().String(), p.Last().String())
}

func (r booksRows) FinalStatement(contract, period string) ([]byte, bool, error) {
	var body string
	err := r.q.QueryRowContext(r.ctx, `SELECT body FROM statements WHERE contract = ? AND period = ?`, contract, period).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return []byte(body), true, nil
}

func (r booksRows) HasFinalStatement(contract, period string) (bool, error) {
	var have int
	err := r.q.QueryRowContext(r.ctx, `SELECT count(*) FROM statements WHERE contract = ? AND period = ?`, contract, period).Scan(&have)
	return have > 0, err
}

func (r booksRows) FinalStatementHashes(contract string) (map[string]string, error) {
	out := map[string]string{}
	err := eachRow(r.ctx, r.q, func(row rowScanner) error {
		var label, hash string
		err := row.Scan(&label, &hash)
		out[label] = hash
		return err
	}, `SELECT period, hash FROM statements WHERE contract = ?`, contract)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (r booksRows) Basis() (books.StatementBasis, error) {
	var b books.StatementBasis
	err := r.q.QueryRowContext(r.ctx, `SELECT (SELECT ifnull(max(id), 0) FROM events),
		(SELECT ifnull(max(id), 0) FROM import_batches WHERE kind = 'rates')`).Scan(&b.EventsThrough, &b.RatesThrough)
	return b, err
}

func (t booksTx) CloseThrough(through ledger.Date) error { return t.tx.closeThrough(through) }

func (t booksTx) AddFinalStatement(s books.FinalStatement) error {
	if _, err := t.tx.SQL().ExecContext(t.ctx, `INSERT INTO statements (contract, period, body, hash, finalized_at, version, events_through, rates_through)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, s.Contract, s.Period, string(s.Body), s.Hash, formatTime(t.tx.Now),
		s.Basis.Version, s.Basis.EventsThrough, s.Basis.RatesThrough); err != nil {
		return mapError(err)
	}
	return t.tx.seal(statementFacts, s.Contract, s.Period)
}

// amountAndDate parses the amount and date columns of a row of table.
func amountAndDate(table, amount, date string) (decimal.Decimal, ledger.Date, error) {
	a, err := storedDecimal(table, "amount", amount)
	if err != nil {
		return a, ledger.Date{}, err
	}
	d, err := ledger.ParseDate(date)
	return a, d, err
}

// storedDecimal parses an amount stored as text; a malformed one is an
// internal error naming where it is (stored data never panics).
func storedDecimal(table, column, s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, ledger.Errorf(ledger.EINTERNAL, "%s.%s: malformed stored amount %q", table, column, s)
	}
	return d, nil
}
