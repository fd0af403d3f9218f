package export

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// balances is what one tool reports: an amount per account and currency.
type balances map[balanceKey]decimal.Decimal

func (b balances) add(account, currency string, amount decimal.Decimal) {
	k := balanceKey{account, currency}
	b[k] = b[k].Add(amount)
}

// nonZero drops zero balances: tools omit them, revshare lists them.
func (b balances) nonZero() balances {
	out := balances{}
	for k, v := range b {
		if !v.IsZero() {
			out[k] = v
		}
	}
	return out
}

// diff lists every difference between got and want, exactly (1.50 = 1.5).
func diff(got, want balances) []string {
	got, want = got.nonZero(), want.nonZero()
	var out []string
	for k, w := range want {
		if g, ok := got[k]; !ok || !g.Equal(w) {
			out = append(out, fmt.Sprintf("%s %s: got %s, want %s", k.account, k.currency, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s %s: got %s, want nothing", k.account, k.currency, g))
		}
	}
	sort.Strings(out)
	return out
}

// revshareBalances runs `revshare balance --format json` with extra flags.
func revshareBalances(t testing.TB, dbPath string, asOf ledger.Date, knownAt string) balances {
	t.Helper()
	bin := revshareBinary(t)
	args := []string{"--db", dbPath, "balance", "--format", "json"}
	if !asOf.IsZero() {
		args = append(args, "--as-of", asOf.String())
	}
	if knownAt != "" {
		args = append(args, "--known-at", knownAt)
	}
	out := run(t, bin, args...)
	var doc struct {
		Accounts []struct {
			Account, Currency, Balance string
		} `json:"accounts"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("revshare balance --format json: %v\n%s", err, out)
	}
	b := balances{}
	for _, a := range doc.Accounts {
		b.add(a.Account, a.Currency, decimal.RequireFromString(a.Balance))
	}
	return b
}

// hledgerBalances checks the file (including its balance assertions) and
// reads its flat balance report as CSV. hledger prints each commodity with
// the most decimals seen in it, so sums are shown exactly.
func hledgerBalances(t testing.TB, file string) balances {
	// --strict adds declared accounts and commodities to the basic checks
	// (parsing, balanced transactions, balance assertions).
	run(t, "hledger", "-f", file, "check", "--strict")
	out := run(t, "hledger", "-f", file, "balance", "--flat", "--no-total", "-O", "csv")
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("hledger csv: %v\n%s", err, out)
	}
	b := balances{}
	for _, row := range rows[1:] {
		for _, a := range strings.Split(row[1], ", ") {
			if a == "0" {
				continue
			}
			addAmount(t, b, row[0], a)
		}
	}
	return b
}

// ledgerBalances reads ledger's flat balance report; ledger checks the
// balance assertions while it reads the file. An account with several
// commodities prints one amount per line.
func ledgerBalances(t testing.TB, file string) balances {
	out := run(t, "ledger", "-f", file, "--flat", "--no-total", "--balance-format", "%(account)\t%(amount)\n", "balance")
	b := balances{}
	account := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := sc.Text()
		if acct, amount, ok := strings.Cut(line, "\t"); ok {
			account, line = acct, amount
		}
		if strings.TrimSpace(line) == "0" {
			continue
		}
		addAmount(t, b, account, strings.TrimSpace(line))
	}
	return b
}

// beancountBalances runs bean-check, then a bean-query balance. bean-query
// renders numbers (and positions) quantized to its display precision (the
// most frequent number of decimals), so the sum per account and currency is
// read through str(), which prints the exact Decimal: "Decimal('1E-18')".
func beancountBalances(t testing.TB, file string) balances {
	run(t, "bean-check", file)
	out := run(t, "bean-query", "-f", "csv", file,
		"SELECT account, currency, str(sum(number)) AS balance GROUP BY account, currency ORDER BY account, currency")
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("bean-query csv: %v\n%s", err, out)
	}
	b := balances{}
	for _, row := range rows[1:] {
		account, err := AccountFromBeancount(strings.TrimSpace(row[0]))
		if err != nil {
			t.Fatal(err)
		}
		num := strings.TrimSpace(row[2])
		if !strings.HasPrefix(num, "Decimal('") || !strings.HasSuffix(num, "')") {
			t.Fatalf("bean-query: want Decimal('…'), got %q in row %q", num, row)
		}
		n, err := decimal.NewFromString(num[len("Decimal('") : len(num)-2])
		if err != nil {
			t.Fatalf("bean-query: %v in row %q", err, row)
		}
		b.add(account, strings.TrimSpace(row[1]), n)
	}
	return b
}

// addAmount parses "1234.50 USD" (or "-1E-18 USD").
func addAmount(t testing.TB, b balances, account, s string) {
	num, cur, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		t.Fatalf("account %s: cannot read amount %q", account, s)
	}
	n, err := decimal.NewFromString(num)
	if err != nil {
		t.Fatalf("account %s: amount %q: %v", account, s, err)
	}
	b.add(account, strings.TrimSpace(cur), n)
}

var toolBalances = map[Format]func(testing.TB, string) balances{
	Hledger:   hledgerBalances,
	Ledger:    ledgerBalances,
	Beancount: beancountBalances,
}
