package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/revshare/revshare/ledger/sqlite"
)

func init() {
	register("verify", "check every invariant and the hash chain; non-zero exit names the first violation", runVerify)
}

// verifyResult is what `verify --format json` prints.
type verifyResult struct {
	OK       bool   `json:"ok"`
	Entries  int64  `json:"entries"`
	HeadHash string `json:"chain_head"`
	EntryID  int64  `json:"entry_id,omitempty"` // the first broken entry
	Error    string `json:"error,omitempty"`
}

func runVerify(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("verify", "[--anchor ID:HASH]... [--format text|json]")
	format := fs.String("format", "text", "output format: text or json")
	var anchors []sqlite.Anchor
	fs.Func("anchor", "`ID:HASH` of an entry as recorded earlier outside the database (repeatable): the chain must still contain it", func(s string) error {
		a, err := sqlite.ParseAnchor(s)
		if err != nil {
			return err
		}
		anchors = append(anchors, a)
		return nil
	})
	err := parseNoArgs(fs, "verify", args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format, "text", "json"); err != nil {
		return err
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	res, err := db.VerifyReport(ctx, anchors...)
	var ve *sqlite.VerifyError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	if *format == "json" {
		out := verifyResult{OK: err == nil, Entries: res.Entries, HeadHash: res.HeadHash}
		if ve != nil {
			out.EntryID, out.Error = ve.EntryID, ve.Error()
		}
		if werr := writeJSON(m.Stdout, out); werr != nil {
			return werr
		}
	}
	if ve != nil {
		return fmt.Errorf("verify failed: %w", ve)
	}
	if *format == "text" {
		_, err = fmt.Fprintf(m.Stdout, "ok: %d entries, chain head %s\n", res.Entries, orNone(res.HeadHash))
	}
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(empty journal)"
	}
	return s
}
