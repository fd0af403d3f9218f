package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/demo"
	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

// demoShareRule is the demo contract's capped rule, whose cap the demo follows.
const demoShareRule = "openai-share-to-microsoft"

type demoOptions struct {
	noServe bool
	addr    string
}

func newDemoCommand(m *Main) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "build the OpenAI / Microsoft demo book, print its statements, and serve it",
		Long: `demo builds a demo book (an invented OpenAI / Microsoft revenue share) in a
new temporary folder, prints a table of its statements, then serves the
REST API and the web view. With --db PATH it keeps the database at PATH.`,
		Example: "  revshare demo\n  revshare demo --no-serve --db demo.db",
		RunE:    withoutArgs("demo", func(ctx context.Context) error { return runDemo(ctx, m, o) }),
	}
	cmd.Flags().BoolVar(&o.noServe, "no-serve", false, "stop after printing")
	nonEmptyFlag(cmd, &o.addr, "addr", "127.0.0.1:8080", "want host:port (an empty address listens on every interface)", "where to serve the REST API and web view")
	return cmd
}

func runDemo(ctx context.Context, m *Main, o demoOptions) error {
	// The generated usage CSV is kept only beside a book that is kept (an
	// SQLite --db): printed, it must name a file that is there after the
	// demo stops. Without --db the book goes to a new temp dir, removed
	// when the demo stops; a demo on PostgreSQL keeps no file.
	csvPath := ""
	if !explicitDB(m) {
		dir, err := os.MkdirTemp("", "revshare-demo-")
		if err != nil {
			return err
		}
		defer func() {
			m.Close()
			os.RemoveAll(dir)
		}()
		m.DBPath = filepath.Join(dir, "revshare.db")
	} else if err := m.checkFreshBook(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	} else if !onServer(m.DBPath) {
		csvPath = filepath.Join(filepath.Dir(m.DBPath), "demo-usage.csv")
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	c, err := contracts.Parse(demo.ContractYAML)
	if err != nil {
		return err
	}
	if _, err := st.Contracts.SaveContract(ctx, c, false); err != nil {
		return err
	}
	u := demo.DefaultUsage(m.Clock.Now())
	var csvData bytes.Buffer
	if _, err := u.WriteCSV(&csvData); err != nil {
		return err
	}
	fileName := demoUsageFile
	if csvPath != "" {
		if err := os.WriteFile(csvPath, csvData.Bytes(), 0o644); err != nil {
			return err
		}
		fileName = csvPath
	}
	imp, err := st.Importer.ImportUsage(ctx, bytes.NewReader(csvData.Bytes()), usage.ImportOptions{Source: "demo", FileName: fileName})
	if err != nil {
		return err
	}
	last := ledger.PeriodOf(ledger.Month, ledger.DateOf(u.Last))
	if _, err := st.Runs.Run(ctx, last.Last()); err != nil {
		return err
	}
	closeThrough := prevPeriod(c, last)
	if _, err := st.Closer.Close(ctx, closeThrough); err != nil {
		return err
	}
	share := c.Rule(demoShareRule)
	fmt.Fprintf(m.Stdout, "revshare demo: %s\n", c.Name)
	if csvPath != "" {
		fmt.Fprintf(m.Stdout, "database %s; usage %s: %s imported\n", m.dbName(), csvPath, spelling.Count(imp.Posted, "event", "events"))
	} else {
		fmt.Fprintf(m.Stdout, "database %s; usage: %s generated and imported (%s)\n", m.dbName(), spelling.Count(imp.Posted, "event", "events"), demoNoCSV(m))
	}
	fmt.Fprintf(m.Stdout, "invented total cap: %s %s (the press reported $38B; the real figure is not public)\n", ledger.FormatMoneyGrouped(*share.Cap.Total, c.Currency), c.Currency)
	fmt.Fprintf(m.Stdout, "periods through %s are closed (final statements); %s is a draft\n\n", closeThrough.Label(), last.Label())

	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "period\tstatus\topenai→microsoft\tmicrosoft→openai\tnet payer\tnet\tcap consumed\tcap remaining\t")
	// The run rate is the last complete month's: a month under way has only
	// part of its revenue, and one small event in it would push the
	// projected binding out to "never".
	rateFrom := last
	if complete := ledger.PeriodOf(ledger.Month, ledger.DateOf(m.Clock.Now().UTC())).Start().AddDays(-1); complete.Before(last.Last()) {
		rateFrom = ledger.PeriodOf(ledger.Month, complete)
	}
	var lastShare, consumed, remaining, rateShare, rateRemaining decimal.Decimal
	evaluated, err := st.runs.Evaluate(ctx, c.ID, last)
	if err != nil {
		return err
	}
	for p := (ledger.Period{Freq: ledger.Month, Year: 2025, Index: 1}); !last.Before(p); p = p.Next() {
		s, err := st.statements.StatementWith(ctx, c.ID, p, evaluated)
		if err != nil {
			return err
		}
		fwd, rev := "0.00", "0.00"
		for _, r := range s.Rules {
			if r.Rule == demoShareRule {
				fwd = r.Obligation
				lastShare = decimal.RequireFromString(r.Obligation)
				for _, cp := range r.Caps {
					if cp.Kind == "total" {
						remaining = decimal.RequireFromString(cp.RemainingAfter)
						consumed = decimal.RequireFromString(cp.Limit).Sub(remaining)
					}
				}
			} else {
				rev = r.Obligation
			}
		}
		payer, net := "", "0.00"
		if len(s.Pairs) > 0 {
			payer, net = s.Pairs[0].Payer, s.Pairs[0].Net
		}
		if p == rateFrom {
			rateShare, rateRemaining = lastShare, remaining
		}
		g := ledger.GroupThousands
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", s.Period.Label, s.Status, g(fwd), g(rev), payer, g(net), g(consumed.StringFixed(2)), g(remaining.StringFixed(2)))
	}
	tw.Flush()
	money := func(x decimal.Decimal) string { return ledger.FormatMoneyGrouped(x, c.Currency) }
	fmt.Fprintf(m.Stdout, "\ncap: consumed %s, remaining %s of %s\n", money(consumed), money(remaining), money(*share.Cap.Total))
	fmt.Fprintf(m.Stdout, "at the run rate of the last complete month (%s a month, %s), the cap %s\n", money(rateShare), rateFrom.Label(), projectBinding(rateFrom, rateShare, rateRemaining, share.Until))
	if explicitDB(m) {
		fmt.Fprintf(m.Stdout, "\nstatement of the last closed period: revshare --db %s statement %s %s\n", shellWord(m.dbName()), c.ID, closeThrough.Label())
	} else {
		fmt.Fprintf(m.Stdout, "\nthe demo's temporary folder is removed when it stops; to keep the book: revshare demo --db demo.db\n")
	}
	if o.noServe {
		return nil
	}
	_, secret, err := st.Tokens.CreateToken(ctx, "demo", "auditor")
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "auditor token for this demo (the web view asks for it once): %s\n", secret)
	return runServe(ctx, m, serveOptions{addr: o.addr, level: "info"})
}

// demoUsageFile is the file name the demo's import batch records when no
// CSV is kept (import list, GET /imports): the name it would have had.
const demoUsageFile = "demo-usage.csv"

// demoNoCSV says why a demo keeps no usage CSV, and how to get one.
func demoNoCSV(m *Main) string {
	if onServer(m.DBPath) {
		return "no CSV kept: the book is on the PostgreSQL server; an SQLite demo with --db PATH writes " + demoUsageFile + " beside it"
	}
	return "no CSV kept; with --db PATH the demo keeps the book and writes " + demoUsageFile + " beside it"
}

// projectBinding says in which month a cap with remaining left binds if every
// month after last books rate, within the rule's window (until, exclusive).
func projectBinding(last ledger.Period, rate, remaining decimal.Decimal, until ledger.Date) string {
	if p := reports.ProjectedPeriod(last, rate, remaining, until); p != "never" {
		return "is projected to bind in " + p
	}
	return fmt.Sprintf("is not projected to bind before the rule ends (after %s)", until.AddDays(-1))
}

// explicitDB reports whether the user chose a database (--db or REVSHARE_DB).
func explicitDB(m *Main) bool {
	return m.dbExplicit
}
