package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/reports"
)

func init() {
	register(newStatementCommand)
	closeHooks = append(closeHooks, finalizeStatements)
}

func newStatementCommand(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "statement CONTRACT PERIOD",
		Short: "print a contract's statement for a period",
		Long: `statement prints what each party owes the other for one contract period:
final once the period is closed (stored, with its hash), a draft before.`,
		Example: `  revshare statement openai-microsoft 2026-03
  revshare statement openai-microsoft 2026-Q1 --format html > q1.html
  revshare statement openai-microsoft 2026-03 --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return errors.New("statement: want CONTRACT and PERIOD")
			}
			return runStatement(cmd.Context(), m, args[0], args[1], format)
		},
	}
	formatFlag(cmd, &format, "md", reports.StatementFormats...)
	return cmd
}

func runStatement(ctx context.Context, m *Main, contract, period, format string) error {
	if err := checkFormat(format, reports.StatementFormats...); err != nil {
		return err
	}
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		return err
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	s, err := loadStatement(ctx, db, contract, p, true)
	if err != nil {
		return err
	}
	return s.Render(m.Stdout, format)
}

// loadStatement returns the stored final statement of (contract, p), or
// builds it: final when p is closed (and then stored if store is set: the
// first stored rendering is the final one), a draft otherwise.
func loadStatement(ctx context.Context, db *sqlite.DB, contract string, p ledger.Period, store bool) (*reports.Statement, error) {
	return loadStatementWith(ctx, db, contract, p, store, nil)
}

// loadStatementWith is loadStatement reusing an evaluation (see sqlite.DB.StatementData).
func loadStatementWith(ctx context.Context, db *sqlite.DB, contract string, p ledger.Period, store bool, evaluated *contracts.Result) (*reports.Statement, error) {
	sd, err := db.StatementData(ctx, contract, p, evaluated)
	if err != nil {
		return nil, err
	}
	if sd.Final != nil {
		var s reports.Statement
		if err := json.Unmarshal(sd.Final, &s); err != nil {
			return nil, err
		}
		return &s, nil
	}
	closed, err := db.ClosedThrough(ctx)
	if err != nil {
		return nil, err
	}
	final := !closed.IsZero() && !p.Last().After(closed)
	s, err := reports.BuildStatement(reports.StatementInput{
		Contract: sd.Contract.Contract, Version: sd.Contract.Version, Period: p, Final: final,
		Lines: sd.Result.PeriodLines(p), Bookings: sd.Bookings, Paid: sd.Paid, Opening: sd.Opening,
	})
	if err != nil {
		return nil, err
	}
	if final && store {
		var body bytes.Buffer
		if err := s.Render(&body, "json"); err != nil {
			return nil, err
		}
		if err := db.SaveFinalStatement(ctx, contract, p.Label(), body.Bytes(), s.Hash); err != nil {
			return nil, err
		}
		// Another process may have stored it first: the stored one is final.
		return loadStatement(ctx, db, contract, p, false)
	}
	return s, nil
}

// finalizeStatements stores the final statement of every contract for every
// period that closing through cp's last day has closed.
func finalizeStatements(ctx context.Context, m *Main, cp ledger.Period) error {
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	cs, err := db.Contracts(ctx)
	if err != nil {
		return err
	}
	end := cp.Last()
	for _, sc := range cs {
		c := sc.Contract
		first, ok := c.FirstPeriod()
		if !ok {
			continue
		}
		lastClosed := c.PeriodOf(end)
		if lastClosed.Last().After(end) {
			lastClosed = prevPeriod(c, lastClosed)
		}
		if lastClosed.Before(first) {
			continue
		}
		evaluated, err := db.Evaluate(ctx, c.ID, lastClosed)
		if err != nil {
			return err
		}
		for p := first; !lastClosed.Before(p); p = p.Next() {
			if _, err := loadStatementWith(ctx, db, c.ID, p, true, evaluated); err != nil {
				return err
			}
		}
	}
	return nil
}

// prevPeriod is the period before p in c's frequency.
func prevPeriod(c *contracts.Contract, p ledger.Period) ledger.Period {
	return c.PeriodOf(p.Start().AddDays(-1))
}
