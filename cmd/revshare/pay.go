package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

func init() {
	register("pay", "record a payment between two parties of a contract", runPay)
}

func runPay(ctx context.Context, m *Main, args []string) error {
	fs := m.newFlagSet("pay", "--contract C --payer A --payee B --amount X --date D [--reference R]")
	contract := fs.String("contract", "", "contract id")
	payer := fs.String("payer", "", "the party paying")
	payee := fs.String("payee", "", "the party paid")
	amount := fs.String("amount", "", "amount in the contract's currency")
	date := fs.String("date", "", "payment date YYYY-MM-DD")
	ref := fs.String("reference", "", "payment reference (the idempotency key; default: a sequence number)")
	format := fs.String("format", "text", "output format: text or json")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := checkFormat(*format, "text", "json"); err != nil {
		return err
	}
	if *contract == "" || *payer == "" || *payee == "" || *amount == "" || *date == "" {
		return errors.New("pay: --contract, --payer, --payee, --amount and --date are required")
	}
	x, err := decimal.NewFromString(*amount)
	if err != nil {
		return fmt.Errorf("pay: --amount %q is not a decimal", *amount)
	}
	d, err := ledger.ParseDate(*date)
	if err != nil {
		return fmt.Errorf("pay: --date: %w", err)
	}
	db, err := m.DB(ctx)
	if err != nil {
		return err
	}
	id, err := db.Pay(ctx, *contract, *payer, *payee, x, d, *ref)
	if err != nil {
		return err
	}
	if *format == "json" {
		return writeJSON(m.Stdout, map[string]any{"contract": *contract, "payer": *payer, "payee": *payee,
			"amount": ledger.FormatAmount(x), "date": d.String(), "entry": id})
	}
	fmt.Fprintf(m.Stdout, "payment %s -> %s %s on %s: entry %d\n", *payer, *payee, ledger.FormatAmount(x), d, id)
	return nil
}
