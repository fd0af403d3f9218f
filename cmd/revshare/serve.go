package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

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
		return err
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
