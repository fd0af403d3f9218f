package main

import (
	"context"
	"fmt"

	"github.com/revshare/revshare/ledger"
)

func init() {
	register("close", "close every period up to and including PERIOD", runClose)
}

// closeHooks run, in order, after the ledger is closed through the last day
// of the period (for example to finalize that period's statements). A hook
// must be idempotent: `close` may be run again for the same period.
var closeHooks []func(ctx context.Context, m *Main, p ledger.Period) error

// closeResult is what `close` reports.
type closeResult struct {
	Period        string `json:"period"`
	ClosedThrough string `json:"closed_through"`
}

func runClose(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("close", "PERIOD [--format text|json]   (PERIOD: 2026-03, 2026-Q1 or 2026)")
	format := fs.String("format", "text", "output format: text or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return fmt.Errorf("close takes one PERIOD, got %d arguments", len(pos))
	}
	if err := checkFormat(*format, "text", "json"); err != nil {
		return err
	}
	p, err := ledger.ParsePeriod(pos[0])
	if err != nil {
		return err
	}
	if err := closePeriod(ctx, m, p); err != nil {
		return err
	}
	res := closeResult{Period: p.Label(), ClosedThrough: p.Last().String()}
	if *format == "json" {
		return writeJSON(m.Stdout, res)
	}
	_, err = fmt.Fprintf(m.Stdout, "closed %s: nothing may be booked on or before %s\n", res.Period, res.ClosedThrough)
	return err
}

// closePeriod closes the ledger through p's last day, then runs closeHooks.
// A period is closed once it has ended: closing one that has not (by the
// clock, in UTC, as ledger dates are) would refuse every later booking
// dated in it, which is never what a finance team means.
func closePeriod(ctx context.Context, m *Main, p ledger.Period) error {
	if today := ledger.DateOf(m.Clock.Now().UTC()); !p.Last().Before(today) {
		return ledger.Errorf(ledger.EINVALID, "cannot close %s: it ends on %s, and today is %s (a period is closed once it has ended)",
			p.Label(), p.Last(), today)
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	if err := db.ClosePeriods(ctx, p.Last()); err != nil {
		return err
	}
	for _, hook := range closeHooks {
		if err := hook(ctx, m, p); err != nil {
			return err
		}
	}
	return nil
}
