package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/ledger"
)

func init() { register(newCloseCommand) }

// closeHooks run, in order, after the ledger is closed through the last day
// of the period (for example to finalize that period's statements). A hook
// must be idempotent: `close` may be run again for the same period.
var closeHooks []func(ctx context.Context, m *Main, p ledger.Period) error

// closeResult is what `close` reports.
type closeResult struct {
	Period        string `json:"period"`
	ClosedThrough string `json:"closed_through"`
}

func newCloseCommand(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "close PERIOD",
		Short: "close every period up to and including PERIOD",
		Long: `close closes the ledger through the last day of PERIOD (2026-03, 2026-Q1 or
2026): nothing may be booked on or before that day afterwards, and the
period's statements become final.`,
		Example: "  revshare close 2026-03\n  revshare close 2026-Q1 --format json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return fmt.Errorf("close takes one PERIOD, got %d arguments", len(args))
			}
			return runClose(cmd.Context(), m, args[0], format)
		},
	}
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}

func runClose(ctx context.Context, m *Main, period, format string) error {
	if err := checkFormat(format, "text", "json"); err != nil {
		return err
	}
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		return err
	}
	if err := closePeriod(ctx, m, p); err != nil {
		return err
	}
	res := closeResult{Period: p.Label(), ClosedThrough: p.Last().String()}
	if format == "json" {
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
