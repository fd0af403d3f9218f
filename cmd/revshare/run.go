package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/revshare/revshare/ledger"
)

func init() {
	register("run", "compute obligations through a period and book them", runRun)
}

func runRun(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("run", "--through PERIOD [--format text|json]")
	through := fs.String("through", "", "last period to compute (2026-03, 2026-Q1 or 2026)")
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	// Every check comes before the run: a refused command books nothing.
	if *through == "" {
		return errors.New("run: --through PERIOD is required")
	}
	if len(pos) > 0 {
		return fmt.Errorf("run: unexpected argument %q (want --through PERIOD)", pos[0])
	}
	if err := checkFormat(*format, "text", "json"); err != nil {
		return err
	}
	p, err := ledger.ParsePeriod(*through)
	if err != nil {
		return err
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	// Each contract runs through its own period that contains the last day of p.
	res, err := db.Run(ctx, p.Last())
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(m.Stdout, res)
	}
	for _, c := range res.Contracts {
		fmt.Fprintf(m.Stdout, "run %s through %s: %d entries booked (%d prior-period adjustments)\n", c.Contract, c.Through, c.Entries, c.Adjustments)
	}
	if len(res.Contracts) == 0 {
		fmt.Fprintln(m.Stdout, "run: no contracts")
	}
	return nil
}
