// Command revshare is the revenue-share ledger: one binary, many sub-commands.
// This package only wires things together; logic lives in ledger, contracts
// and reports. The command line is built with spf13/cobra: flags go before
// or after the sub-command and its arguments, every command has --help with
// examples, and `revshare completion` writes shell completion scripts.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	m.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "revshare: "+oneLine(err.Error()))
		os.Exit(exitCode(err))
	}
}

// Exit statuses: 0 success, 1 an error (nothing done unless the message
// says otherwise), 3 done in part (import usage --allow-partial rejected
// rows: the good ones are posted).
const (
	exitError   = 1
	exitPartial = 3
)

// partialError is a command that did part of its work: its message is
// printed as the error line and the exit status is exitPartial.
type partialError struct{ msg string }

func (e *partialError) Error() string { return e.msg }

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var pe *partialError
	if errors.As(err, &pe) {
		return exitPartial
	}
	return exitError
}

// Main holds what every sub-command shares: where to write, which database,
// and the clock. End-to-end tests build one with their own writers and run it.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	Getenv func(string) string
	Clock  ledger.Clock

	DBPath     string // from --db, REVSHARE_DB or ./revshare.db: a path or a postgres:// URL
	dbExplicit bool   // the user chose DBPath (--db or REVSHARE_DB)
	dbFlag     bool   // by --db: a command suggested to the user repeats it
	swept      bool   // sweepNewBooks ran
	store      *store // the open database (Store)

	access      dbAccess      // how the running command opens the database (dbAccessOf)
	mayCreate   bool          // the running command may create a new book (bookCreators)
	lockTimeout time.Duration // from --lock-timeout or REVSHARE_LOCK_TIMEOUT (0: the command's default)
}

// dbAccess is how a command opens the database.
type dbAccess int

const (
	// readWrite creates the database if it is missing and applies
	// migrations: the commands that write.
	readWrite dbAccess = iota
	// readOnly opens an existing revshare database read-only and refuses a
	// missing, empty or foreign file (a mistyped --db is not created).
	// It does not check the whole file first: damage in what the command
	// reads is found as it reads (see Main.Store).
	readOnly
	// readWriteCheckBeside is readWrite with the whole-file check of an
	// SQLite book run beside the command's work instead of before it: the
	// command's commits wait for its verdict (sqlite.DB.StartQuickCheck).
	// For a command that works long before it commits: at 1M entries the
	// check costs 1.7-1.9 s of CPU, importing 100,000 events 4.8-5.5 s, and
	// the check runs on the second core (docs/design/speed.md, section 2,
	// sessions 10 and 11).
	readWriteCheckBeside
)

// dbAccessOf is the one table of how each command opens the database, by
// its path below "revshare"; a command not listed writes (readWrite).
var dbAccessOf = map[string]dbAccess{
	"balance":       readOnly,
	"import usage":  readWriteCheckBeside,
	"verify":        readOnly,
	"export":        readOnly,
	"contract list": readOnly,
	"contract show": readOnly,
	"import list":   readOnly,
	"token list":    readOnly,
	"scenario":      readOnly,
	"statement":     readOnly,
}

// bookCreators are the commands, by their path below "revshare", that may
// create a new book where --db names none (a missing SQLite file, or a
// PostgreSQL schema without revshare's tables): those that put the first
// facts in, and migrate and grant (PostgreSQL's), which make an empty book
// on purpose. Every other command refuses a missing book before creating
// anything (noBook): a mistyped --db given to run, close, pay or token
// create made an empty book file and left it behind.
var bookCreators = []string{"contract add", "import usage", "import rates", "demo", "migrate", "grant"}

// NewMain returns a Main wired to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv, Clock: ledger.SystemClock{}}
}

// Run parses args (global flags may come before or after the sub-command)
// and runs the named sub-command. --help prints to stdout and returns nil.
func (m *Main) Run(ctx context.Context, args []string) error {
	root := m.Command()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if m.store != nil {
		// A read-only command read a damaged page, or the check run beside
		// a command found damage (even if the command wrote nothing).
		err = m.store.checkDamage(ctx, err)
	}
	return m.busyCure(err)
}

