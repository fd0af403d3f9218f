package main

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

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
		RunE: withArgs("close", "one PERIOD", 1, func(ctx context.Context, args []string) error {
			return runClose(ctx, m, args[0], format)
		}),
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
	// Not through m.Store: a period that has not ended is refused before
	// the database is opened (or created).
	res, err := closer{m}.Close(ctx, p)
	if err != nil {
		return err
	}
	if format == "json" {
		return writeJSON(m.Stdout, res)
	}
	_, err = fmt.Fprintf(m.Stdout, "closed %s: nothing may be booked on or before %s\n", res.Period, res.ClosedThrough)
	return err
}

// closer closes the books as revshare close does (reports.Closer): once p
// has ended (reports.Ended), it books what a run through p would, closes
// the ledger through p's last day and stores the final statements, in one
// transaction (reports.Books.CloseThrough, with the crash points of the
// crash tests).
type closer struct{ m *Main }

func (c closer) Close(ctx context.Context, p ledger.Period) (reports.CloseResult, error) {
	// Refused before the database is opened: a refused close creates nothing.
	if err := reports.Ended(p, c.m.Clock); err != nil {
		return reports.CloseResult{}, err
	}
	st, err := c.m.Store(ctx)
	if err != nil {
		return reports.CloseResult{}, err
	}
	var crashPoint func(string)
	if cp := c.m.Getenv(crashPointEnv); cp != "" {
		crashPoint = func(name string) {
			if name == cp {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}
	res, err := st.closeBooks(ctx, p.Last(), crashPoint)
	if err != nil {
		return reports.CloseResult{}, err
	}
	res.Period = p.Label()
	return res, nil
}
