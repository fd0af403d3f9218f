package export

import (
	"fmt"
	"sort"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// opening posts the non-zero balances at the end of day as one transaction.
func (x *exporter) opening(day ledger.Date, balances []ledger.Balance) error {
	bs := sortedBalances(balances)
	b := x.txnHeader(x.buf[:0], day, "Opening balances at the end of "+day.String())
	b = x.meta(b, "opening", day.String())
	n := 0
	var err error
	for _, bal := range bs {
		if bal.Amount.IsZero() {
			continue
		}
		n++
		if b, err = x.posting(b, ledger.Posting{Account: bal.Account, Amount: bal.Amount, Currency: bal.Currency}, day); err != nil {
			x.buf = b[:0]
			return ledger.Errorf(ledger.EINVALID, "export: opening balances: %s", ledger.ErrorMessage(err))
		}
	}
	if n == 0 {
		x.buf = b[:0]
		return nil
	}
	return x.flushBuf(b)
}

// checkpointBalances returns the balances to assert at cp: the running sums,
// which cp.Balances, when given, must equal.
func (x *exporter) checkpointBalances(cp Checkpoint) ([]ledger.Balance, error) {
	var run []ledger.Balance
	for k, v := range x.running {
		run = append(run, ledger.Balance{Account: k.account, Currency: k.currency, Amount: v})
	}
	run = sortedBalances(run)
	if cp.Balances == nil {
		return run, nil
	}
	given := map[balanceKey]decimal.Decimal{}
	for _, b := range cp.Balances {
		k := balanceKey{b.Account, b.Currency}
		given[k] = given[k].Add(b.Amount)
	}
	for _, b := range run {
		k := balanceKey{b.Account, b.Currency}
		if g := given[k]; !g.Equal(b.Amount) {
			return nil, fmt.Errorf("export: at the end of %s, %s %s: the exported entries sum to %s, the trial balance says %s",
				cp.Date, b.Account, b.Currency, b.Amount, g)
		}
		delete(given, k)
	}
	var extra []ledger.Balance
	for k, v := range given {
		if !v.IsZero() {
			extra = append(extra, ledger.Balance{Account: k.account, Currency: k.currency, Amount: v})
		}
	}
	if len(extra) > 0 {
		e := sortedBalances(extra)[0]
		return nil, fmt.Errorf("export: at the end of %s, %s %s: the exported entries sum to 0, the trial balance says %s",
			cp.Date, e.Account, e.Currency, e.Amount)
	}
	return sortedBalances(cp.Balances), nil
}

// assertions writes a checkpoint's balances as assertions the tools check.
func (x *exporter) assertions(cp Checkpoint) error {
	bs, err := x.checkpointBalances(cp)
	if err != nil {
		return err
	}
	accts := make([]string, len(bs))
	for i, bal := range bs {
		if accts[i], err = x.account(bal.Account, cp.Date); err == nil {
			err = x.currency(bal.Currency, cp.Date)
		}
		if err != nil {
			return ledger.Errorf(ledger.EINVALID, "export: balances at %s: %s", cp.Date, ledger.ErrorMessage(err))
		}
	}
	b := x.buf[:0]
	if x.f == Beancount {
		// A beancount balance directive holds at the start of its date.
		day := cp.Date.AddDays(1)
		b = append(b, "\n; balances at the end of "...)
		b = append(b, cp.Date.String()...)
		b = append(b, '\n')
		for i, bal := range bs {
			b = append(b, day.String()...)
			b = append(b, " balance "...)
			b = append(b, accts[i]...)
			b = append(b, "  "...)
			// "~ 0": beancount otherwise tolerates one unit of the asserted
			// amount's last digit.
			b = append(b, ledger.FormatAmount(bal.Amount)...)
			b = append(b, " ~ 0 "...)
			b = append(b, bal.Currency...)
			b = append(b, '\n')
		}
		return x.flushBuf(b)
	}
	b = x.txnHeader(b, cp.Date, "Balance assertions: balances at the end of "+cp.Date.String())
	for i, bal := range bs {
		b = append(b, "    "...)
		b = append(b, accts[i]...)
		b = append(b, "  0 "...)
		b = append(b, bal.Currency...)
		b = append(b, " = "...)
		b = appendAmount(b, bal.Amount, bal.Currency)
		b = append(b, '\n')
	}
	return x.flushBuf(b)
}

func sortedBalances(bs []ledger.Balance) []ledger.Balance {
	out := append([]ledger.Balance(nil), bs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Account != out[j].Account {
			return out[i].Account < out[j].Account
		}
		return out[i].Currency < out[j].Currency
	})
	return out
}
