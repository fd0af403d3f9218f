package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

func newStatementCommand(m *Main) *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "statement CONTRACT PERIOD",
		Short: "print a contract's statement for a period",
		Long: `statement prints what each party owes the other for one contract period:
final once a close has stored it (with its hash), a draft before.`,
		Example: `  revshare statement openai-microsoft 2026-03
  revshare statement openai-microsoft 2026-Q1 --format html -o q1.html
  revshare statement openai-microsoft 2026-03 --format json`,
		RunE: withArgs("statement", "CONTRACT and PERIOD", 2, func(ctx context.Context, args []string) error {
			return runStatement(ctx, m, args[0], args[1], format, out)
		}),
	}
	formatFlag(cmd, &format, "md", reports.StatementFormats...)
	outputFlag(cmd, &out)
	return cmd
}

func runStatement(ctx context.Context, m *Main, contract, period, format, out string) error {
	p, st, err := m.periodStoreFor(ctx, period, format, reports.StatementFormats...)
	if err != nil {
		return err
	}
	s, err := st.Statements.Statement(ctx, contract, p)
	if err != nil {
		return err
	}
	if err := m.writeOutput(out, func(w io.Writer) error { return s.Render(w, format) }); err != nil {
		return err
	}
	switch s.Booking {
	case reports.BookingNone:
		fmt.Fprintf(m.Stderr, "revshare: note: nothing is booked for %s %s yet: its rules show what a run would book, its settlement shows none of it (book it with: %s)\n", s.Contract, s.Period.Label, m.suggest("run", "--through", s.Period.Label))
	case reports.BookingBehind:
		fmt.Fprintf(m.Stderr, "revshare: note: the books are behind %s %s (usage or the contract changed since the last run): its rules show what a run would book now, its settlement what is booked (bring them up to date with: %s)\n", s.Contract, s.Period.Label, m.suggest("run", "--through", s.Period.Label))
	}
	return nil
}

// suggest is the command line of a revshare command to suggest to the
// user, with the --db they gave (a path or URL quoted for the shell).
func (m *Main) suggest(args ...string) string {
	words := []string{"revshare"}
	if m.dbFlag {
		words = append(words, "--db", shellWord(m.dbName()))
	}
	for _, a := range args {
		words = append(words, shellWord(a))
	}
	return strings.Join(words, " ")
}

// prevPeriod is the period before p in c's frequency.
func prevPeriod(c *contracts.Contract, p ledger.Period) ledger.Period {
	return c.PeriodOf(p.Start().AddDays(-1))
}
