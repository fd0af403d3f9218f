package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/booking"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// StoredContract is one version of a contract.
type StoredContract struct {
	Contract   *contracts.Contract
	Version    int
	RecordedAt string
}

// SaveContract stores a new version of a contract. With update false it
// refuses an id that exists (ECONFLICT); with update true it refuses one that
// does not (ENOTFOUND). Saving a document identical to the latest version is a
// no-op returning that version.
func (db *DB) SaveContract(ctx context.Context, c *contracts.Contract, update bool) (int, error) {
	doc := string(c.Canonical())
	var version int
	err := db.WithTx(ctx, func(tx *Tx) error {
		var latest int
		var latestDoc sql.NullString
		err := tx.SQL().QueryRowContext(ctx, `SELECT version, document FROM contracts WHERE id = ? ORDER BY version DESC LIMIT 1`, c.ID).Scan(&latest, &latestDoc)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		switch {
		case latest > 0 && !update:
			return ledger.Errorf(ledger.ECONFLICT, "contract %q already exists (version %d): use `contract update`", c.ID, latest)
		case latest == 0 && update:
			return ledger.Errorf(ledger.ENOTFOUND, "contract %q not found: use `contract add`", c.ID)
		case latest > 0 && latestDoc.String == doc:
			version = latest
			return nil
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

// sameCurrencyOnceBooked refuses an update that changes the contract's
// currency after a run booked obligations under it: the bookings of the
// two versions would mix currencies in the contract's payables and
// statements.
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
	if n == 0 {
		return nil
	}
	return ledger.Errorf(ledger.ECONFLICT, "contract %q: its currency cannot change from %s to %s once obligations are booked under it (%d booking(s)): add a new contract instead",
		c.ID, prev.Currency, c.Currency, n)
}

// Contract returns the latest version of a contract (ENOTFOUND if none).
func (db *DB) Contract(ctx context.Context, id string) (StoredContract, error) {
	return loadContract(ctx, db.r, id)
}

func loadContract(ctx context.Context, q querier, id string) (StoredContract, error) {
	var doc string
	var sc StoredContract
	err := q.QueryRowContext(ctx, `SELECT version, document, recorded_at FROM contracts WHERE id = ? ORDER BY version DESC LIMIT 1`, id).Scan(&sc.Version, &doc, &sc.RecordedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, ledger.Errorf(ledger.ENOTFOUND, "contract %q not found", id)
	}
	if err != nil {
		return sc, err
	}
	return sc, sc.parse(id, doc)
}

// parse sets sc.Contract from the stored document of contract id.
func (sc *StoredContract) parse(id, doc string) error {
	var err error
	if sc.Contract, err = contracts.Parse([]byte(doc)); err != nil {
		return fmt.Errorf("stored contract %s version %d: %w", id, sc.Version, err)
	}
	return nil
}

// Contracts returns the latest version of every contract, by id.
func (db *DB) Contracts(ctx context.Context) ([]StoredContract, error) {
	return loadContracts(ctx, db.r)
}

func loadContracts(ctx context.Context, q querier) ([]StoredContract, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, version, document, recorded_at FROM contracts c
		WHERE version = (SELECT max(version) FROM contracts WHERE id = c.id) ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StoredContract
	for rows.Next() {
		var id, doc string
		var sc StoredContract
		if err := rows.Scan(&id, &sc.Version, &doc, &sc.RecordedAt); err != nil {
			return nil, err
		}
		if err := sc.parse(id, doc); err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, rows.Err()
}

// RunResult says what a run booked.
type RunResult struct {
	Through   string        `json:"through"`
	Contracts []RunContract `json:"contracts"`
}

// RunContract is one contract's part of a run.
type RunContract struct {
	Contract    string `json:"contract"`
	Through     string `json:"through"`
	Entries     int    `json:"entries"`
	Adjustments int    `json:"adjustments"`
}

// Run computes every contract's obligations for every period up to through
// (a date: each contract runs through its own period containing it) and
// books the differences (package booking). The whole run is one write
// transaction, so concurrent runs serialize and the second books nothing.
func (db *DB) Run(ctx context.Context, through ledger.Date) (RunResult, error) {
	res := RunResult{Through: through.String()}
	err := db.WithTx(ctx, func(tx *Tx) error {
		res.Contracts = nil
		cs, err := loadContracts(ctx, tx.SQL())
		if err != nil {
			return err
		}
		closed, err := tx.ClosedThrough()
		if err != nil {
			return err
		}
		rates, err := loadRates(ctx, tx.SQL())
		if err != nil {
			return err
		}
		total := 0
		for _, sc := range cs {
			rc, err := runContract(ctx, tx, sc, through, closed, rates)
			if err != nil {
				return err
			}
			total += rc.Entries
			res.Contracts = append(res.Contracts, rc)
		}
		_, err = tx.SQL().ExecContext(ctx, `INSERT INTO runs (through, started_at, entries) VALUES (?, ?, ?)`, through.String(), tx.Now.Format(time.RFC3339Nano), total)
		return err
	})
	return res, err
}

func runContract(ctx context.Context, tx *Tx, sc StoredContract, throughDate ledger.Date, closed ledger.Date, rates []ledger.FXRate) (RunContract, error) {
	c := sc.Contract
	through := c.PeriodOf(throughDate)
	rc := RunContract{Contract: c.ID, Through: through.Label()}
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
	result, err := evaluate(ctx, tx.SQL(), c, evalThrough, rates, false)
	if err != nil {
		return rc, err
	}
	var computed []booking.Computed
	for _, l := range result.Lines {
		computed = append(computed, booking.Computed{Rule: l.Rule, Payer: l.Payer, Payee: l.Payee, Period: l.Period, Base: l.Base, Amount: l.Total})
	}
	plan := booking.Plan(computed, booked, closed, c.Period)
	if len(plan) == 0 {
		return rc, nil
	}
	entries := make([]ledger.Entry, len(plan))
	for i, b := range plan {
		entries[i] = b.Entry(c.ID, sc.Version, c.Currency)
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
	if err := eachEvent(ctx, q, EventFilter{}, acc.Add); err != nil {
		return nil, err
	}
	return acc.Result()
}

func loadBooked(ctx context.Context, q querier, c *contracts.Contract) (map[booking.Ref]booking.Booked, error) {
	rows, err := q.QueryContext(ctx, `SELECT rule, period, payer, payee, base, amount FROM bookings WHERE contract = ? ORDER BY entry_id`, c.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[booking.Ref]booking.Booked{}
	for rows.Next() {
		var rule, period, payer, payee, base, amount string
		if err := rows.Scan(&rule, &period, &payer, &payee, &base, &amount); err != nil {
			return nil, err
		}
		p, err := ledger.ParsePeriod(period)
		if err != nil {
			return nil, err
		}
		ref := booking.Ref{Rule: rule, Period: period}
		b := out[ref]
		b.Payer, b.Payee, b.Period = payer, payee, p
		b.Base = decimal.RequireFromString(base)
		amt := decimal.RequireFromString(amount)
		b.Amount = b.Amount.Add(amt)
		if b.ByPair == nil {
			b.ByPair = map[booking.Pair]decimal.Decimal{}
		}
		pair := booking.Pair{Payer: payer, Payee: payee}
		b.ByPair[pair] = b.ByPair[pair].Add(amt)
		b.Count++
		out[ref] = b
	}
	return out, rows.Err()
}

// StatementData is what the ledger holds for one contract and period, beyond
// the engine's computation: bookings dated in the period, payments, and the
// balances at the period's start.
type StatementData struct {
	Contract StoredContract
	Result   *contracts.Result // evaluated through the period, with event tracing
	Bookings []reports.Booking
	Paid     map[[2]string]decimal.Decimal // payer, payee -> payments dated in the period
	Opening  map[[2]string]decimal.Decimal // payer, payee -> booked minus paid before the period
	Final    []byte                        // the stored final statement, if any
}

// StatementData gathers what a statement of contract id for period p needs.
// If a final statement is stored, only Contract and Final are set. When
// evaluated is the engine's result for the contract through p or a later
// period (from Evaluate), it is reused: a period's lines do not depend on
// later periods, so rendering many statements costs one evaluation.
func (db *DB) StatementData(ctx context.Context, id string, p ledger.Period, evaluated *contracts.Result) (*StatementData, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return statementData(ctx, tx, id, p, evaluated)
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

func statementData(ctx context.Context, q querier, id string, p ledger.Period, evaluated *contracts.Result) (*StatementData, error) {
	sc, err := loadContract(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if p.Freq != sc.Contract.Period {
		return nil, ledger.Errorf(ledger.EINVALID, "contract %s has %s periods: %s is not one", id, sc.Contract.Period, p.Label())
	}
	sd := &StatementData{Contract: sc, Paid: map[[2]string]decimal.Decimal{}, Opening: map[[2]string]decimal.Decimal{}}
	var body string
	err = q.QueryRowContext(ctx, `SELECT body FROM statements WHERE contract = ? AND period = ?`, id, p.Label()).Scan(&body)
	if err == nil {
		sd.Final = []byte(body)
		return sd, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if evaluated != nil && evaluated.Contract != nil && evaluated.Contract.ID == id && !evaluated.Through.Before(p) &&
		string(evaluated.Contract.Canonical()) == string(sc.Contract.Canonical()) {
		sd.Result = evaluated
	} else {
		rates, err := loadRates(ctx, q)
		if err != nil {
			return nil, err
		}
		if sd.Result, err = evaluate(ctx, q, sc.Contract, p, rates, true); err != nil {
			return nil, err
		}
	}
	start, end := p.Start().String(), p.Last().String()
	// An adjustment also names the contract version of the booking it
	// corrects (the latest earlier one of its rule and period), so that the
	// statement can say whether an amendment was involved.
	rows, err := q.QueryContext(ctx, `SELECT b.entry_id, b.rule, b.period, b.kind, b.payer, b.payee, b.base_delta, b.amount, b.version,
		ifnull((SELECT p.version FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.entry_id < b.entry_id ORDER BY p.entry_id DESC LIMIT 1), b.version)
		FROM bookings b WHERE b.contract = ? AND b.date >= ? AND b.date <= ? ORDER BY b.entry_id`, id, start, end)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b reports.Booking
		var bd, amt string
		if err := rows.Scan(&b.EntryID, &b.Rule, &b.Period, &b.Kind, &b.Payer, &b.Payee, &bd, &amt, &b.Version, &b.PrevVersion); err != nil {
			rows.Close()
			return nil, err
		}
		b.BaseDelta, b.Amount = decimal.RequireFromString(bd), decimal.RequireFromString(amt)
		sd.Bookings = append(sd.Bookings, b)
	}
	rows.Close()
	add := func(m map[[2]string]decimal.Decimal, query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var payer, payee, amt string
			if err := rows.Scan(&payer, &payee, &amt); err != nil {
				return err
			}
			k := [2]string{payer, payee}
			m[k] = m[k].Add(decimal.RequireFromString(amt))
		}
		return rows.Err()
	}
	if err := add(sd.Paid, `SELECT payer, payee, amount FROM payments WHERE contract = ? AND date >= ? AND date <= ?`, id, start, end); err != nil {
		return nil, err
	}
	if err := add(sd.Opening, `SELECT payer, payee, amount FROM bookings WHERE contract = ? AND date < ?`, id, start); err != nil {
		return nil, err
	}
	paidBefore := map[[2]string]decimal.Decimal{}
	if err := add(paidBefore, `SELECT payer, payee, amount FROM payments WHERE contract = ? AND date < ?`, id, start); err != nil {
		return nil, err
	}
	for k, v := range paidBefore {
		sd.Opening[k] = sd.Opening[k].Sub(v)
	}
	return sd, nil
}

// Pay records a payment from payer to payee under a contract: it reduces
// what payer owes payee (the payable) against payer's cash.
func (db *DB) Pay(ctx context.Context, contractID, payer, payee string, amount decimal.Decimal, date ledger.Date, reference string) (int64, error) {
	var id int64
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
		var n int
		if err := tx.SQL().QueryRowContext(ctx, `SELECT count(*) FROM payments`).Scan(&n); err != nil {
			return err
		}
		if reference == "" {
			reference = "payment-" + strconv.Itoa(n+1)
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
		res, err := tx.PostEntries([]ledger.Entry{e})
		if err != nil {
			return err
		}
		id = res[0].ID
		if res[0].Duplicate {
			return nil
		}
		_, err = tx.SQL().ExecContext(ctx, `INSERT INTO payments (entry_id, contract, payer, payee, amount, date, reference) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			id, c.ID, payer, payee, amount.String(), date.String(), reference)
		return err
	})
	return id, err
}

// SaveFinalStatement stores a final statement once; storing it again is a
// no-op (the first stored one wins and stays byte-identical).
func (db *DB) SaveFinalStatement(ctx context.Context, contractID, period string, body []byte, hash string) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		_, err := tx.SQL().ExecContext(ctx, `INSERT INTO statements (contract, period, body, hash, finalized_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (contract, period) DO NOTHING`, contractID, period, string(body), hash, tx.Now.Format(time.RFC3339Nano))
		return err
	})
}
