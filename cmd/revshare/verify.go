package main

import (
	"context"
	"fmt"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
	"github.com/spf13/cobra"
)

func newVerifyCommand(m *Main) *cobra.Command {
	var format string
	var anchors []string
	cmd := &cobra.Command{
		Use:   "verify [--anchor ID:HASH | facts:SEQ:HASH]...",
		Short: "check every invariant and the hash chain; non-zero exit names the first violation",
		Example: `  revshare verify
  revshare verify --anchor 1042:5f1c...e9 --format json
  revshare verify --anchor 1042:5f1c...e9 --anchor facts:31:a07e...42`,
		RunE: withoutArgs("verify", func(ctx context.Context) error {
			var as []ledger.Anchor
			for _, s := range anchors {
				a, err := ledger.ParseAnchor(s)
				if err != nil {
					return fmt.Errorf("--anchor: %w", err)
				}
				as = append(as, a)
			}
			return runVerify(ctx, m, as, format)
		}),
	}
	cmd.Flags().StringArrayVar(&anchors, "anchor", nil, "`ID:HASH` of an entry, or facts:SEQ:HASH of a fact chain link, as verify printed it earlier and it was kept outside the database (repeatable): the chain must still contain it")
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}

func runVerify(ctx context.Context, m *Main, anchors []ledger.Anchor, format string) error {
	st, err := m.storeFor(ctx, format, "text", "json")
	if err != nil {
		return err
	}
	res, err := st.Verifier.Verify(ctx, anchors...)
	if err != nil {
		return err
	}
	if format == "json" {
		if err := writeJSON(m.Stdout, res); err != nil {
			return err
		}
	}
	if !res.OK {
		// The violation as a *ledger.VerifyError: its words are verify's,
		// which the store's damage check (checkDamage) leaves as they are.
		return fmt.Errorf("verify failed: %w", &ledger.VerifyError{Reason: res.Violation})
	}
	if format == "text" {
		_, err = fmt.Fprintf(m.Stdout, "ok: %s, chain head %s; fact chain head %s\n", spelling.Count(res.Entries, "entry", "entries"), orNone(res.HeadHash), res.FactAnchor())
	}
	return err
}

func orNone(s string) string {
	if s == "" {
		return "(empty journal)"
	}
	return s
}
