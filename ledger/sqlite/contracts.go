package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/booking"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// SaveContract stores a new version of a contract. With update false it
// refuses an id that exists (ECONFLICT); with update true it refuses one that
// does not (ENOTFOUND). Saving a document identical to the latest version is a
// no-op returning that version.
func (db *DB) SaveContract(ctx context.Context, c *contracts.Contract, update bool) (int, error) {
	doc := string(c.Canonical())
	var version int
	ctx = db.activity(ctx, "contract update", c.ID)
	err := db.WithTx(ctx, func(tx *Tx) error {
		var latest int
		var latestDoc sql.NullString
		err := tx.SQL().QueryRowContext(ctx, `SELECT version, document FROM contracts WHERE id = ? ORDER BY version DESC LIMIT 1`, c.ID).Scan(&latest, &latestDoc)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := contracts.CheckSave(c, latest, update); err != nil {
			return err
		}
		if latest > 0 && latestDoc.String == doc {
			version = latest
			return nil
		}
		if latest == 0 {
			if err := distinctAccountSegment(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		if latest > 0 {
			if err := sameCurrencyOnceBooked(ctx, tx, c, latestDoc.String); err != nil {
				return err
			}
		}
		version = latest + 1
		_, err = tx.SQL().ExecContext(ctx, `INSERT INTO contracts (id, version, document, recorded_at) VALUES (?, ?, ?, ?)`,
			c.ID, version, doc, tx.Now.Format(time.RFC3339Nano))
		if err != nil {
			return err
		}
		if _, err := ensureUsage(ctx, tx, c); err != nil {
			return err
		}
		return pruneUsage(ctx, tx)
	})
	return version, err
}

// distinctAccountSegment is contracts.CheckNewID against the stored ids.
func distinctAccountSegment(ctx context.Context, tx *Tx, id string) error {
	rows, err := tx.SQL().QueryContext(ctx, `SELECT DISTINCT id FROM contracts`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var other string
		if err := rows.Scan(&other); err != nil {
			return err
		}
		ids = append(ids, other)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return contracts.CheckNewID(id, ids)
}

// sameCurrencyOnceBooked is contracts.CheckCurrency against the stored
// latest version and the contract's bookings.
func sameCurrencyOnceBooked(ctx context.Context, tx *Tx, c *contracts.Contract, latestDoc string) error {
	prev, err := contracts.Parse([]byte(latestDoc))
	if err != nil {
		return fmt.Errorf("stored contract %s: %w", c.ID, err)
	}
	if prev.Currency == c.Currency {
		return nil
	}
	var n int
	if err := tx.SQL().QueryRowContext(ctx, `SELECT count(*) FROM bookings WHERE contract = ?`, c.ID).Scan(&n); err != nil {
		return err
	}
	return contracts.CheckCurrency(prev, c, n)
}

// Contract returns the latest version of a contract (ENOTFOUND if none).
func (db *DB) Contract(ctx context.Context, id string) (contracts.StoredContract, error) {
	return loadContract(ctx, db.r, id)
}

func loadContract(ctx context.Context, q querier, id string) (contracts.StoredContract, error) {
	var doc, recorded string
	var sc contracts.StoredContract
	err := q.QueryRowContext(ctx, `SELECT version, document, recorded_at FROM contracts WHERE id = ? ORDER BY version DESC LIMIT 1`, id).Scan(&sc.Version, &doc, &recorded)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, ledger.Errorf(ledger.ENOTFOUND, "contract %q not found", id)
	}
	if err != nil {
		return sc, err
	}
	return sc, parseStoredContract(&sc, id, doc, recorded)
}

// parseStoredContract sets sc's contract and recording time from the
// stored document and recorded_at of contract id.
func parseStoredContract(sc *contracts.StoredContract, id, doc, recorded string) error {
	var err error
	if sc.Contract, err = contracts.Parse([]byte(doc)); err != nil {
		return fmt.Errorf("stored contract %s version %d: %w", id, sc.Version, err)
	}
	// SaveContract writes recorded_at as RFC 3339 with trimmed nanoseconds.
	if sc.RecordedAt, err = time.Parse(time.RFC3339Nano, recorded); err != nil {
		return fmt.Errorf("stored contract %s version %d: recorded_at: %w", id, sc.Version, err)
	}
	return nil
}

// Contracts returns the latest version of every contract, by id.
func (db *DB) Contracts(ctx context.Context) ([]contracts.StoredContract, error) {
	return loadContracts(ctx, db.r)
}

func loadContracts(ctx context.Context, q querier) ([]contracts.StoredContract, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, version, document, recorded_at FROM contracts c
		WHERE version = (SELECT max(version) FROM contracts WHERE id = c.id) ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contracts.StoredContract
	for rows.Next() {
		var id, doc, recorded string
		var sc contracts.StoredContract
		if err := rows.Scan(&id, &sc.Version, &doc, &recorded); err != nil {
			return nil, err
		}
		if err := parseStoredContract(&sc, id, doc, recorded); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// Run computes every contract's obligations for every period up to through
// (a date: each contract runs through its own period containing it) and
// books the differences (package booking). The whole run is one write
// transaction, so concurrent runs serialize and the second books nothing.
func (db *DB) Run(ctx context.Context, through ledger.Date) (contracts.RunResult, error) {
	var res contracts.RunResult
	ctx = db.activity(ctx, "run", "through "+through.String())
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		res, err = tx.run(through, nil)
		return err
	})
	return res, err
}

// run is Run inside tx; step, when set, is called after each contract's
// bookings (close's crash points).
func (tx *Tx) run(through ledger.Date, step func()) (contracts.RunResult, error) {
	ctx := tx.ctx
	res := contracts.RunResult{Through: through.String()}
	cs, err := loadContracts(ctx, tx.SQL())
	if err != nil {
		return res, err
	}
	closed, err := tx.ClosedThrough()
	if err != nil {
		return res, err
	}
	rates, err := loadRates(ctx, tx.SQL())
	if err != nil {
		return res, err
	}
	total := 0
	for _, sc := range cs {
		rc, err := runContract(ctx, tx, sc, through, closed, rates, step)
		if err != nil {
			return res, err
		}
		total += rc.Entries
		res.Contracts = append(res.Contracts, rc)
	}
	_, err = tx.SQL().ExecContext(ctx, `INSERT INTO runs (through, started_at, entries) VALUES (?, ?, ?)`, through.String(), tx.Now.Format(time.RFC3339Nano), total)
	return res, err
}

func runContract(ctx context.Context, tx *Tx, sc contracts.StoredContract, throughDate ledger.Date, closed ledger.Date, rates []ledger.FXRate, step func()) (contracts.RunContract, error) {
	c := sc.Contract
	through := c.PeriodOf(throughDate)
	rc := contracts.RunContract{Contract: c.ID, Through: through.Label()}
	booked, err := loadBooked(ctx, tx.SQL(), c)
	if err != nil {
		return rc, err
	}
	if _, err := ensureUsage(ctx, tx, c); err != nil {
		return rc, err
	}
	// A run through an earlier period than one already booked still brings
	// the later periods to their computed values: left out, they would be
	// planned back to zero (as for a rule an amendment removed), and left
	// alone, a grown earlier period could push their cap consumption past
	// the cap.
	evalThrough := through
	for _, b := range booked {
		if b.Period.Freq == through.Freq && through.Before(b.Period) && evalThrough.Before(b.Period) {
			evalThrough = b.Period
		}
	}
	if evalThrough != through {
		// Say so: the run went on through the latest booked period.
		rc.Through, rc.Asked = evalThrough.Label(), through.Label()
	}
	result, err := evaluate(ctx, tx.SQL(), c, evalThrough, rates, false)
	if err != nil {
		return rc, err
	}
	var computed []booking.Computed
	for _, l := range result.Lines {
		cp := booking.Computed{Rule: l.Rule, Payer: l.Payer, Payee: l.Payee, Period: l.Period, Base: l.Base, Amount: l.Total}
		for _, sp := range l.Splits {
			cp.Parts = append(cp.Parts, booking.Part{Payee: sp.Payee, Amount: sp.Amount})
		}
		computed = append(computed, cp)
	}
	plan := booking.Plan(computed, booked, closed, c.Period)
	if again, err := finalBases(ctx, tx.SQL(), c.ID, plan, booked); err != nil {
		return rc, err
	} else if again {
		plan = booking.Plan(computed, booked, closed, c.Period)
	}
	advances, recoupments, err := planAdvances(ctx, tx.SQL(), c, evalThrough, closed, plan)
	if err != nil {
		return rc, err
	}
	if len(plan)+len(advances)+len(recoupments) == 0 {
		return rc, nil
	}
	entries := make([]ledger.Entry, 0, len(plan)+len(advances)+len(recoupments))
	for _, b := range plan {
		entries = append(entries, b.Entry(c.ID, sc.Version, c.Currency))
	}
	for _, b := range advances {
		entries = append(entries, b.Entry(c.ID, sc.Version, c.Currency))
	}
	for _, b := range recoupments {
		entries = append(entries, b.Entry(c.ID, sc.Version, c.Currency))
	}
	posted, err := tx.PostEntries(entries)
	if err != nil {
		return rc, err
	}
	for i, b := range plan {
		if posted[i].Duplicate {
			continue
		}
		_, err := tx.SQL().ExecContext(ctx, `INSERT INTO bookings (entry_id, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			posted[i].ID, c.ID, sc.Version, b.Rule, b.Period, string(b.Kind), b.BookedIn.Label(), b.Payer, b.Payee,
			b.Base.String(), b.BaseDelta.String(), b.AmountDelta.String(), b.Date.String())
		if err != nil {
			return rc, err
		}
		rc.Entries++
		if b.Kind == booking.Adjustment {
			rc.Adjustments++
		}
		if step != nil {
			step()
		}
	}
	posted = posted[len(plan):]
	for i, b := range advances {
		if posted[i].Duplicate {
			continue
		}
		_, err := tx.SQL().ExecContext(ctx, `INSERT INTO advance_bookings (entry_id, contract, version, advance, payer, payee, advance_date, amount, date)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			posted[i].ID, c.ID, sc.Version, b.Advance, b.Payer, b.Payee, b.AdvanceDate.String(), b.Amount.String(), b.Date.String())
		if err != nil {
			return rc, err
		}
		rc.Entries++
		rc.Advances++
		if step != nil {
			step()
		}
	}
	posted = posted[len(advances):]
	for i, b := range recoupments {
		if posted[i].Duplicate {
			continue
		}
		_, err := tx.SQL().ExecContext(ctx, `INSERT INTO recoupments (entry_id, contract, version, advance, period, payer, payee, amount, date)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			posted[i].ID, c.ID, sc.Version, b.Advance, b.Period, b.Payer, b.Payee, b.Amount.String(), b.Date.String())
		if err != nil {
			return rc, err
		}
		rc.Entries++
		rc.Recoupments++
		if step != nil {
			step()
		}
	}
	return rc, nil
}

// evaluate runs the engine over the contract's usage aggregates, or over
// every stored event when it has none (a database from before 0008 that no
// run or contract save has brought up to date; a read-only view cannot).
func evaluate(ctx context.Context, q querier, c *contracts.Contract, through ledger.Period, rates []ledger.FXRate, trace bool) (*contracts.Result, error) {
	if res, ok, err := evaluateUsage(ctx, q, c, through, rates, trace); ok || err != nil {
		return res, err
	}
	acc, err := contracts.NewAccumulator(c, through, rates, contracts.Options{TraceEvents: trace})
	if err != nil {
		return nil, err
	}
	if err := eachEvent(ctx, q, ledger.EventFilter{}, acc.Add); err != nil {
		return nil, err
	}
	return acc.Result()
}

func loadBooked(ctx context.Context, q querier, c *contracts.Contract) (map[booking.Ref]booking.Booked, error) {
	rows, err := q.QueryContext(ctx, `SELECT entry_id, rule, period, payer, payee, base, amount, kind FROM bookings WHERE contract = ? ORDER BY entry_id`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[booking.Ref]booking.Booked{}
	for rows.Next() {
		var entry int64
		var rule, period, payer, payee, base, amount, kind string
		if err := rows.Scan(&entry, &rule, &period, &payer, &payee, &base, &amount, &kind); err != nil {
			return nil, err
		}
		p, err := ledger.ParsePeriod(period)
		if err != nil {
			return nil, fmt.Errorf("bookings row of entry %d: period: %w", entry, err)
		}
		bd, err := storedRowDecimal("bookings", entry, "base", base)
		if err != nil {
			return nil, err
		}
		amt, err := storedRowDecimal("bookings", entry, "amount", amount)
		if err != nil {
			return nil, err
		}
		ref := booking.Ref{Rule: rule, Period: period}
		b := out[ref]
		b.Payer, b.Payee, b.Period = payer, payee, p
		b.Base = bd
		b.Amount = b.Amount.Add(amt)
		if b.ByPair == nil {
			b.ByPair = map[booking.Pair]decimal.Decimal{}
		}
		pair := booking.Pair{Payer: payer, Payee: payee}
		b.ByPair[pair] = b.ByPair[pair].Add(amt)
		b.Count++
		b.Adjusted = b.Adjusted || kind == string(booking.Adjustment)
		out[ref] = b
	}
	return out, rows.Err()
}

// finalBases sets, in booked, the base of each (rule, closed period) that
// plan adjusts for the first time to the base on the period's final
// statement: a period closed with nothing booked for the rule (an
// obligation of zero: a refund's floor, a cap used up, a rule an amendment
// added later) has no booking that holds it, and a booking made before the
// close may hold an older one (events that changed the base but not the
// obligation). It reports whether it changed any base; the plan must then
// be made again. Only the final statements of the periods concerned are
// read.
func finalBases(ctx context.Context, q querier, contract string, plan []booking.Booking, booked map[booking.Ref]booking.Booked) (bool, error) {
	need := map[string][]booking.Ref{}
	var periods []string
	for _, b := range plan {
		if b.Kind != booking.Adjustment || booked[b.Ref].Adjusted {
			continue
		}
		if _, ok := need[b.Period]; !ok {
			periods = append(periods, b.Period)
		}
		need[b.Period] = append(need[b.Period], b.Ref)
	}
	changed := false
	for _, period := range periods {
		rows, err := q.QueryContext(ctx, `SELECT json_extract(r.value, '$.rule'), json_extract(r.value, '$.base')
			FROM statements s, json_each(s.body, '$.rules') r WHERE s.contract = ? AND s.period = ?`, contract, period)
		if err != nil {
			return false, err
		}
		bases := map[string]decimal.Decimal{}
		stored := false
		for rows.Next() {
			var rule, base sql.NullString
			if err := rows.Scan(&rule, &base); err != nil {
				rows.Close()
				return false, err
			}
			stored = true
			d, err := storedDecimal("statements "+contract+" "+period, "rules[].base", base.String)
			if err != nil {
				rows.Close()
				return false, err
			}
			bases[rule.String] = d
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, err
		}
		if !stored {
			continue // no final statement under this label (another frequency): the bookings' base stands
		}
		for _, ref := range need[period] {
			b := booked[ref]
			if base := bases[ref.Rule]; !base.Equal(b.Base) {
				b.Base, changed = base, true
				booked[ref] = b
			}
		}
	}
	return changed, nil
}

// Evaluate runs the engine for a stored contract through period p over
// every stored event, tracing event IDs.
func (db *DB) Evaluate(ctx context.Context, id string, p ledger.Period) (*contracts.Result, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sc, err := loadContract(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	rates, err := loadRates(ctx, tx)
	if err != nil {
		return nil, err
	}
	return evaluate(ctx, tx, sc.Contract, p, rates, true)
}

// EvaluateContract runs the engine for c, stored or not (a scenario's
// contract), through period p without event tracing: over the usage set of
// c's usage signature when one is stored, else over every stored event.
func (db *DB) EvaluateContract(ctx context.Context, c *contracts.Contract, p ledger.Period) (*contracts.Result, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rates, err := loadRates(ctx, tx)
	if err != nil {
		return nil, err
	}
	return evaluate(ctx, tx, c, p, rates, false)
}

// Pay records a payment (contracts.Payer): it reduces what the payer owes
// the payee (the payable) against the payer's cash. The reference is the
// idempotency key (contracts.PaymentKey when empty): paying again with the
// same reference and the same payment records nothing and returns the first
// entry; the same reference with another payment is ECONFLICT.
func (db *DB) Pay(ctx context.Context, p contracts.Payment) (contracts.PaymentResult, error) {
	var res contracts.PaymentResult
	contractID, payer, payee, amount, date, reference := p.Contract, p.Payer, p.Payee, p.Amount, p.Date, p.Reference
	ctx = db.activity(ctx, "payment", fmt.Sprintf("%s -> %s under %s", payer, payee, contractID))
	err := db.WithTx(ctx, func(tx *Tx) error {
		sc, err := loadContract(ctx, tx.SQL(), contractID)
		if err != nil {
			return err
		}
		c := sc.Contract
		known := map[string]bool{}
		for _, p := range c.Parties {
			known[p] = true
		}
		if !known[payer] || !known[payee] || payer == payee {
			return ledger.Errorf(ledger.EINVALID, "payment %s -> %s: both must be distinct parties of contract %s %v", payer, payee, c.ID, c.Parties)
		}
		if !amount.IsPositive() {
			return ledger.Errorf(ledger.EINVALID, "payment amount %s: must be positive", amount)
		}
		if rounded, _ := ledger.RoundMinor(amount, c.Currency, ledger.HalfUp); !rounded.Equal(amount) {
			return ledger.Errorf(ledger.EINVALID, "payment amount %s: more decimals than %s allows", amount, c.Currency)
		}
		if reference == "" {
			reference = contracts.PaymentKey(c.ID, payer, payee, amount, date)
		}
		e := ledger.Entry{
			Key:         ledger.Key{Source: "payment", ExternalID: c.ID + ":" + reference},
			Date:        date,
			Description: fmt.Sprintf("payment %s -> %s under %s (%s)", payer, payee, c.ID, reference),
			Meta:        map[string]string{"contract": c.ID, "kind": "payment", "reference": reference},
			Postings: []ledger.Posting{
				{Account: ledger.SharePayableAccount(payer, payee, c.ID), Amount: amount, Currency: c.Currency},
				{Account: ledger.CashAccount(payer), Amount: amount.Neg(), Currency: c.Currency},
			},
		}
		posted, err := tx.PostEntries([]ledger.Entry{e})
		if err != nil {
			return err
		}
		res = contracts.PaymentResult{Entry: posted[0].ID, Reference: reference, AlreadyRecorded: posted[0].Duplicate}
		if posted[0].Duplicate {
			return nil
		}
		_, err = tx.SQL().ExecContext(ctx, `INSERT INTO payments (entry_id, contract, payer, payee, amount, date, reference) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			res.Entry, c.ID, payer, payee, amount.String(), date.String(), reference)
		return err
	})
	return res, err
}

// storedRowDecimal parses a decimal column of a stored row; a malformed one (a
// corrupt or hand-edited database) is an error naming the row, not a panic.
func storedRowDecimal(table string, entryID int64, column, v string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%s row of entry %d: %s %q is not a decimal number (the database is damaged: run revshare verify)", table, entryID, column, v)
	}
	return d, nil
}
