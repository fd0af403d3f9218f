package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports/export"
)

type exportOptions struct {
	from, to, knownAt, out string
	assertClosed           bool
}

func newExportCommand(m *Main) *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export hledger|ledger|beancount",
		Short: "write the ledger as an hledger, ledger or beancount journal",
		Example: `  revshare export hledger -o book.journal
  revshare export beancount --from 2026-01-01 --to 2026-03-31 -o q1.beancount
  revshare export ledger --known-at 2026-04-01T00:00:00Z`,
		ValidArgs: []string{"hledger", "ledger", "beancount"},
		RunE: withArgs("export", "one format (hledger, ledger or beancount)", 1, func(ctx context.Context, args []string) error {
			return runExport(ctx, m, args[0], o)
		}),
	}
	f := cmd.Flags()
	nonEmptyFlag(cmd, &o.from, "from", "", "want a date YYYY-MM-DD", "first effective `date` to export (YYYY-MM-DD); earlier balances are carried in as one opening transaction")
	nonEmptyFlag(cmd, &o.to, "to", "", "want a date YYYY-MM-DD", "last effective `date` to export (YYYY-MM-DD)")
	nonEmptyFlag(cmd, &o.knownAt, "known-at", "", "want a timestamp (RFC 3339) or a date", "export only entries recorded at or before this `instant` (RFC 3339, or a date for the end of that day, UTC)")
	outputFlag(cmd, &o.out)
	f.BoolVar(&o.assertClosed, "assert-closed", true, "assert every account's balance at each close (revshare close) inside the exported dates")
	return cmd
}

// runExport streams the journal to a plain-text file: entries are read in
// pages and written through a buffer, so memory does not grow with the
// ledger. See docs/export.md.
func runExport(ctx context.Context, m *Main, name string, o exportOptions) error {
	format, err := export.ParseFormat(name)
	if err != nil {
		return err
	}
	var opts export.Options
	var knownAt time.Time
	if err := parseFlag(&opts.From, "--from", o.from, ledger.ParseDate); err != nil {
		return err
	}
	if err := parseFlag(&opts.To, "--to", o.to, ledger.ParseDate); err != nil {
		return err
	}
	if err := parseFlag(&knownAt, "--known-at", o.knownAt, ledger.ParseKnownAt); err != nil {
		return err
	}
	if !opts.From.IsZero() && !opts.To.IsZero() && opts.To.Before(opts.From) {
		return fmt.Errorf("export: --to %s is before --from %s", opts.To, opts.From)
	}
	if o.out != "" && o.out != "-" {
		if err := m.checkOutputPath("-o", o.out); err != nil {
			return fmt.Errorf("%w (nothing written)", err)
		}
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	opts.Header = exportHeader(opts.From, opts.To, knownAt)
	if !opts.From.IsZero() {
		if opts.Opening, err = st.Journal.TrialBalance(ctx, ledger.BalanceQuery{AsOf: opts.From.AddDays(-1), KnownAt: knownAt}); err != nil {
			return err
		}
	}
	if o.assertClosed {
		closes, err := st.backend.ClosedDates(ctx)
		if err != nil {
			return err
		}
		opts.Checkpoints = closedCheckpoints(closes, opts.From, opts.To)
		if n := len(opts.Checkpoints); n > 0 {
			// The last assertion carries the SQL trial balance: Write checks
			// that the exported entries sum to it. The earlier ones assert
			// the sums of what was written (a trial balance each would read
			// the whole ledger once per close).
			last := &opts.Checkpoints[n-1]
			if last.Balances, err = st.Journal.TrialBalance(ctx, ledger.BalanceQuery{AsOf: last.Date, KnownAt: knownAt}); err != nil {
				return err
			}
			at := "the end of " + last.Date.String()
			if n > 1 {
				at = fmt.Sprintf("the end of %d dates from %s to %s", n, opts.Checkpoints[0].Date, last.Date)
			}
			opts.Header = append(opts.Header, fmt.Sprintf("closed through %s: balances asserted at %s", closes[len(closes)-1], at))
		}
	}
	src := func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		return st.Journal.EachEntry(ctx, ledger.EntryFilter{From: from, To: to, KnownAt: knownAt}, fn)
	}
	if o.out == "" || o.out == "-" {
		return export.Write(m.Stdout, format, src, opts)
	}
	// With -o, standard output is free: say what was written.
	var n int
	var first, last ledger.Date
	counted := func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		return src(from, to, func(e *ledger.Entry) error {
			if n == 0 || e.Date.Before(first) {
				first = e.Date
			}
			if e.Date.After(last) {
				last = e.Date
			}
			n++
			return fn(e)
		})
	}
	if err := writeFileAtomically(o.out, func(w io.Writer) error {
		return export.Write(w, format, counted, opts)
	}); err != nil {
		return err
	}
	span := ""
	if n > 0 {
		span = fmt.Sprintf(" dated %s to %s", first, last)
	}
	_, err = fmt.Fprintf(m.Stdout, "wrote %s: %s journal, %s%s\n", o.out, format, spelling.Count(n, "entry", "entries"), span)
	return err
}

// closedCheckpoints returns the dates to assert balances at: every close
// inside [from, to], and to itself when it falls inside the closed range
// (its balances are final too). Balances are left to the caller.
func closedCheckpoints(closes []ledger.Date, from, to ledger.Date) []export.Checkpoint {
	var cps []export.Checkpoint
	for _, c := range closes {
		if !from.IsZero() && c.Before(from) || !to.IsZero() && c.After(to) {
			continue
		}
		cps = append(cps, export.Checkpoint{Date: c})
	}
	if n := len(closes); n > 0 && !to.IsZero() && to.Before(closes[n-1]) && (from.IsZero() || !to.Before(from)) {
		if len(cps) == 0 || cps[len(cps)-1].Date != to {
			cps = append(cps, export.Checkpoint{Date: to})
		}
	}
	return cps
}

func exportHeader(from, to ledger.Date, knownAt time.Time) []string {
	s := "entries dated "
	switch {
	case from.IsZero() && to.IsZero():
		s += "any day"
	case from.IsZero():
		s += "up to " + to.String()
	case to.IsZero():
		s += "from " + from.String()
	default:
		s += "from " + from.String() + " to " + to.String()
	}
	if !knownAt.IsZero() {
		s += ", recorded at or before " + knownAt.UTC().Format(time.RFC3339Nano)
	}
	return []string{s}
}
