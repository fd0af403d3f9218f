package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/reports/httpapi"
	"github.com/revshare/revshare/reports/httpapi/sqlitebackend"
)

func init() { register(newServeCommand) }

// serveBackends lets other files (and the demo) wire more backends into the
// server: it receives the two backends after the ledger ones are set.
var serveBackends []func(ctx context.Context, m *Main, rw, ro *sqlite.DB, read, write *httpapi.Backend) error

// serveMetrics is the registry of the running server, so that commands run
// in the same process (the demo) can count imports and runs on it.
var serveMetrics = httpapi.NewMetrics()

type serveOptions struct {
	addr, level     string
	secure, noCache bool
}

func newServeCommand(m *Main) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "serve the REST API (/api/v1) and the auditors' web view (/)",
		Long: `serve answers the REST API under /api/v1 and the auditors' web view under /.
Every request needs a token: create one with revshare token create --role ROLE.`,
		Example: `  revshare token create --role auditor --name "external audit"
  revshare serve --addr 127.0.0.1:8080`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := noPositional("serve", args); err != nil {
				return err
			}
			return runServe(cmd.Context(), m, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "listen on `host:port` (port 0 picks a free port)")
	f.BoolVar(&o.secure, "secure-cookie", false, "mark the web view's cookie Secure (when served over TLS or behind a TLS proxy)")
	f.StringVar(&o.level, "log-level", "info", "log level: debug (every request), info, warn or error")
	f.BoolVar(&o.noCache, "no-cache", false, "do not cache GET responses and tokens between writes (for measurements)")
	completeFlag(cmd, "log-level", "debug", "info", "warn", "error")
	return cmd
}

// serveLockTimeout is how long a write request waits while another process
// writes to the database (without --lock-timeout).
const serveLockTimeout = 5 * time.Second

func runServe(ctx context.Context, m *Main, o serveOptions) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(o.level)); err != nil {
		return fmt.Errorf("--log-level: unknown level %q", o.level)
	}
	rw, err := m.DB(ctx) // creates the database and applies migrations
	if err != nil {
		return err
	}
	if m.lockTimeout == 0 {
		// A request waits this long for another process's write, then
		// answers 503 with Retry-After.
		rw.SetLockTimeout(serveLockTimeout, nil)
	}
	ro, err := sqlite.OpenReadOnly(ctx, m.DBPath)
	if err != nil {
		return err
	}
	defer ro.Close()
	read := httpapi.Backend{}
	write := httpapi.Backend{PeriodCloser: periodCloser{m}}
	read.Scenarios = scenarioRunner{ro: ro, read: &read, clock: m.Clock}
	sqlitebackend.Fill(&read, ro, false)
	sqlitebackend.Fill(&write, rw, true)
	ver, err := sqlitebackend.NewVersion(ctx, ro)
	if err != nil {
		return err
	}
	defer ver.Close()
	read.Versioner = ver
	for _, wire := range serveBackends {
		if err := wire(ctx, m, rw, ro, &read, &write); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: lv}))
	srv := httpapi.New(httpapi.Config{Read: read, Write: write, Auth: sqlitebackend.Auth{DB: ro}, Logger: log, Metrics: serveMetrics,
		Clock: m.Clock, SecureCookie: o.secure, NoCache: o.noCache})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "serving http://%s/ (web view) and http://%s%s (REST API); Ctrl-C stops\n", ln.Addr(), ln.Addr(), httpapi.APIPrefix)
	if n, err := liveTokens(ctx, rw); err != nil {
		return err
	} else if n == 0 {
		fmt.Fprintf(m.Stderr, "revshare: note: no API token exists, so every request is refused (401); create one, in another shell: revshare --db %s token create --role auditor\n", m.DBPath)
	}
	return httpapi.Serve(ctx, ln, srv)
}

// periodCloser closes periods as revshare close does.
type periodCloser struct{ m *Main }

func (c periodCloser) ClosePeriod(ctx context.Context, p ledger.Period) (any, error) {
	return closePeriod(ctx, c.m, p)
}

// scenarioRunner evaluates a posted scenario on the read-only connection:
// actuals from the stored events and FX rates, a contract named by id from
// the read backend's contracts (when wired). Forecast files are refused
// (the API reads no server files). It never writes.
type scenarioRunner struct {
	ro    *sqlite.DB
	read  *httpapi.Backend
	clock ledger.Clock // today, for a scenario's actuals_through
}

func (s scenarioRunner) Contract(ctx context.Context, id string) (*contracts.Contract, error) {
	if s.read.Contracts == nil {
		return nil, ledger.Errorf(ledger.EINVALID, "this server has no stored contracts: give the contract inline")
	}
	c, err := s.read.Contracts.GetContract(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.Contract, nil
}

func (s scenarioRunner) RunScenario(ctx context.Context, doc []byte) (any, error) {
	sc, err := scenario.Parse(doc, scenario.ParseOptions{})
	if err != nil {
		return nil, scenarioInvalid(err)
	}
	src := scenario.Sources{Contracts: s, Actuals: scenario.EvaluatedActuals(s.ro.EvaluateContract), Today: ledger.DateOf(s.clock.Now().UTC())}
	plan, err := scenario.Prepare(ctx, sc, src)
	if err != nil {
		return nil, scenarioInvalid(err)
	}
	res, err := plan.Run(ctx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		return nil, err
	}
	return json.RawMessage(buf.Bytes()), nil
}

func scenarioInvalid(err error) error {
	var ve *scenario.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	ps := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		ps[i] = fmt.Sprint(p)
	}
	return ledger.Errorf(ledger.EINVALID, "invalid scenario: %s", strings.Join(ps, "; "))
}

// liveTokens counts the tokens that are not revoked.
func liveTokens(ctx context.Context, db *sqlite.DB) (int, error) {
	ts, err := db.Tokens(ctx)
	n := 0
	for _, t := range ts {
		if !t.Revoked() {
			n++
		}
	}
	return n, err
}
