package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/ledger/sqlite"
)

func init() { register(newVerifyCommand) }

// verifyResult is what `verify --format json` prints: the fields and names
// of the REST API's GET /api/v1/verify.
type verifyResult struct {
	OK        bool   `json:"ok"`
	Violation string `json:"violation,omitempty"` // the first violation found
	EntryID   int64  `json:"entry_id,omitempty"`  // the entry it concerns, if any
	Entries   int64  `json:"entries"`
	HeadHash  string `json:"head_hash"`
}

func newVerifyCommand(m *Main) *cobra.Command {
	var format string
	var anchors []string
	cmd := &cobra.Command{
		Use:   "verify [--anchor ID:HASH]...",
		Short: "check every invariant and the hash chain; non-zero exit names the first violation",
		Example: `  revshare verify
  revshare verify --anchor 1042:5f1c...e9 --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := noPositional("verify", args); err != nil {
				return err
			}
			var as []sqlite.Anchor
			for _, s := range anchors {
				a, err := sqlite.ParseAnchor(s)
				if err != nil {
					return fmt.Errorf("--anchor: %w", err)
				}
				as = append(as, a)
			}
			return runVerify(cmd.Context(), m, as, format)
		},
	}
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "`ID:HASH` of an entry as recorded earlier outside the database (repeatable): the chain must still contain it")
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}

func runVerify(ctx context.Context, m *Main, anchors []sqlite.Anchor, format string) error {
	if err := checkFormat(format, "text", "json"); err != nil {
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
	if format == "json" {
		out := verifyResult{OK: err == nil, Entries: res.Entries, HeadHash: res.HeadHash}
		if ve != nil {
			out.EntryID, out.Violation = ve.EntryID, ve.Error()
		}
		if werr := writeJSON(m.Stdout, out); werr != nil {
			return werr
		}
	}
	if ve != nil {
		return fmt.Errorf("verify failed: %w", ve)
	}
	if format == "text" {
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
