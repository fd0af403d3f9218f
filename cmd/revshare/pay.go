package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

type payOptions struct{ contract, payer, payee, amount, date, reference, format string }

func newPayCommand(m *Main) *cobra.Command {
	var o payOptions
	cmd := &cobra.Command{
		Use:   "pay --contract C --payer A --payee B --amount X --date D [--reference R]",
		Short: "record a payment between two parties of a contract",
		Example: `  revshare pay --contract openai-microsoft --payer openai --payee microsoft \
      --amount 1250000.00 --date 2026-04-10 --reference WIRE-2026-04-0017`,
		RunE: withoutArgs("pay", func(ctx context.Context) error { return runPay(ctx, m, o) }),
	}
	f := cmd.Flags()
	f.StringVar(&o.contract, "contract", "", "contract id")
	f.StringVar(&o.payer, "payer", "", "the party paying")
	f.StringVar(&o.payee, "payee", "", "the party paid")
	f.StringVar(&o.amount, "amount", "", "amount in the contract's currency")
	f.StringVar(&o.date, "date", "", "payment date YYYY-MM-DD")
	f.StringVar(&o.reference, "reference", "", "payment reference, its identity within the contract: the same reference is never paid twice (default: derived from contract, parties, amount and date)")
	formatFlag(cmd, &o.format, "text", "text", "json")
	return cmd
}