// busyCure names the book and the cure in a writer's "the database is
// busy" (which a server answers as 503 with Retry-After, without its path):
// on the command line the book may be one of several, and the wait is the
// user's to lengthen.
func (m *Main) busyCure(err error) error {
	const busy = "the database is busy: "
	msg := ledger.ErrorMessage(err)
	if ledger.ErrorCode(err) != ledger.EUNAVAILABLE || !strings.HasPrefix(msg, busy) {
		return err
	}
	name := m.DBPath
	if onServer(name) {
		name = redactedURL(name)
	}
	return ledger.Errorf(ledger.EUNAVAILABLE, "the database %s is busy: %s: run the command again when that has finished, or let it wait longer with --lock-timeout DURATION",
		name, strings.TrimPrefix(msg, busy))
}

// Command returns the whole command tree bound to m.
func (m *Main) Command() *cobra.Command {
	var dbFlag, lockFlag string
	root := &cobra.Command{
		Use:   "revshare",
		Short: "revenue-share ledger and contract-cap accounting",
		Long: `revshare keeps a double-entry ledger of revenue-share contracts: import usage,
run the contracts, close periods, record payments, print statements, and
serve the REST API and the auditors' web view. See docs/guide.md.`,
		Example: `  revshare contract add contract.yaml
  revshare import usage usage.csv
  revshare run --through 2026-03
  revshare close 2026-03
  revshare statement openai-microsoft 2026-03 --format md
  revshare balance --db /srv/revshare.db`,
		Version:       version(),
		SilenceErrors: true, // main prints the one-line error
		SilenceUsage:  true, // an error is one line, not the usage
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			path := strings.TrimPrefix(cmd.CommandPath(), "revshare ")
			m.access, m.mayCreate = dbAccessOf[path], slices.Contains(bookCreators, path)
			lockFrom := "--lock-timeout"
			if lockFlag == "" {
				lockFlag, lockFrom = m.Getenv("REVSHARE_LOCK_TIMEOUT"), "REVSHARE_LOCK_TIMEOUT"
			}
			if lockFlag != "" {
				d, err := time.ParseDuration(lockFlag)
				if err != nil || d <= 0 {
					return fmt.Errorf("%s %q: want a positive duration such as 30s or 10m", lockFrom, lockFlag)
				}
				m.lockTimeout = d
			}
			if dbFlag == "" && cmd.Flags().Changed("db") {
				// A script's unset variable (--db "$BOOK"): falling back to
				// REVSHARE_DB or ./revshare.db would write to another book.
				return fmt.Errorf(`--db "": want a database file or a postgres:// URL`)
			}
			m.DBPath, m.dbExplicit, m.dbFlag = dbFlag, dbFlag != "", dbFlag != ""
			if m.DBPath == "" {
				m.DBPath = m.Getenv("REVSHARE_DB")
				m.dbExplicit = m.DBPath != ""
			}
			if m.DBPath == "" {
				m.DBPath = "revshare.db"
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			cmd.SetOut(m.Stderr)
			cmd.Usage()
			return errors.New("no command given (see revshare --help)")
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
			return fmt.Errorf("unknown command %q: did you mean %s? (see revshare --help)", args[0], strings.Join(near, " or "))
		}
		return fmt.Errorf("unknown command %q (see revshare --help)", args[0])
	}
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	root.SetIn(m.Stdin)
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().StringVar(&dbFlag, "db", "", "SQLite database `PATH`, or a postgres:// URL (default $REVSHARE_DB or ./revshare.db)")
	root.PersistentFlags().StringVar(&lockFlag, "lock-timeout", "", "how long a write waits while another process writes to the database, as `DURATION` (default $REVSHARE_LOCK_TIMEOUT or 10m; serve: 5s, then 503)")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		if near := nearFlags(cmd, err); len(near) > 0 {
			return fmt.Errorf("%w: did you mean %s? (see %s --help)", err, strings.Join(near, " or "), cmd.CommandPath())
		}
		return fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())
	})
	// One file per sub-command.
	for _, build := range []func(m *Main) *cobra.Command{
		newBalanceCommand, newCloseCommand, newContractCommand, newCopyCommand, newDemoCommand, newExportCommand,
		newGrantCommand, newImportCommand, newMigrateCommand, newPayCommand, newRunCommand, newScenarioCommand, newServeCommand,
		newStatementCommand, newTokenCommand, newVerifyCommand, newVersionCommand,
	} {
		root.AddCommand(build(m))
	}
	return root
}

