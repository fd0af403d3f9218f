package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"github.com/revshare/revshare/ledger"
)

type balanceOptions struct{ asOf, knownAt, format string }

func newBalanceCommand(m *Main) *cobra.Command {
	var o balanceOptions
	cmd := &cobra.Command{
		Use:   "balance",
		Short: "trial balance per account and currency",
		Example: `  revshare balance
  revshare balance --as-of 2026-03-31 --format csv
  revshare balance --as-of 2026-Q1
  revshare balance --known-at 2026-04-01T09:00:00Z --format json`,
		RunE: withoutArgs("balance", func(ctx context.Context) error { return runBalance(ctx, m, o) }),
	}
	nonEmptyFlag(cmd, &o.asOf, "as-of", "", "want a date YYYY-MM-DD or a period", "only entries with an effective date on or before `DATE` (YYYY-MM-DD; a period such as 2026-02 or 2026-Q1 means its last day)")
	nonEmptyFlag(cmd, &o.knownAt, "known-at", "", "want a timestamp (RFC 3339) or a date", "the ledger as it was at `TIMESTAMP` (RFC 3339, or a date for the end of that day, UTC): entries recorded later are invisible")
	formatFlag(cmd, &o.format, "table", "table", "json", "csv")
	return cmd
}

func runBalance(ctx context.Context, m *Main, o balanceOptions) error {
	if err := checkFormat(o.format, "table", "json", "csv"); err != nil {
		return err
	}
	var q ledger.BalanceQuery
	if err := parseFlag(&q.AsOf, "--as-of", o.asOf, ledger.ParseAsOf); err != nil {
		return err
	}
	if err := parseFlag(&q.KnownAt, "--known-at", o.knownAt, ledger.ParseKnownAt); err != nil {
		return err
	}
	st, err := m.Store(ctx)
	if err != nil {
		return err
	}
	bs, err := st.Journal.TrialBalance(ctx, q)
	if err != nil {
		return err
	}
	tb := newTrialBalance(q, bs)
	switch o.format {
	case "json":
		err = writeJSON(m.Stdout, tb)
	case "csv":
		err = tb.writeCSV(m.Stdout)
	default:
		err = tb.writeTable(m.Stdout)
	}
	// A sound journal cannot produce this (the database refuses unbalanced
	// entries); say so loudly rather than print it silently.
	for _, t := range tb.Totals {
		if !decimal.RequireFromString(t.Balance).IsZero() {
			fmt.Fprintf(m.Stderr, "warning: the %s total is %s, not zero: the database was altered; run revshare verify\n", t.Currency, t.Balance)
		}
	}
	return err
}

// trialBalance is the printed form of a trial balance; amounts are strings,
// exact, with at least the currency's minor units.
type trialBalance struct {
	AsOf     *string          `json:"as_of"`
	KnownAt  *string          `json:"known_at"`
	Accounts []balanceLine    `json:"accounts"`
	Totals   []currencyAmount `json:"totals"`
}

type balanceLine struct {
	Account  string `json:"account"`
	Type     string `json:"type"`
	Currency string `json:"currency"`
	Balance  string `json:"balance"`
}

type currencyAmount struct {
	Currency string `json:"currency"`
	Balance  string `json:"balance"`
}

func newTrialBalance(q ledger.BalanceQuery, bs []ledger.Balance) trialBalance {
	tb := trialBalance{Accounts: []balanceLine{}, Totals: []currencyAmount{}}
	if !q.AsOf.IsZero() {
		s := q.AsOf.String()
		tb.AsOf = &s
	}
	if !q.KnownAt.IsZero() {
		s := q.KnownAt.UTC().Format(time.RFC3339Nano)
		tb.KnownAt = &s
	}
	totals := map[string]decimal.Decimal{}
	var currencies []string
	for _, b := range bs {
		tb.Accounts = append(tb.Accounts, balanceLine{b.Account, string(b.Type), b.Currency, ledger.FormatExact(b.Amount, b.Currency)})
		if _, ok := totals[b.Currency]; !ok {
			currencies = append(currencies, b.Currency)
		}
		totals[b.Currency] = totals[b.Currency].Add(b.Amount)
	}
	sort.Strings(currencies)
	for _, c := range currencies {
		tb.Totals = append(tb.Totals, currencyAmount{c, ledger.FormatExact(totals[c], c)})
	}
	return tb
}

// writeTable prints the table for people: amounts grouped in thousands
// (JSON and CSV keep them plain).
func (tb trialBalance) writeTable(w io.Writer) error {
	rows := [][4]string{{"ACCOUNT", "TYPE", "CURRENCY", "BALANCE"}}
	for _, l := range tb.Accounts {
		rows = append(rows, [4]string{l.Account, l.Type, l.Currency, ledger.GroupThousands(l.Balance)})
	}
	for _, t := range tb.Totals {
		rows = append(rows, [4]string{"total", "", t.Currency, ledger.GroupThousands(t.Balance)})
	}
	var width [4]int
	for _, r := range rows {
		for i, c := range r {
			width[i] = max(width[i], len(c))
		}
	}
	for i, r := range rows {
		if i == len(tb.Accounts)+1 {
			fmt.Fprintln(w, strings.Repeat("-", width[0]+width[1]+width[2]+width[3]+6))
		}
		// Text columns align left, amounts right.
		if _, err := fmt.Fprintf(w, "%-*s  %-*s  %-*s  %*s\n", width[0], r[0], width[1], r[1], width[2], r[2], width[3], r[3]); err != nil {
			return err
		}
	}
	if len(tb.Accounts) == 0 {
		_, err := fmt.Fprintln(w, "(no postings)")
		return err
	}
	return nil
}

func (tb trialBalance) writeCSV(w io.Writer) error {
	cw := ledger.NewCSVWriter(w)
	cw.Write([]string{"account", "type", "currency", "balance"})
	for _, l := range tb.Accounts {
		cw.Write([]string{l.Account, l.Type, l.Currency, l.Balance})
	}
	for _, t := range tb.Totals {
		cw.Write([]string{"total", "", t.Currency, t.Balance})
	}
	cw.Flush()
	return cw.Error()
}
