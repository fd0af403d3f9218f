package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// booksRows reads the rows of the books (books.ReadTx) in one transaction.
type booksRows struct {
	ctx context.Context
	tx  pgx.Tx
}

func (r booksRows) Contract(id string) (contracts.StoredContract, error) {
	return latestContract(r.ctx, r.tx, id)
}

func (r booksRows) ContractVersion(id string, version int) (contracts.StoredContract, error) {
	sc := contracts.StoredContract{Version: version}
	var doc string
	var at time.Time
	var ns int16
	err := r.tx.QueryRow(r.ctx, `SELECT document, recorded_at, recorded_ns FROM contracts WHERE id = $1 AND version = $2`,
		id, version).Scan(&doc, &at, &ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return sc, ledger.Errorf(ledger.ENOTFOUND, "contract %q has no version %d", id, version)
	}
	if err != nil {
		return sc, err
	}
	if err := parseContract(&sc, id, doc, at, ns); err != nil {
		return sc, err
	}
	return sc, nil
}

func (r booksRows) Contracts() ([]contracts.StoredContract, error) { return loadContracts(r.ctx, r.tx) }

func (r booksRows) ClosedThrough() (ledger.Date, error) { return closedThrough(r.ctx, r.tx) }

func (r booksRows) Rates() ([]ledger.FXRate, error) { return r.rates("true") }

// BookedThrough reads two maximums (greatest ignores a NULL one).
func (r booksRows) BookedThrough() (ledger.Date, error) {
	var d *time.Time
	if err := r.tx.QueryRow(r.ctx, `SELECT greatest((SELECT max(through) FROM runs), (SELECT max(date) FROM entries))`).Scan(&d); err != nil {
		return ledger.Date{}, err
	}
	if d == nil {
		return ledger.Date{}, nil
	}
	return ledger.DateOf(*d), nil
}

func (r booksRows) RatesThrough(batch int64) ([]ledger.FXRate, error) {
	return r.rates("batch_id <= $1", batch)
}

// rates reads the exchange rates matching where, by from, to and date.
func (r booksRows) rates(where string, args ...any) ([]ledger.FXRate, error) {
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (fx ledger.FXRate, err error) {
		var date time.Time
		var rate string
		if err := row.Scan(&date, &fx.From, &fx.To, &rate); err != nil {
			return fx, err
		}
		fx.Date = ledger.DateOf(date)
		fx.Rate, err = storedDecimal(fmt.Sprintf("fx_rates %s %s/%s", fx.Date, fx.From, fx.To), "rate", rate)
		return fx, err
	}, `SELECT date, from_ccy, to_ccy, rate::text FROM fx_rates WHERE `+where+` ORDER BY from_ccy, to_ccy, date`, args...)
}

func (r booksRows) EachEvent(fn func(*ledger.Event) error) error {
	return eachEvent(r.ctx, r.tx, ledger.EventFilter{}, fn)
}

// storedDecimal parses an amount read as text; a malformed one (NaN) is an
// internal error naming its row and column, never a panic.
func storedDecimal(row, column, s string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, ledger.Errorf(ledger.EINTERNAL, "%s: %s: malformed stored amount %q", row, column, s)
	}
	return d, nil
}

// entryRow names the row of an entry in table, as errors do.
func entryRow(table string, entry int64) string {
	return fmt.Sprintf("%s row of entry %d", table, entry)
}

// bookingColumns are the columns of bookings b that scanBooking reads.
const bookingColumns = `b.entry_id, b.version, b.rule, b.period, b.kind, b.booked_in, b.payer, b.payee,
	b.base::text, b.base_delta::text, b.amount::text, b.date`

// scanBooking reads bookingColumns, then more.
func scanBooking(row pgx.CollectableRow, contract string, more ...any) (books.Booking, error) {
	b := books.Booking{Contract: contract}
	var base, delta, amount string
	var date time.Time
	if err := row.Scan(append([]any{&b.EntryID, &b.Version, &b.Rule, &b.Period, &b.Kind, &b.BookedIn, &b.Payer, &b.Payee,
		&base, &delta, &amount, &date}, more...)...); err != nil {
		return b, err
	}
	b.Date = ledger.DateOf(date)
	name := entryRow("bookings", b.EntryID)
	var err error
	if b.Base, err = storedDecimal(name, "base", base); err != nil {
		return b, err
	}
	if b.BaseDelta, err = storedDecimal(name, "base_delta", delta); err != nil {
		return b, err
	}
	b.Amount, err = storedDecimal(name, "amount", amount)
	return b, err
}

func (r booksRows) Bookings(contract string) ([]books.Booking, error) {
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (books.Booking, error) { return scanBooking(row, contract) },
		`SELECT `+bookingColumns+` FROM bookings b WHERE b.contract = $1 ORDER BY b.entry_id`, contract)
}

