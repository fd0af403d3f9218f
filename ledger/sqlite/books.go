package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// Books is the books of contracts on this database (books.Store): the
// rows runs, payments and closes read and write, each unit of work in one
// transaction.
func (db *DB) Books() books.Store { return booksStore{db} }

type booksStore struct{ db *DB }

// Update runs fn in a write transaction (DB.WithTx).
func (s booksStore) Update(ctx context.Context, what books.Activity, fn func(books.Tx) error) error {
	if what.Op != "" {
		ctx = s.db.activity(ctx, what.Op, what.Detail)
	}
	return s.db.WithTx(ctx, func(tx *Tx) error {
		return fn(booksTx{booksRows{tx.ctx, tx.SQL()}, tx})
	})
}

// View runs fn in a read-only transaction on the reader pool.
func (s booksStore) View(ctx context.Context, fn func(books.ReadTx) error) error {
	tx, err := s.db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(booksRows{ctx, tx})
}

// booksRows reads the rows of the books (books.ReadTx) through q.
type booksRows struct {
	ctx context.Context
	q   querier
}

func (r booksRows) Contract(id string) (contracts.StoredContract, error) {
	return loadContract(r.ctx, r.q, id)
}

func (r booksRows) ContractVersion(id string, version int) (contracts.StoredContract, error) {
	return loadContractVersion(r.ctx, r.q, id, version)
}

func (r booksRows) Contracts() ([]contracts.StoredContract, error) { return loadContracts(r.ctx, r.q) }

func (r booksRows) ClosedThrough() (ledger.Date, error) { return closedThrough(r.ctx, r.q) }

func (r booksRows) Rates() ([]ledger.FXRate, error) { return loadRates(r.ctx, r.q) }

// BookedThrough reads two indexed maximums (entries_date; runs is small).
func (r booksRows) BookedThrough() (ledger.Date, error) {
	return scanClosedThrough(r.q.QueryRowContext(r.ctx,
		`SELECT max(d) FROM (SELECT max(through) AS d FROM runs UNION ALL SELECT max(date) FROM entries)`))
}

func (r booksRows) EachEvent(fn func(*ledger.Event) error) error {
	return eachEvent(r.ctx, r.q, ledger.EventFilter{}, fn)
}

func (r booksRows) Usage(c *contracts.Contract, trace bool) (*contracts.Usage, map[books.RulePeriod][]int64, bool, error) {
	id, ok, err := usageSetID(r.ctx, r.q, c.UsageSignature())
	if err != nil || !ok {
		return nil, nil, false, err
	}
	u, traced, err := loadUsage(r.ctx, r.q, c, id, trace)
	if err != nil {
		return nil, nil, true, err
	}
	var ids map[books.RulePeriod][]int64
	if trace {
		ids = make(map[books.RulePeriod][]int64, len(traced))
		for k, v := range traced {
			ids[books.RulePeriod{Rule: k.rule, Period: k.period}] = v
		}
	}
	return u, ids, true, nil
}

func (r booksRows) Bookings(contract string) ([]books.Booking, error) {
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.Booking, error) {
		b := books.Booking{Contract: contract}
		var base, delta, amount, date string
		if err := row.Scan(&b.EntryID, &b.Version, &b.Rule, &b.Period, &b.Kind, &b.BookedIn, &b.Payer, &b.Payee, &base, &delta, &amount, &date); err != nil {
			return b, err
		}
		if err := parseBooking(&b, base, delta, amount, date); err != nil {
			return b, err
		}
		return b, nil
	}, `SELECT entry_id, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date
		FROM bookings WHERE contract = ? ORDER BY entry_id`, contract)
}

func (r booksRows) AdvanceBookings(contract string) ([]books.AdvanceBooking, error) {
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.AdvanceBooking, error) {
		b := books.AdvanceBooking{Contract: contract}
		var advDate, amount, date string
		err := row.Scan(&b.EntryID, &b.Version, &b.Advance, &b.Payer, &b.Payee, &advDate, &amount, &date)
		if err != nil {
			return b, err
		}
		if b.AdvanceDate, err = ledger.ParseDate(advDate); err != nil {
			return b, err
		}
		b.Amount, b.Date, err = amountAndDate("advance_bookings", amount, date)
		return b, err
	}, `SELECT entry_id, version, advance, payer, payee, advance_date, amount, date
		FROM advance_bookings WHERE contract = ? ORDER BY entry_id`, contract)
}

