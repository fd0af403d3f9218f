// Command revshare is the revenue-share ledger: one binary, many sub-commands.
// This package only wires things together; logic lives in ledger, contracts
// and reports.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	m.Close()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "revshare: "+oneLine(err.Error()))
		os.Exit(1)
	}
}

// Main holds what every sub-command shares: where to write, which database,
// and the clock. End-to-end tests build one with their own writers and run it.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	Getenv func(string) string
	Clock  ledger.Clock

	DBPath string // from --db, REVSHARE_DB or ./revshare.db
	db     *sqlite.DB
}

// NewMain returns a Main wired to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv, Clock: ledger.SystemClock{}}
}

// command is one sub-command. run receives the arguments after its name.
type command struct {
	summary string
	run     func(ctx context.Context, m *Main, args []string) error
}

var commands = map[string]command{}

// register adds a sub-command; each lives in its own file and registers in init.
func register(name, summary string, run func(ctx context.Context, m *Main, args []string) error) {
	commands[name] = command{summary, run}
}

// Run parses the global flags and runs the named sub-command.
func (m *Main) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("revshare", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	dbFlag := fs.String("db", "", "SQLite database path (default $REVSHARE_DB or ./revshare.db)")
	fs.Usage = func() { m.usage(fs) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	m.DBPath = *dbFlag
	if m.DBPath == "" {
		m.DBPath = m.Getenv("REVSHARE_DB")
	}
	if m.DBPath == "" {
		m.DBPath = "revshare.db"
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] == "help" {
		m.usage(fs)
		if len(rest) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	cmd, ok := commands[rest[0]]
	if !ok {
		return fmt.Errorf("unknown command %q (see revshare --help)", rest[0])
	}
	return cmd.run(ctx, m, rest[1:])
}

func (m *Main) usage(fs *flag.FlagSet) {
	fmt.Fprintln(m.Stderr, "usage: revshare [--db PATH] COMMAND [ARGS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(m.Stderr, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(m.Stderr, "\nglobal flags:")
	fs.PrintDefaults()
}

// DB opens the database on first use (creating it and applying migrations).
func (m *Main) DB(ctx context.Context) (*sqlite.DB, error) {
	if m.db != nil {
		return m.db, nil
	}
	db, err := sqlite.Open(ctx, m.DBPath, m.Clock)
	if err != nil {
		return nil, err
	}
	m.db = db
	return db, nil
}

// Close releases the database.
func (m *Main) Close() error {
	if m.db == nil {
		return nil
	}
	err := m.db.Close()
	m.db = nil
	return err
}

// newFlagSet returns a flag set for a sub-command whose --help prints usage
// and the flags to stderr.
func (m *Main) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("revshare "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "usage: revshare %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args allowing flags after positional arguments
// ("statement C P --format json"), and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseNoArgs is parseFlags for a sub-command that takes flags only: a
// positional argument is refused.
func parseNoArgs(fs *flag.FlagSet, name string, args []string) error {
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("%s takes no arguments, got %q", name, pos[0])
	}
	return nil
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