func (r booksRows) AdvanceBookings(contract string) ([]books.AdvanceBooking, error) {
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (books.AdvanceBooking, error) {
		b := books.AdvanceBooking{Contract: contract}
		var amount string
		var advDate, date time.Time
		if err := row.Scan(&b.EntryID, &b.Version, &b.Advance, &b.Payer, &b.Payee, &advDate, &amount, &date); err != nil {
			return b, err
		}
		b.AdvanceDate, b.Date = ledger.DateOf(advDate), ledger.DateOf(date)
		var err error
		b.Amount, err = storedDecimal(entryRow("advance_bookings", b.EntryID), "amount", amount)
		return b, err
	}, `SELECT entry_id, version, advance, payer, payee, advance_date, amount::text, date
		FROM advance_bookings WHERE contract = $1 ORDER BY entry_id`, contract)
}

func (r booksRows) Recoupments(contract string) ([]books.Recoupment, error) {
	return r.recoupments(contract, books.Dates{})
}

func (r booksRows) RecoupmentsIn(contract string, d books.Dates) ([]books.Recoupment, error) {
	return r.recoupments(contract, d)
}

func (r booksRows) recoupments(contract string, d books.Dates) ([]books.Recoupment, error) {
	where, args := datesWhere(contract, d)
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (books.Recoupment, error) {
		b := books.Recoupment{Contract: contract}
		var amount string
		var date time.Time
		if err := row.Scan(&b.EntryID, &b.Version, &b.Advance, &b.Period, &b.Payer, &b.Payee, &amount, &date); err != nil {
			return b, err
		}
		b.Date = ledger.DateOf(date)
		var err error
		b.Amount, err = storedDecimal(entryRow("recoupments", b.EntryID), "amount", amount)
		return b, err
	}, `SELECT entry_id, version, advance, period, payer, payee, amount::text, date
		FROM recoupments WHERE `+where+` ORDER BY entry_id`, args...)
}

// datesWhere selects a contract's rows dated in d (arguments from $1).
func datesWhere(contract string, d books.Dates) (string, []any) {
	where, args := `contract = $1`, []any{contract}
	if !d.From.IsZero() {
		args = append(args, d.From.In(time.UTC))
		where += fmt.Sprintf(` AND date >= $%d`, len(args))
	}
	if !d.To.IsZero() {
		args = append(args, d.To.In(time.UTC))
		where += fmt.Sprintf(` AND date <= $%d`, len(args))
	}
	return where, args
}

func (r booksRows) BookedAmounts(contract string, d books.Dates) ([]books.PairAmount, error) {
	where, args := datesWhere(contract, d)
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (p books.PairAmount, err error) {
		var entry int64
		var amount string
		if err := row.Scan(&entry, &p.Payer, &p.Payee, &amount); err != nil {
			return p, err
		}
		p.Amount, err = storedDecimal(entryRow("bookings", entry), "amount", amount)
		return p, err
	}, `SELECT entry_id, payer, payee, amount::text FROM bookings WHERE `+where, args...)
}

func (r booksRows) PaymentsIn(contract string, d books.Dates) ([]books.Payment, error) {
	where, args := datesWhere(contract, d)
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (books.Payment, error) {
		p := books.Payment{Contract: contract}
		var amount string
		var date time.Time
		if err := row.Scan(&p.EntryID, &p.Payer, &p.Payee, &amount, &date, &p.Reference); err != nil {
			return p, err
		}
		p.Date = ledger.DateOf(date)
		var err error
		p.Amount, err = storedDecimal(entryRow("payments", p.EntryID), "amount", amount)
		return p, err
	}, `SELECT entry_id, payer, payee, amount::text, date, reference FROM payments WHERE `+where+` ORDER BY entry_id`, args...)
}

// StatementBookings reads the bookings dated in p with, for each, the
// contract version of the latest earlier booking of its rule, period and
// parties, whether the earlier bookings of its rule and period were all
// between other parties, and, for the first booking of its rule and
// period, the version of the final statement stored for that period
// before p's (statements.id numbers them in the order stored).
func (r booksRows) StatementBookings(contract string, p ledger.Period) ([]books.StatementBooking, error) {
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (sb books.StatementBooking, err error) {
		var closedWith *int32
		if sb.Booking, err = scanBooking(row, contract, &sb.PrevVersion, &sb.Joined, &closedWith); err != nil {
			return sb, err
		}
		if closedWith != nil {
			sb.ClosedWith = int(*closedWith)
		}
		return sb, nil
	}, `SELECT `+bookingColumns+`,
		coalesce((SELECT e.version FROM bookings e WHERE e.contract = b.contract AND e.rule = b.rule AND e.period = b.period
			AND e.payer = b.payer AND e.payee = b.payee AND e.entry_id < b.entry_id ORDER BY e.entry_id DESC LIMIT 1), b.version),
		EXISTS (SELECT 1 FROM bookings e WHERE e.contract = b.contract AND e.rule = b.rule AND e.period = b.period
			AND e.entry_id < b.entry_id AND (e.payer <> b.payer OR e.payee <> b.payee))
		AND NOT EXISTS (SELECT 1 FROM bookings e WHERE e.contract = b.contract AND e.rule = b.rule AND e.period = b.period
			AND e.entry_id < b.entry_id AND e.payer = b.payer AND e.payee = b.payee),
		CASE WHEN NOT EXISTS (SELECT 1 FROM bookings e WHERE e.contract = b.contract AND e.rule = b.rule AND e.period = b.period
			AND e.entry_id < b.entry_id) THEN (SELECT s.version FROM statements s WHERE s.contract = b.contract AND s.period = b.period
			AND s.id < coalesce((SELECT t.id FROM statements t WHERE t.contract = b.contract AND t.period = $1), 9223372036854775807)) END
		FROM bookings b WHERE b.contract = $2 AND b.date BETWEEN $3 AND $4 ORDER BY b.entry_id`,
		p.Label(), contract, p.Start().In(time.UTC), p.Last().In(time.UTC))
}

