package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// Statement returns the statement of contract id for period p: the final
// statement stored at the close that finalized it, as stored, whatever
// later versions of the contract say (even one with another statement
// frequency); else a draft built from the ledger now. A period the
// contract does not have (another frequency, or before its first period)
// is ENOTFOUND, and so is an unknown contract. evaluated, when it is the
// engine's result for the latest version of the contract through p or a
// later period (from Evaluate), is reused for a draft: rendering many
// statements then costs one evaluation.
func (db *DB) Statement(ctx context.Context, id string, p ledger.Period, evaluated *contracts.Result) (*reports.Statement, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sc, err := loadContract(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if s, ok, err := storedStatement(ctx, tx, id, p.Label()); ok || err != nil {
		return s, err
	}
	if err := hasPeriod(sc.Contract, p); err != nil {
		return nil, err
	}
	c := sc.Contract
	if evaluated == nil || evaluated.Contract == nil || evaluated.Contract.ID != id || evaluated.Through.Before(p) ||
		string(evaluated.Contract.Canonical()) != string(c.Canonical()) {
		rates, err := loadRates(ctx, tx)
		if err != nil {
			return nil, err
		}
		if evaluated, err = evaluate(ctx, tx, c, p, rates, true); err != nil {
			return nil, err
		}
	}
	return statementFromLedger(ctx, tx, sc, p, false, evaluated)
}

// hasPeriod says ENOTFOUND unless p is one of c's statement periods: of
// its frequency, from its first period on.
func hasPeriod(c *contracts.Contract, p ledger.Period) error {
	if p.Freq != c.Period {
		return ledger.Errorf(ledger.ENOTFOUND, "contract %s has no statement for %s: its statements are by %s, and no final statement is stored under that label",
			c.ID, p.Label(), c.Period)
	}
	first, ok := c.FirstPeriod()
	if !ok || p.Before(first) {
		from := "it has no rule with a start date"
		if ok {
			from = "its first period is " + first.Label()
		}
		return ledger.Errorf(ledger.ENOTFOUND, "contract %s has no statement for %s: %s", c.ID, p.Label(), from)
	}
	return nil
}

// storedStatement reads the final statement stored under (contract,
// label); ok is false when there is none. The statement keeps the stored
// bytes (reports.Statement.Stored): its JSON rendering is them.
func storedStatement(ctx context.Context, q querier, id, label string) (*reports.Statement, bool, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM statements WHERE contract = ? AND period = ?`, id, label).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	s, err := reports.ParseStored([]byte(body))
	if err != nil {
		return nil, true, ledger.Errorf(ledger.EINTERNAL, "final statement %s %s: stored body unreadable: %v", id, label, err)
	}
	return s, true, nil
}

// FinalStatementLabels returns the labels of contract id's stored final
// statements, in period order.
func (db *DB) FinalStatementLabels(ctx context.Context, id string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT period FROM statements WHERE contract = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type lp struct {
		label string
		p     ledger.Period
	}
	var out []lp
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return nil, err
		}
		p, err := ledger.ParsePeriod(l)
		if err != nil {
			return nil, err
		}
		out = append(out, lp{l, p})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].p.Start() != out[j].p.Start() {
			return out[i].p.Start().Before(out[j].p.Start())
		}
		return out[i].p.End().Before(out[j].p.End())
	})
	labels := make([]string, len(out))
	for i, x := range out {
		labels[i] = x.label
	}
	return labels, nil
}

// statementFromLedger builds the statement of contract version sc for
// period p from the engine's result (through p or later) and what q holds
// of the ledger: the run bookings dated in p, the payments dated in p and
// the balances at its start.
func statementFromLedger(ctx context.Context, q querier, sc contracts.StoredContract, p ledger.Period, final bool, res *contracts.Result) (*reports.Statement, error) {
	id := sc.Contract.ID
	in := reports.StatementInput{Contract: sc.Contract, Version: sc.Version, Period: p, Final: final,
		Lines: res.PeriodLines(p), Paid: map[[2]string]decimal.Decimal{}, Opening: map[[2]string]decimal.Decimal{}}
	start, end := p.Start().String(), p.Last().String()
	versions := contractVersions{ctx: ctx, q: q, id: id, parsed: map[int]*contracts.Contract{sc.Version: sc.Contract}}
	// An adjustment also names the contract version of the booking it
	// corrects (the latest earlier one of its rule, period and parties),
	// and whether earlier bookings of its rule and period were between
	// other parties only, so that the statement can say what changed.
	rows, err := q.QueryContext(ctx, `SELECT b.entry_id, b.rule, b.period, b.kind, b.payer, b.payee, b.base_delta, b.amount, b.version,
		ifnull((SELECT p.version FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.payer = b.payer AND p.payee = b.payee AND p.entry_id < b.entry_id ORDER BY p.entry_id DESC LIMIT 1), b.version),
		EXISTS (SELECT 1 FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.entry_id < b.entry_id AND (p.payer != b.payer OR p.payee != b.payee))
		AND NOT EXISTS (SELECT 1 FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.entry_id < b.entry_id AND p.payer = b.payer AND p.payee = b.payee),
		CASE WHEN NOT EXISTS (SELECT 1 FROM bookings p WHERE p.contract = b.contract AND p.rule = b.rule AND p.period = b.period
			AND p.entry_id < b.entry_id) THEN (SELECT s.version FROM statements s WHERE s.contract = b.contract AND s.period = b.period
			AND s.rowid < ifnull((SELECT t.rowid FROM statements t WHERE t.contract = b.contract AND t.period = ?), 9223372036854775807)) END
		FROM bookings b WHERE b.contract = ? AND b.date >= ? AND b.date <= ? ORDER BY b.entry_id`, p.Label(), id, start, end)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var b reports.Booking
		var bd, amt string
		var joined bool
		var closedWith sql.NullInt64 // the version of the final statement a first booking corrects
		if err := rows.Scan(&b.EntryID, &b.Rule, &b.Period, &b.Kind, &b.Payer, &b.Payee, &bd, &amt, &b.Version, &b.PrevVersion, &joined, &closedWith); err != nil {
			rows.Close()
			return nil, err
		}
		if b.Kind == "adjustment" {
			v, err := versions.get(b.Version)
			if err != nil {
				rows.Close()
				return nil, err
			}
			switch r := v.Rule(b.Rule); {
			case r == nil:
				b.Change = reports.RuleRemoved
			case r.Payer != b.Payer || !r.Pays(b.Payee):
				b.Change = reports.PartiesLeft
			case joined:
				b.Change = reports.PartiesJoined
			}
			// The first booking of a rule and period made after its close
			// (nothing was booked for it before) corrects its final
			// statement: the version compared is the one it was closed
			// under, which may not have had the rule at all. A final
			// statement stored after this one (a period finalized by a later
			// close) is not what the booking corrected: statements are
			// numbered in the order they were stored, so that this one
			// renders the same at its close and when verify renders it
			// again.
			if cv := int(closedWith.Int64); closedWith.Valid && cv != b.Version {
				b.PrevVersion = cv
				old, err := versions.get(cv)
				if err != nil {
					rows.Close()
					return nil, err
				}
				if old.Rule(b.Rule) == nil && b.Change == reports.NoPartyChange {
					b.Change = reports.RuleAdded
				}
			}
		}
		if b.BaseDelta, err = storedDecimal("bookings", "base_delta", bd); err != nil {
			rows.Close()
			return nil, err
		}
		if b.Amount, err = storedDecimal("bookings", "amount", amt); err != nil {
			rows.Close()
			return nil, err
		}
		in.Bookings = append(in.Bookings, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
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
			d, err := storedDecimal("amounts of "+id, "amount", amt)
			if err != nil {
				return err
			}
			k := [2]string{payer, payee}
			m[k] = m[k].Add(d)
		}
		return rows.Err()
	}
	if err := add(in.Paid, `SELECT payer, payee, amount FROM payments WHERE contract = ? AND date >= ? AND date <= ?`, id, start, end); err != nil {
		return nil, err
	}
	if err := add(in.Opening, `SELECT payer, payee, amount FROM bookings WHERE contract = ? AND date < ?`, id, start); err != nil {
		return nil, err
	}
	paidBefore := map[[2]string]decimal.Decimal{}
	if err := add(paidBefore, `SELECT payer, payee, amount FROM payments WHERE contract = ? AND date < ?`, id, start); err != nil {
		return nil, err
	}
	for k, v := range paidBefore {
		in.Opening[k] = in.Opening[k].Sub(v)
	}
	if err := advanceFlows(ctx, q, &in, add); err != nil {
		return nil, err
	}
	return reports.BuildStatement(in)
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

// renderStored is the stored form of a final statement: its JSON rendering.
func renderStored(s *reports.Statement) ([]byte, error) {
	var body bytes.Buffer
	if err := s.Render(&body, "json"); err != nil {
		return nil, err
	}
	return body.Bytes(), nil
}

// FinalStatementHashes returns the stored hash of each of contract id's
// final statements, by period label.
func (db *DB) FinalStatementHashes(ctx context.Context, id string) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT period, hash FROM statements WHERE contract = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var label, hash string
		if err := rows.Scan(&label, &hash); err != nil {
			return nil, err
		}
		out[label] = hash
	}
	return out, rows.Err()
}

// contractVersions reads and parses versions of one contract on demand.
type contractVersions struct {
	ctx    context.Context
	q      querier
	id     string
	parsed map[int]*contracts.Contract
}

func (cv *contractVersions) get(v int) (*contracts.Contract, error) {
	if c, ok := cv.parsed[v]; ok {
		return c, nil
	}
	sc, err := loadContractVersion(cv.ctx, cv.q, cv.id, v)
	if err != nil {
		return nil, fmt.Errorf("contract %s version %d: %w", cv.id, v, err)
	}
	cv.parsed[v] = sc.Contract
	return sc.Contract, nil
}
