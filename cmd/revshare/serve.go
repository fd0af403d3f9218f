package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports/httpapi"
)

// serveMetrics is the registry of the running server, so that commands run
// in the same process (the demo) can count imports and runs on it.
var serveMetrics = httpapi.NewMetrics()

type serveOptions struct {
	addr, level               string
	secure, noCache, readOnly bool
}

func newServeCommand(m *Main) *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "serve the REST API (/api/v1) and the auditors' web view (/)",
		Long: `serve answers the REST API under /api/v1 and the auditors' web view under /.
Every request needs a token: create one with revshare token create --role ROLE.`,
		Example: `  revshare token create --role auditor --name "external audit"
  revshare serve --addr 127.0.0.1:8080
  revshare serve --read-only --db audit-copy.db   # a book that must not change`,
		RunE: withoutArgs("serve", func(ctx context.Context) error { return runServe(ctx, m, o) }),
	}
	f := cmd.Flags()
	nonEmptyFlag(cmd, &o.addr, "addr", "127.0.0.1:8080", "want host:port (an empty address listens on every interface)", "listen on `host:port` (port 0 picks a free port)")
	f.BoolVar(&o.secure, "secure-cookie", false, "mark the web view's cookie Secure (when served over TLS or behind a TLS proxy)")
	f.StringVar(&o.level, "log-level", "info", "log level: debug (every request), info, warn or error")
	f.BoolVar(&o.noCache, "no-cache", false, "do not cache GET responses and tokens between writes (for measurements)")
	f.BoolVar(&o.readOnly, "read-only", false, "open the book read-only and refuse every write (403): an auditor's copy, a read-only file or folder")
	completeFlag(cmd, "log-level", "debug", "info", "warn", "error")
	return cmd
}

func runServe(ctx context.Context, m *Main, o serveOptions) error {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(o.level)); err != nil {
		return fmt.Errorf("--log-level: unknown level %q", o.level)
	}
	rw, ro, version, closeStores, err := m.serveStores(ctx, o.readOnly)
	if err != nil {
		return err
	}
	defer closeStores()
	log := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: lv}))
	cfg := httpapi.Config{Read: ro.Services, Version: version, Logger: log, Metrics: serveMetrics,
		Clock: m.Clock, SecureCookie: o.secure, NoCache: o.noCache, ReadOnly: o.readOnly}
	if !o.readOnly {
		cfg.Write = rw.Services
	}
	srv := httpapi.New(cfg)
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return listenError(o.addr, err)
	}
	readOnly := ""
	if o.readOnly {
		readOnly = ", read-only: every write is refused"
	}
	fmt.Fprintf(m.Stdout, "serving http://%s/ (web view) and http://%s%s (REST API%s); Ctrl-C stops\n", ln.Addr(), ln.Addr(), httpapi.APIPrefix, readOnly)
	if n, err := liveTokens(ctx, ro.Tokens); err != nil {
		return err
	} else if n == 0 && o.readOnly {
		fmt.Fprintf(m.Stderr, "revshare: note: no API token exists, so every request is refused (401); a read-only book cannot get one: create it in a writable copy (revshare --db COPY token create --role auditor) and serve that copy read-only\n")
	} else if n == 0 {
		fmt.Fprintf(m.Stderr, "revshare: note: no API token exists, so every request is refused (401); create one, in another shell: revshare --db %s token create --role auditor\n", shellWord(m.dbName()))
	}
	return httpapi.Serve(ctx, ln, srv)
}

// liveTokens counts the tokens that are not revoked.
func liveTokens(ctx context.Context, tokens ledger.TokenStore) (int, error) {
	ts, err := tokens.Tokens(ctx)
	n := 0
	for _, t := range ts {
		if !t.Revoked() {
			n++
		}
	}
	return n, err
}

// listenError words the error of listening on --addr addr for the person
// who typed it. Before, Go's own: `listen tcp: address 8080: missing port
// in address`, `listen tcp 127.0.0.1:8080: bind: address already in use`.
func listenError(addr string, err error) error {
	host, port, splitErr := net.SplitHostPort(addr)
	switch {
	case splitErr != nil:
		example := "127.0.0.1:8080"
		if n, err := strconv.Atoi(addr); err == nil && n >= 0 && n <= 65535 {
			example = "127.0.0.1:" + addr
		} else if addr != "" && !strings.Contains(addr, ":") {
			example = addr + ":8080"
		}
		return fmt.Errorf("--addr %s: want host:port, as in %s", addr, example)
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("--addr %s: port %s is in use (another revshare serve, or another program): choose another port, or --addr %s:0 for a free one", addr, port, host)
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return fmt.Errorf("--addr %s: %s is not an address of this machine (127.0.0.1 serves this machine only, 0.0.0.0 every interface)", addr, host)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("--addr %s: this user may not listen on port %s (ports below 1024 need privileges): choose a port above 1023", addr, port)
	}
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return fmt.Errorf("--addr %s: %s (want host:port, the port 0 to 65535)", addr, ae.Err)
	}
	return fmt.Errorf("--addr %s: cannot listen: %w", addr, err)
}