// FinalRuleBases reads the rules' bases out of the stored body (JSON) of
// the final statement; ok is false when it has no rule lines.
func (r booksRows) FinalRuleBases(contract, period string) (map[string]decimal.Decimal, bool, error) {
	rows, err := r.tx.Query(r.ctx, `SELECT coalesce(l->>'rule', ''), coalesce(l->>'base', '')
		FROM statements s, jsonb_array_elements(s.body::jsonb -> 'rules') l WHERE s.contract = $1 AND s.period = $2`, contract, period)
	if err != nil {
		return nil, false, err
	}
	bases := map[string]decimal.Decimal{}
	stored := false
	var rule, base string
	if _, err := pgx.ForEachRow(rows, []any{&rule, &base}, func() (err error) {
		stored = true
		bases[rule], err = storedDecimal("statements "+contract+" "+period, "rules[].base", base)
		return err
	}); err != nil {
		return nil, false, err
	}
	return bases, stored, nil
}

func (r booksRows) FinalStatement(contract, period string) ([]byte, bool, error) {
	var body string
	err := r.tx.QueryRow(r.ctx, `SELECT body FROM statements WHERE contract = $1 AND period = $2`, contract, period).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return []byte(body), true, nil
}

func (r booksRows) HasFinalStatement(contract, period string) (bool, error) {
	var have bool
	err := r.tx.QueryRow(r.ctx, `SELECT EXISTS (SELECT 1 FROM statements WHERE contract = $1 AND period = $2)`, contract, period).Scan(&have)
	return have, err
}

func (r booksRows) FinalStatementHashes(contract string) (map[string]string, error) {
	rows, err := r.tx.Query(r.ctx, `SELECT period, hash FROM statements WHERE contract = $1`, contract)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var label, hash string
	if _, err := pgx.ForEachRow(rows, []any{&label, &hash}, func() error { out[label] = hash; return nil }); err != nil {
		return nil, err
	}
	return out, nil
}

func (r booksRows) Basis() (books.StatementBasis, error) {
	var b books.StatementBasis
	err := r.tx.QueryRow(r.ctx, `SELECT (SELECT coalesce(max(id), 0) FROM events),
		(SELECT coalesce(max(id), 0) FROM import_batches WHERE kind = 'rates')`).Scan(&b.EventsThrough, &b.RatesThrough)
	return b, err
}

// instantText is how FinalizedAt, ClosedAt and RecordedAt read: RFC 3339
// in UTC with nanoseconds, as SQLite stores them.
func instantText(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

func (r booksRows) FinalStatements() ([]books.FinalStatement, error) {
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (books.FinalStatement, error) {
		s := books.FinalStatement{HasBasis: true}
		var body string
		var at time.Time
		err := row.Scan(&s.Contract, &s.Period, &body, &s.Hash, &at, &s.Basis.Version, &s.Basis.EventsThrough, &s.Basis.RatesThrough)
		s.Body, s.FinalizedAt = []byte(body), instantText(at)
		return s, err
	}, `SELECT contract, period, body, hash, finalized_at, version, events_through, rates_through
		FROM statements ORDER BY contract, period`)
}

// BasisRecordedSince is zero: every final statement here records its
// basis (migrations/0060 makes the columns NOT NULL).
func (r booksRows) BasisRecordedSince() (time.Time, error) { return time.Time{}, nil }

func (r booksRows) Closes() ([]books.Close, error) {
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (c books.Close, err error) {
		var through, at time.Time
		err = row.Scan(&through, &at, &c.EventsThrough)
		c.Through, c.ClosedAt = ledger.DateOf(through).String(), instantText(at)
		return c, err
	}, `SELECT c.through, c.closed_at,
		coalesce((SELECT max(g.last_event) FROM import_groups g WHERE g.entry_id <= c.head_id), 0)
		FROM period_closes c ORDER BY c.through`)
}

func (r booksRows) ContractDocuments() ([]books.ContractDocument, error) {
	return queryRows(r.ctx, r.tx, func(row pgx.CollectableRow) (d books.ContractDocument, err error) {
		var at time.Time
		var ns int16
		err = row.Scan(&d.ID, &d.Version, &d.Document, &at, &ns)
		d.RecordedAt = instantText(recordedAt(at, ns))
		return d, err
	}, `SELECT id, version, document, recorded_at, recorded_ns FROM contracts ORDER BY id, version`)
}
