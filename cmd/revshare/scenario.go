package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
)

// scenarioSources says where a scenario reads a contract named by id and
// the actuals of actuals_through. Actuals come from the database's events
// and FX rates, and contracts from the stored ones (the database is opened
// only when a scenario asks). They only read:
// TestScenarioLeavesDatabaseByteIdentical checks it.
func scenarioSources(m *Main) scenario.Sources {
	return scenario.Sources{Contracts: storedContracts{m}, Today: ledger.DateOf(m.Clock.Now().UTC()),
		Booked: func(ctx context.Context) (ledger.Date, error) {
			st, err := m.existingStore(ctx)
			if err != nil {
				return ledger.Date{}, err
			}
			return st.runs.BookedThrough(ctx)
		},
		Actuals: scenario.EvaluatedActuals(func(ctx context.Context, c *contracts.Contract, through ledger.Period) (*contracts.Result, error) {
			st, err := m.existingStore(ctx)
			if err != nil {
				return nil, err
			}
			return st.runs.EvaluateContract(ctx, c, through)
		})}
}

// storedContracts reads contracts named by id from the database.
type storedContracts struct{ m *Main }

func (s storedContracts) Contract(ctx context.Context, id string) (*contracts.Contract, error) {
	st, err := s.m.existingStore(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := contracts.FindContract(ctx, st.Contracts, id)
	return sc.Contract, err
}

// existingStore opens the database only if it exists: a scenario must not
// create one (it never writes).
func (m *Main) existingStore(ctx context.Context) (*store, error) {
	if m.bookMissing() {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "the scenario reads the database (a contract by id or actuals), and there is none at %s (see --db)", m.DBPath)
	}
	return m.Store(ctx)
}

type scenarioOptions struct{ format, out, contract string }

func newScenarioCommand(m *Main) *cobra.Command {
	var o scenarioOptions
	cmd := &cobra.Command{
		Use:   "scenario FILE.yaml",
		Short: "project when caps bind and what is paid, under growth scenarios (never writes)",
		Example: `  revshare scenario growth.yaml
  revshare scenario growth.yaml --format svg -o growth.svg
  revshare scenario growth.yaml --contract draft-contract.yaml --format json`,
		RunE: withArgs("scenario", "one scenario FILE.yaml", 1, func(ctx context.Context, args []string) error {
			return runScenario(ctx, m, args[0], o)
		}),
	}
	f := cmd.Flags()
	formatFlag(cmd, &o.format, "table", "table", "json", "csv", "svg")
	outputFlag(cmd, &o.out)
	f.StringVar(&o.contract, "contract", "", "read the contract the scenario names by id from `FILE.yaml` instead of the database")
	return cmd
}

func runScenario(ctx context.Context, m *Main, file string, o scenarioOptions) error {
	if err := checkFormat(o.format, "table", "json", "csv", "svg"); err != nil {
		return err
	}
	data, err := readInputFile(file, scenario.MaxDocumentBytes, "scenario file")
	if err != nil {
		return err
	}
	dir := filepath.Dir(file)
	s, err := scenario.Parse(data, scenario.ParseOptions{ReadFile: func(name string) ([]byte, error) {
		if !filepath.IsAbs(name) {
			name = filepath.Join(dir, name) // forecast paths are relative to the scenario file
		}
		return readInputFile(name, scenario.MaxForecastBytes, "forecast file")
	}})
	if err != nil {
		return m.scenarioError(file, err)
	}
	src := scenarioSources(m)
	if o.contract != "" {
		if s.Contract.ID == "" {
			return errors.New("--contract: the scenario has an inline contract; --contract is for scenarios that name one by id")
		}
		doc, err := readInputFile(o.contract, contracts.MaxDocumentBytes, "contract file")
		if errors.Is(err, fs.ErrNotExist) && filepath.Ext(o.contract) == "" {
			// `--contract small`, the ID of a stored contract: the
			// scenario reads that one without the flag.
			return fmt.Errorf("--contract %w; --contract reads a contract FILE.yaml: the stored contract the scenario names (contract: %s) is read from the book without it", err, s.Contract.ID)
		}
		if err != nil {
			return err
		}
		src.Contracts = fileContract{path: o.contract, doc: doc}
	}
	plan, err := scenario.Prepare(ctx, s, src)
	if err != nil {
		return m.scenarioError(file, err)
	}
	if s.MonteCarlo != nil && m.Getenv("GOGC") == "" {
		// Monte Carlo allocates fast over a small live heap, so the default
		// pacing collects every few megabytes; with both cores busy the
		// collector then costs as much as the runs. Unless GOGC says
		// otherwise, let the heap grow 4× between collections for this
		// one-shot command (docs/scenarios.md, Monte Carlo). Both are
		// restored when it returns (tests run commands in one process).
		defer debug.SetGCPercent(debug.SetGCPercent(400))
		if m.Getenv("GOMEMLIMIT") == "" {
			defer debug.SetMemoryLimit(debug.SetMemoryLimit(monteCarloMemoryLimit(plan.MonteCarloBytes())))
		}
	}
	res, err := plan.Run(ctx)
	if err != nil {
		return err
	}
	write := func(w io.Writer) error {
		switch o.format {
		case "json":
			return res.WriteJSON(w)
		case "csv":
			return res.WriteCSV(w)
		case "svg":
			return res.WriteSVG(w)
		}
		return res.WriteTable(w)
	}
	return m.writeOutput(o.out, write)
}

// scenarioError prints every problem of an invalid scenario on its own line
// of stderr and returns a one-line summary.
func (m *Main) scenarioError(file string, err error) error {
	var ve *scenario.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	printProblems(m.Stderr, file, ve.Problems)
	return fmt.Errorf("%s: invalid scenario (%d problem(s) listed above)", file, len(ve.Problems))
}

// fileContract serves the contract of --contract FILE to a scenario that
// names it by id.
type fileContract struct {
	path string
	doc  []byte
}

func (f fileContract) Contract(ctx context.Context, id string) (*contracts.Contract, error) {
	c, err := contracts.Parse(f.doc)
	if err != nil {
		return nil, fmt.Errorf("--contract %s: %w", f.path, err)
	}
	if c.ID != id {
		return nil, ledger.Errorf(ledger.ENOTFOUND, "the scenario names contract %q but %s holds contract %q", id, f.path, c.ID)
	}
	return c, nil
}

// monteCarloMemoryLimit is the soft memory limit of a Monte Carlo
// scenario: what the plan holds now, twice what one variant's runs keep
// (its summary, and the last variant's until it is collected) and 64 MiB.
// With 4× growth alone the heap followed the runs (the collector, behind
// the allocations, marked more of them live): 199–233 MB peak RSS at
// 200,000 runs of the demo's two variants, 326–342 MB at 1,000,000; with
// the limit 97–101 and 137 MB, for the same or less CPU
// (docs/design/speed.md, section 5).
func monteCarloMemoryLimit(keep int64) int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc) + 2*keep + 64<<20
}