func (r booksRows) Recoupments(contract string) ([]books.Recoupment, error) {
	return r.recoupments(`contract = ?`, contract)
}

func (r booksRows) recoupments(where string, args ...any) ([]books.Recoupment, error) {
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.Recoupment, error) {
		var b books.Recoupment
		var amount, date string
		err := row.Scan(&b.EntryID, &b.Contract, &b.Version, &b.Advance, &b.Period, &b.Payer, &b.Payee, &amount, &date)
		if err != nil {
			return b, err
		}
		b.Amount, b.Date, err = amountAndDate("recoupments", amount, date)
		return b, err
	}, `SELECT entry_id, contract, version, advance, period, payer, payee, amount, date
		FROM recoupments WHERE `+where+` ORDER BY entry_id`, args...)
}

// FinalRuleBases reads the rules' bases out of the stored body (JSON) of
// the final statement; ok is false when it has no rule lines.
func (r booksRows) FinalRuleBases(contract, period string) (map[string]decimal.Decimal, bool, error) {
	rows, err := r.q.QueryContext(r.ctx, `SELECT json_extract(r.value, '$.rule'), json_extract(r.value, '$.base')
		FROM statements s, json_each(s.body, '$.rules') r WHERE s.contract = ? AND s.period = ?`, contract, period)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	bases := map[string]decimal.Decimal{}
	stored := false
	for rows.Next() {
		var rule, base sql.NullString
		if err := rows.Scan(&rule, &base); err != nil {
			return nil, false, err
		}
		stored = true
		d, err := storedDecimal("statements "+contract+" "+period, "rules[].base", base.String)
		if err != nil {
			return nil, false, err
		}
		bases[rule.String] = d
	}
	return bases, stored, rows.Err()
}

// booksTx is a write transaction on the books (books.Tx).
type booksTx struct {
	booksRows
	tx *Tx
}

// ClosedThrough is the transaction's (cached) closed-through date.
func (t booksTx) ClosedThrough() (ledger.Date, error) { return t.tx.ClosedThrough() }

func (t booksTx) PostEntries(entries []ledger.Entry) ([]ledger.PostResult, error) {
	return t.tx.PostEntries(entries)
}

func (t booksTx) EnsureUsage(c *contracts.Contract) error {
	_, err := ensureUsage(t.ctx, t.tx, c)
	return err
}

func (t booksTx) AddBooking(b books.Booking) error {
	_, err := t.tx.SQL().ExecContext(t.ctx, `INSERT INTO bookings (entry_id, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.EntryID, b.Contract, b.Version, b.Rule, b.Period, b.Kind, b.BookedIn, b.Payer, b.Payee,
		b.Base.String(), b.BaseDelta.String(), b.Amount.String(), b.Date.String())
	return err
}

func (t booksTx) AddAdvanceBooking(b books.AdvanceBooking) error {
	_, err := t.tx.SQL().ExecContext(t.ctx, `INSERT INTO advance_bookings (entry_id, contract, version, advance, payer, payee, advance_date, amount, date)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.EntryID, b.Contract, b.Version, b.Advance, b.Payer, b.Payee, b.AdvanceDate.String(), b.Amount.String(), b.Date.String())
	return err
}

func (t booksTx) AddRecoupment(r books.Recoupment) error {
	_, err := t.tx.SQL().ExecContext(t.ctx, `INSERT INTO recoupments (entry_id, contract, version, advance, period, payer, payee, amount, date)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.EntryID, r.Contract, r.Version, r.Advance, r.Period, r.Payer, r.Payee, r.Amount.String(), r.Date.String())
	return err
}

func (t booksTx) AddPayment(p books.Payment) error {
	_, err := t.tx.SQL().ExecContext(t.ctx, `INSERT INTO payments (entry_id, contract, payer, payee, amount, date, reference) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		p.EntryID, p.Contract, p.Payer, p.Payee, p.Amount.String(), p.Date.String(), p.Reference)
	return err
}

func (t booksTx) AddRun(through ledger.Date, entries int) error {
	res, err := t.tx.SQL().ExecContext(t.ctx, `INSERT INTO runs (through, started_at, entries) VALUES (?, ?, ?)`, through.String(), t.tx.Now.Format(time.RFC3339Nano), entries)
	if err != nil {
		return err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	return t.tx.seal(runFacts, id)
}
