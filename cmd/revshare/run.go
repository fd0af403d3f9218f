package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
)

func newRunCommand(m *Main) *cobra.Command {
	var through, format string
	cmd := &cobra.Command{
		Use:   "run --through PERIOD",
		Short: "compute obligations through a period and book them",
		Long: `run evaluates every contract through the contract period that contains the
last day of PERIOD (2026-03, 2026-Q1 or 2026) and books what changed,
including prior-period adjustments for late usage.`,
		Example: "  revshare run --through 2026-03\n  revshare run --through 2026-Q1 --format json",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRun(cmd.Context(), m, through, format, args)
		},
	}
	cmd.Flags().StringVar(&through, "through", "", "last `PERIOD` to compute (2026-03, 2026-Q1 or 2026)")
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}

func runRun(ctx context.Context, m *Main, through, format string, pos []string) error {
	// Every check comes before the run: a refused command books nothing.
	if through == "" {
		return errors.New("run: --through PERIOD is required")
	}
	if len(pos) > 0 {
		return wantArgs("run", "no arguments (only --through PERIOD)", pos)
	}
	p, st, err := m.periodStoreFor(ctx, through, format, "text", "json")
	if err != nil {
		return err
	}
	// Each contract runs through its own period that contains the last day of p.
	res, err := st.Runs.Run(ctx, p.Last())
	if err != nil {
		return err
	}
	res.NoteNotEnded(ledger.DateOf(m.Clock.Now().UTC()))
	if format == "json" {
		return writeJSON(m.Stdout, res)
	}
	for _, c := range res.Contracts {
		extra := ""
		if c.Advances+c.Recoupments > 0 {
			extra = ", " + spelling.Count(c.Advances, "advance payment", "advance payments") + ", " + spelling.Count(c.Recoupments, "recoupment", "recoupments")
		}
		asked := ""
		if c.Asked != "" {
			asked = fmt.Sprintf(" (asked %s; %s is booked already and kept current)", c.Asked, c.Through)
		}
		note := ""
		switch {
		case c.Note != "":
			// A period under way (or to come): what the books hold of it.
			note = "; " + c.Note
		case c.Entries == 0 && c.Advances+c.Recoupments == 0:
			// A second run, or one after nothing changed: say that
			// nothing is wrong, rather than leave a bare 0 to wonder at.
			note = "; the books already hold what the rules compute, nothing new to book"
		}
		fmt.Fprintf(m.Stdout, "run %s through %s%s: %s booked (%s%s)%s\n", c.Contract, c.Through, asked,
			spelling.Count(c.Entries, "entry", "entries"), spelling.Count(c.Adjustments, "prior-period adjustment", "prior-period adjustments"), extra, note)
	}
	return nil
}
