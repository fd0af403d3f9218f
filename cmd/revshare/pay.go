package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

func init() { register(newPayCommand) }

type payOptions struct{ contract, payer, payee, amount, date, reference, format string }

func newPayCommand(m *Main) *cobra.Command {
	var o payOptions
	cmd := &cobra.Command{
		Use:   "pay --contract C --payer A --payee B --amount X --date D [--reference R]",
		Short: "record a payment between two parties of a contract",
		Example: `  revshare pay --contract openai-microsoft --payer openai --payee microsoft \
      --amount 1250000.00 --date 2026-04-10 --reference WIRE-2026-04-0017`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := noPositional("pay", args); err != nil {
				return err
			}
			return runPay(cmd.Context(), m, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.contract, "contract", "", "contract id")
	f.StringVar(&o.payer, "payer", "", "the party paying")
	f.StringVar(&o.payee, "payee", "", "the party paid")
	f.StringVar(&o.amount, "amount", "", "amount in the contract's currency")
	f.StringVar(&o.date, "date", "", "payment date YYYY-MM-DD")
	f.StringVar(&o.reference, "reference", "", "payment reference (the idempotency key; default: a sequence number)")
	formatFlag(cmd, &o.format, "text", "text", "json")
	return cmd
}

func runPay(ctx context.Context, m *Main, o payOptions) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	if o.contract == "" || o.payer == "" || o.payee == "" || o.amount == "" || o.date == "" {
		return errors.New("pay: --contract, --payer, --payee, --amount and --date are required")
	}
	x, err := decimal.NewFromString(o.amount)
	if err != nil {
		return fmt.Errorf("pay: --amount %q is not a decimal", o.amount)
	}
	d, err := ledger.ParseDate(o.date)
	if err != nil {
		return fmt.Errorf("pay: --date: %w", err)
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	id, err := db.Pay(ctx, o.contract, o.payer, o.payee, x, d, o.reference)
	if err != nil {
		return err
	}
	if o.format == "json" {
		return writeJSON(m.Stdout, map[string]any{"contract": o.contract, "payer": o.payer, "payee": o.payee,
			"amount": ledger.FormatAmount(x), "date": d.String(), "entry": id})
	}
	fmt.Fprintf(m.Stdout, "payment %s -> %s %s on %s: entry %d\n", o.payer, o.payee, ledger.FormatAmount(x), d, id)
	return nil
}
