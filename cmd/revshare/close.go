package main

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
)

func init() { register(newCloseCommand) }

// closeResult is what `close` reports.
type closeResult struct {
	Period        string              `json:"period"`
	ClosedThrough string              `json:"closed_through"`
	Run           contracts.RunResult `json:"run"`
	Statements    []string            `json:"statements"` // final statements stored, "CONTRACT PERIOD"
}

func newCloseCommand(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "close PERIOD",
		Short: "close every period up to and including PERIOD",
		Long: `close books what run --through PERIOD would book, closes the ledger through
the last day of PERIOD (2026-03, 2026-Q1 or 2026) and stores the final
statement of every period it closes, all in one transaction: nothing may be
booked on or before that day afterwards. A failure leaves nothing of it.`,
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
	res, err := closePeriod(ctx, m, p)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(m.Stdout, res)
	}
	_, err = fmt.Fprintf(m.Stdout, "closed %s: nothing may be booked on or before %s\n", res.Period, res.ClosedThrough)
	return err
}

// closePeriod books what a run through p would, closes the ledger through
// p's last day and stores the final statements, in one transaction
// (sqlite.DB.ClosePeriod). A period is closed once it has ended: closing
// one that has not (by the clock, in UTC, as ledger dates are) would
// refuse every later booking dated in it, which is never what a finance
// team means.
func closePeriod(ctx context.Context, m *Main, p ledger.Period) (closeResult, error) {
	if today := ledger.DateOf(m.Clock.Now().UTC()); !p.Last().Before(today) {
		return closeResult{}, ledger.Errorf(ledger.EINVALID, "cannot close %s: it ends on %s, and today is %s (a period is closed once it has ended)",
			p.Label(), p.Last(), today)
	}
	db, err := m.DB(ctx)
	if err != nil {
		return closeResult{}, err
	}
	var opts sqlite.CloseOptions
	if cp := m.Getenv(crashPointEnv); cp != "" {
		opts.CrashPoint = func(name string) {
			if name == cp {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}
	r, err := db.ClosePeriod(ctx, p.Last(), opts)
	if err != nil {
		return closeResult{}, err
	}
	return closeResult{Period: p.Label(), ClosedThrough: r.ClosedThrough, Run: r.Run, Statements: r.Statements}, nil
}