// group returns a command that only holds sub-commands (import, token,
// contract). Run bare, it prints its usage to stderr and fails; with an
// unknown sub-command it names the ones it has.
func group(use, short, example string) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Example: example}
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		want := strings.Join(names, ", ")
		if len(args) == 0 {
			cmd.SetOut(cmd.ErrOrStderr())
			cmd.Usage()
			return fmt.Errorf("%s: want one of %s", use, want)
		}
		if near := spelling.Nearest(args[0], names); len(near) > 0 {
			return fmt.Errorf("%s: unknown command %q: did you mean %s? (want one of %s)", use, args[0], strings.Join(near, " or "), want)
		}
		return fmt.Errorf("%s: unknown command %q (want one of %s)", use, args[0], want)
	}
	return cmd
}

// formatFlag adds --format with its allowed values to cmd, with shell
// completion of the values. The command still checks the value with
// checkFormat, so a bad value names the allowed ones.
func formatFlag(cmd *cobra.Command, p *string, def string, allowed ...string) {
	cmd.Flags().StringVar(p, "format", def, "output format: "+strings.Join(allowed, ", "))
	completeFlag(cmd, "format", allowed...)
}

// completeFlag offers values as the shell completions of flag name.
func completeFlag(cmd *cobra.Command, name string, values ...string) {
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
}

// Close releases the database.
func (m *Main) Close() error {
	if m.store == nil {
		return nil
	}
	err := m.store.close()
	m.store = nil
	return err
}

// noPositional refuses positional arguments with the command's name.
func noPositional(name string, args []string) error {
	if len(args) > 0 {
		return wantArgs(name, "no arguments (only flags)", args)
	}
	return nil
}

// wantArgs is every command's one wording for arguments that do not fit:
// "close: want one PERIOD, got none", `pay: want no arguments (only
// flags), got "x"`.
func wantArgs(name, want string, args []string) error {
	got := "none"
	if len(args) > 0 {
		quoted := make([]string, len(args))
		for i, a := range args {
			quoted[i] = strconv.Quote(a)
		}
		got = strings.Join(quoted, " ")
	}
	return fmt.Errorf("%s: want %s, got %s", name, want, got)
}

// parseFlag sets *dst to the value of flag, parsed, when the flag was
// given (value is not ""); an error names the flag.
func parseFlag[T any](dst *T, flag, value string, parse func(string) (T, error)) error {
	if value == "" {
		return nil
	}
	v, err := parse(value)
	if err != nil {
		return fmt.Errorf("%s: %w", flag, err)
	}
	*dst = v
	return nil
}

// withoutArgs is the RunE of command name, which takes flags only: it
// refuses positional arguments (noPositional), then runs run.
func withoutArgs(name string, run func(ctx context.Context) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := noPositional(name, args); err != nil {
			return err
		}
		return run(cmd.Context())
	}
}

// withArgs is the RunE of command name, which takes exactly n arguments
// (want names them: "one PERIOD", "CONTRACT and PERIOD"): it refuses any
// other count (wantArgs), then runs run with them.
func withArgs(name, want string, n int, run func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return wantArgs(name, want, args)
		}
		return run(cmd.Context(), args)
	}
}

// listCommand is the list sub-command of group (contract, import, token):
// a table, or JSON with --format json; run prints the list in format.
func listCommand(group, short string, run func(ctx context.Context, format string) error) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   short,
		Example: "  revshare " + group + " list\n  revshare " + group + " list --format json",
		RunE:    withoutArgs(group+" list", func(ctx context.Context) error { return run(ctx, format) }),
	}
	formatFlag(cmd, &format, "table", "table", "json")
	return cmd
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// nearFlags returns the flags of cmd that an unknown long flag (err, as
// pflag words it: "unknown flag: --thru") most likely means: those it
// abbreviates (its letters in order, from the first: --thru, --through;
// --fmt, --format) or is within two edits of (--sorce, --source).
func nearFlags(cmd *cobra.Command, err error) []string {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok || len(name) < 2 {
		return nil
	}
	var near []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if abbreviates(name, f.Name) || spelling.EditDistance(name, f.Name) <= 2 {
			near = append(near, "--"+f.Name)
		}
	})
	return near
}

// abbreviates says whether short, of at least two letters, is long's first
// letter followed by others of long, in order.
func abbreviates(short, long string) bool {
	if len(short) < 2 || short[0] != long[0] {
		return false
	}
	i := 0
	for j := 0; j < len(long) && i < len(short); j++ {
		if long[j] == short[i] {
			i++
		}
	}
	return i == len(short)
}
