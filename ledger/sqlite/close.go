package sqlite

import (
	"context"
	"fmt"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// CloseOptions tune ClosePeriod.
type CloseOptions struct {
	// CrashPoint, when set, is called with "close-1", "close-2", ... at
	// each step of a close: after each booking, after the close row,
	// after each final statement, before the commit and after it. The
	// crash test kills the process there; unset, it costs nothing.
	CrashPoint func(name string)
}

// CloseResult says what a close did.
type CloseResult struct {
	ClosedThrough string              `json:"closed_through"`
	Run           contracts.RunResult `json:"run"`
	// Statements are the final statements stored, as "CONTRACT PERIOD".
	Statements []string `json:"statements"`
}

// ClosePeriod closes the books through a date (spec section 5), in one
// write transaction: it books what Run(through) would book, closes every
// date up to through (ClosePeriods), and stores the final statement of
// every period of every contract that ends on or before through and has
// none yet, each with what it was rendered from (the contract version, the
// last event and the last exchange-rate batch) so that verify can render
// it again. Any error, or a kill at any point, leaves nothing of it.
// Closing through an earlier date than the closed-through one is
// EINVALID, before anything is booked; closing it again books what a run
// would and stores the statements still missing (of contracts added
// since).
func (db *DB) ClosePeriod(ctx context.Context, through ledger.Date, opts CloseOptions) (CloseResult, error) {
	res := CloseResult{ClosedThrough: through.String()}
	if through.IsZero() {
		return res, ledger.Errorf(ledger.EINVALID, "no date to close through")
	}
	n := 0
	step := func() {
		if opts.CrashPoint != nil {
			n++
			opts.CrashPoint(fmt.Sprintf("close-%d", n))
		}
	}
	err := db.WithTx(ctx, func(tx *Tx) error {
		res.Statements = []string{}
		cur, err := tx.ClosedThrough()
		if err != nil {
			return err
		}
		if !cur.IsZero() && through.Before(cur) {
			return ledger.Errorf(ledger.EINVALID, "cannot close through %s: the ledger is already closed through %s (closing never moves backwards)", through, cur)
		}
		if res.Run, err = tx.run(through, step); err != nil {
			return err
		}
		if err := tx.closeThrough(through); err != nil {
			return err
		}
		step()
		if res.Statements, err = tx.finalizeStatements(through, step); err != nil {
			return err
		}
		step()
		return nil
	})
	if err != nil {
		return res, err
	}
	step()
	return res, nil
}

// statementBasis is what a final statement was rendered from.
type statementBasis struct {
	version       int   // the contract version
	eventsThrough int64 // the last event ID known (events are numbered in commit order)
	ratesThrough  int64 // the last exchange-rate import batch known
}

// currentBasis reads the last event and rates batch q holds.
func currentBasis(ctx context.Context, q querier) (statementBasis, error) {
	var b statementBasis
	err := q.QueryRowContext(ctx, `SELECT (SELECT ifnull(max(id), 0) FROM events),
		(SELECT ifnull(max(id), 0) FROM import_batches WHERE kind = 'rates')`).Scan(&b.eventsThrough, &b.ratesThrough)
	return b, err
}

// lastPeriodThrough is the last of c's periods that ends on or before d.
func lastPeriodThrough(c *contracts.Contract, d ledger.Date) ledger.Period {
	p := c.PeriodOf(d)
	if p.Last().After(d) {
		p = c.PeriodOf(p.Start().AddDays(-1))
	}
	return p
}

// finalizeStatements stores the final statement of every period of every
// contract (its latest version) that ends on or before through and has
// none stored, and returns them as "CONTRACT PERIOD".
func (tx *Tx) finalizeStatements(through ledger.Date, step func()) ([]string, error) {
	ctx, q := tx.ctx, tx.SQL()
	cs, err := loadContracts(ctx, q)
	if err != nil {
		return nil, err
	}
	basis, err := currentBasis(ctx, q)
	if err != nil {
		return nil, err
	}
	rates, err := loadRates(ctx, q)
	if err != nil {
		return nil, err
	}
	stored := []string{}
	for _, sc := range cs {
		c := sc.Contract
		first, ok := c.FirstPeriod()
		if !ok {
			continue
		}
		last := lastPeriodThrough(c, through)
		if last.Before(first) {
			continue
		}
		var res *contracts.Result
		for p := first; !last.Before(p); p = p.Next() {
			var have int
			if err := q.QueryRowContext(ctx, `SELECT count(*) FROM statements WHERE contract = ? AND period = ?`, c.ID, p.Label()).Scan(&have); err != nil {
				return nil, err
			}
			if have > 0 {
				continue
			}
			if res == nil {
				if res, err = evaluate(ctx, q, c, last, rates, true); err != nil {
					return nil, fmt.Errorf("finalizing %s %s: %w", c.ID, p.Label(), err)
				}
			}
			s, err := statementFromLedger(ctx, q, sc, p, true, res)
			if err != nil {
				return nil, fmt.Errorf("finalizing %s %s: %w", c.ID, p.Label(), err)
			}
			body, err := renderStored(s)
			if err != nil {
				return nil, err
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO statements (contract, period, body, hash, finalized_at, version, events_through, rates_through)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, p.Label(), string(body), s.Hash, formatTime(tx.Now),
				sc.Version, basis.eventsThrough, basis.ratesThrough); err != nil {
				return nil, mapError(err)
			}
			stored = append(stored, c.ID+" "+p.Label())
			step()
		}
	}
	return stored, nil
}