func runPay(ctx context.Context, m *Main, o payOptions) error {
	if err := checkFormat(o.format, "text", "json"); err != nil {
		return err
	}
	if err := requiredFlags("pay", map[string]string{"contract": o.contract, "payer": o.payer, "payee": o.payee, "amount": o.amount, "date": o.date},
		"contract", "payer", "payee", "amount", "date"); err != nil {
		return err
	}
	x, err := ledger.ParseDecimal(o.amount)
	if err != nil {
		alt := strings.Replace(o.amount, ",", ".", 1)
		if _, frac, comma := strings.Cut(o.amount, ","); comma && len(frac) != 3 && ledger.DecimalProblem(alt) == "" && !strings.Contains(o.amount, ".") {
			// A decimal comma (16,00), as many banks and spreadsheets write it.
			return fmt.Errorf("pay: --amount %s: did you mean %s? (a decimal point, not a comma)", ledger.ErrorMessage(err), alt)
		}
		return fmt.Errorf("pay: --amount %s", ledger.ErrorMessage(err))
	}
	d, err := ledger.ParseDate(o.date)
	if err != nil {
		return fmt.Errorf("pay: --date: %w", err)
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	sc, err := contracts.FindContract(ctx, st.Contracts, o.contract)
	if err != nil {
		return err
	}
	cur := sc.Contract.Currency
	before, err := amountDue(ctx, st.Journal, o.contract, o.payer, o.payee, cur)
	if err != nil {
		return err
	}
	paid, err := st.Payments.Pay(ctx, contracts.Payment{Contract: o.contract, Payer: o.payer, Payee: o.payee, Amount: x, Date: d, Reference: o.reference})
	if err != nil {
		return err
	}
	id, ref, replay := paid.Entry, paid.Reference, paid.AlreadyRecorded
	after, err := amountDue(ctx, st.Journal, o.contract, o.payer, o.payee, cur)
	if err != nil {
		return err
	}
	money := func(v decimal.Decimal) string { return ledger.FormatMoneyGrouped(v, cur) + " " + cur }
	var warnings []string
	if !replay && x.GreaterThan(before) {
		owed := "nothing"
		if before.IsPositive() {
			owed = money(before)
		}
		warnings = append(warnings, fmt.Sprintf("overpayment: %s owed %s %s under %s as booked so far (revshare run), and paid %s",
			o.payer, o.payee, owed, o.contract, money(x)))
	}
	if today := ledger.DateOf(m.Clock.Now().UTC()); !replay && d.After(today) {
		warnings = append(warnings, fmt.Sprintf("the payment is dated %s, after today (%s)", d, today))
	}
	for _, w := range warnings {
		fmt.Fprintln(m.Stderr, "revshare: warning: "+w)
	}
	if o.format == "json" {
		return writeJSON(m.Stdout, payResult{Contract: o.contract, Payer: o.payer, Payee: o.payee,
			Amount: ledger.FormatMoney(x, cur), Currency: cur, Date: d.String(), Reference: ref, Entry: id,
			AlreadyRecorded: replay, Due: newDue(o.payer, o.payee, after, cur), Warnings: warnings})
	}
	if replay {
		fmt.Fprintf(m.Stdout, "payment %s -> %s %s on %s was already recorded as entry %d (reference %s): nothing new recorded\n", o.payer, o.payee, money(x), d, id, ref)
	} else {
		fmt.Fprintf(m.Stdout, "payment %s -> %s %s on %s: entry %d\n", o.payer, o.payee, money(x), d, id)
	}
	due := newDue(o.payer, o.payee, after, cur)
	if due.Amount == ledger.FormatMoney(decimal.Zero, cur) {
		fmt.Fprintf(m.Stdout, "now due under %s: nothing, %s and %s are settled as booked so far\n", o.contract, o.payer, o.payee)
	} else {
		fmt.Fprintf(m.Stdout, "now due under %s: %s owes %s %s (as booked so far)\n", o.contract, due.Payer, due.Payee, ledger.GroupThousands(due.Amount)+" "+cur)
	}
	return nil
}

// payResult is what `pay --format json` prints.
type payResult struct {
	Contract  string `json:"contract"`
	Payer     string `json:"payer"`
	Payee     string `json:"payee"`
	Amount    string `json:"amount"`
	Currency  string `json:"currency"`
	Date      string `json:"date"`
	Reference string `json:"reference"`
	Entry     int64  `json:"entry"`
	// AlreadyRecorded: a payment with this reference was recorded before
	// (a re-run); nothing new was recorded and Entry is the first one.
	AlreadyRecorded bool     `json:"already_recorded,omitempty"`
	Due             dueLine  `json:"due_after"`
	Warnings        []string `json:"warnings,omitempty"`
}

// dueLine is what one party owes the other, never negative.
type dueLine struct {
	Payer  string `json:"payer"`
	Payee  string `json:"payee"`
	Amount string `json:"amount"`
}

// newDue states net, what payer owes payee (negative: payee owes payer), as
// a non-negative amount from whoever owes.
func newDue(payer, payee string, net decimal.Decimal, cur string) dueLine {
	if net.IsNegative() {
		return dueLine{payee, payer, ledger.FormatMoney(net.Neg(), cur)}
	}
	return dueLine{payer, payee, ledger.FormatMoney(net, cur)}
}

// requiredFlags names, in the order of names, the flags of command that
// were not given (their value in given is ""): only the missing ones, so
// that `pay --contract small` is told what else it needs.
func requiredFlags(command string, given map[string]string, names ...string) error {
	var missing []string
	for _, n := range names {
		if given[n] == "" {
			missing = append(missing, "--"+n)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s: %s is required", command, missing[0])
	}
	return fmt.Errorf("%s: %s and %s are required", command, strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
}

// amountDue is what payer owes payee under contract on everything booked,
// whatever its date: the obligations payer -> payee less the payments, less
// what payee owes payer the same way. Negative: payee owes payer.
func amountDue(ctx context.Context, journal ledger.Journal, contract, payer, payee, cur string) (decimal.Decimal, error) {
	bs, err := journal.TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil {
		return decimal.Zero, err
	}
	forward, reverse := ledger.SharePayableAccount(payer, payee, contract), ledger.SharePayableAccount(payee, payer, contract)
	var due decimal.Decimal
	for _, b := range bs {
		if b.Currency != cur {
			continue
		}
		switch b.Account {
		case forward: // a liability: credit (negative) is owed
			due = due.Sub(b.Amount)
		case reverse:
			due = due.Add(b.Amount)
		}
	}
	return due, nil
}
