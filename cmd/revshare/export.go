package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports/export"
)

func init() {
	register("export", "write the ledger as an hledger, ledger or beancount journal", runExport)
}

// runExport streams the journal to a plain-text file: entries are read in
// pages and written through a buffer, so memory does not grow with the
// ledger. See docs/export.md.
func runExport(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("export", "hledger|ledger|beancount [--from DATE] [--to DATE] [--known-at RFC3339] [-o FILE]")
	fromFlag := fs.String("from", "", "first effective `date` to export (YYYY-MM-DD); earlier balances are carried in as one opening transaction")
	toFlag := fs.String("to", "", "last effective `date` to export (YYYY-MM-DD)")
	knownFlag := fs.String("known-at", "", "export only entries recorded at or before this `instant` (RFC 3339)")
	outFlag := fs.String("o", "", "write to `FILE` (replaced atomically) instead of standard output")
	assertClosed := fs.Bool("assert-closed", true, "assert every account's balance at the end of the closed periods")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return fmt.Errorf("export: want one format (hledger, ledger or beancount), got %d arguments", len(pos))
	}
	format, err := export.ParseFormat(pos[0])
	if err != nil {
		return err
	}
	var opts export.Options
	var knownAt time.Time
	if *fromFlag != "" {
		if opts.From, err = ledger.ParseDate(*fromFlag); err != nil {
			return fmt.Errorf("--from: %w", err)
		}
	}
	if *toFlag != "" {
		if opts.To, err = ledger.ParseDate(*toFlag); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
	}
	if *knownFlag != "" {
		if knownAt, err = time.Parse(time.RFC3339Nano, *knownFlag); err != nil {
			return fmt.Errorf("--known-at: invalid timestamp %q: want RFC 3339, such as 2026-03-31T23:59:59Z", *knownFlag)
		}
	}
	if !opts.From.IsZero() && !opts.To.IsZero() && opts.To.Before(opts.From) {
		return fmt.Errorf("export: --to %s is before --from %s", opts.To, opts.From)
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	opts.Header = exportHeader(opts.From, opts.To, knownAt)
	if !opts.From.IsZero() {
		if opts.Opening, err = db.TrialBalance(ctx, ledger.BalanceQuery{AsOf: opts.From.AddDays(-1), KnownAt: knownAt}); err != nil {
			return err
		}
	}
	if *assertClosed {
		closed, err := db.ClosedThrough(ctx)
		if err != nil {
			return err
		}
		// The balances at the end of the closed range are final: assert them
		// where the file covers that date (or at --to inside the range).
		at := closed
		if !opts.To.IsZero() && opts.To.Before(at) {
			at = opts.To
		}
		if !at.IsZero() && (opts.From.IsZero() || !at.Before(opts.From)) {
			bs, err := db.TrialBalance(ctx, ledger.BalanceQuery{AsOf: at, KnownAt: knownAt})
			if err != nil {
				return err
			}
			opts.Checkpoints = []export.Checkpoint{{Date: at, Balances: bs}}
			opts.Header = append(opts.Header, "closed through "+closed.String()+": balances asserted at the end of "+at.String())
		}
	}
	src := func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		return db.EachEntry(ctx, ledger.EntryFilter{From: from, To: to, KnownAt: knownAt}, fn)
	}
	if *outFlag == "" {
		return export.Write(m.Stdout, format, src, opts)
	}
	return writeFileAtomically(*outFlag, func(w io.Writer) error {
		return export.Write(w, format, src, opts)
	})
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

// writeFileAtomically writes a temporary file beside path and renames it
// over path once complete, so a failed export never leaves half a file.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(0o644)
	if err == nil {
		err = write(f)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
