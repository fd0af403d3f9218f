package export

import (
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/shopspring/decimal"
)

// The table helpers of the storage tests, under short names.
var (
	d    = storetest.D
	amt  = storetest.Dec
	post = storetest.P
)

// awkwardEntries is a small ledger with awkward amounts: 18 fractional
// digits, negatives, trailing zeros, several currencies including JPY (0
// minor units) and BHD (3), odd descriptions and metadata, out of date order.
func awkwardEntries() []ledger.Entry {
	rec := time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC)
	return []ledger.Entry{
		{ID: 1, Key: ledger.Key{Source: "import", ExternalID: "ev-1"}, Date: d("2026-01-15"), RecordedAt: rec,
			Description: "Usage: openai on azure, January", Meta: map[string]string{"batch": "1", "contract": "openai-microsoft"},
			Postings: []ledger.Posting{
				post("assets:receivable:openai:azure", "1234567.123456789012345678", "USD"),
				post("income:revenue:openai:azure", "-1234567.123456789012345678", "USD"),
			}, Hash: "aa01"},
		{ID: 2, Key: ledger.Key{Source: "import", ExternalID: "ev-2"}, Date: d("2026-02-03"), RecordedAt: rec.Add(time.Second),
			Description: "(refund); 100% \"quoted\" \\ tab\there\nnewline ",
			Meta:        map[string]string{"late": "true", "period": "2026-01", "Odd Key": "a,b [2026-01-01] :x", "entry_id": "spoof"},
			Postings: []ledger.Posting{
				post("assets:receivable:openai:direct", "-0.000000000000000001", "USD"),
				post("income:revenue:openai:direct", "0.000000000000000001", "USD"),
				post("assets:receivable:openai:direct", "1050", "JPY"),
				post("income:revenue:openai:direct", "-1050", "JPY"),
				post("assets:receivable:openai:direct", "12.345", "BHD"),
				post("income:revenue:openai:direct", "-12.345", "BHD"),
			}},
		{ID: 3, Key: ledger.Key{Source: "run", ExternalID: "openai-microsoft/openai-share/2026-01"}, Date: d("2026-01-31"), RecordedAt: rec.Add(2 * time.Second),
			Description: "Revenue share 2026-01", Meta: map[string]string{"contract": "openai-microsoft", "rule": "openai-share-to-microsoft", "period": "2026-01"},
			Postings: []ledger.Posting{
				post("expenses:revshare:openai:microsoft:openai-microsoft", "246913.42", "USD"),
				post("liabilities:revshare:openai:microsoft:openai-microsoft", "-246913.42", "USD"),
			}},
		{ID: 4, Key: ledger.Key{Source: "payment", ExternalID: "p_1"}, Date: d("2026-01-20"), RecordedAt: rec.Add(3 * time.Second),
			Description: "Payment", Reverses: 0,
			Postings: []ledger.Posting{
				post("liabilities:revshare:openai:microsoft:openai-microsoft", "100000.10", "USD"),
				post("assets:cash:_odd.party-x", "-100000.10", "USD"),
			}},
		{ID: 5, Key: ledger.Key{Source: "run", ExternalID: "reverse-3"}, Date: d("2026-02-10"), RecordedAt: rec.Add(4 * time.Second),
			Description: "Reversal of entry 3", Reverses: 3,
			Postings: []ledger.Posting{
				post("expenses:revshare:openai:microsoft:openai-microsoft", "-0.42", "USD"),
				post("liabilities:revshare:openai:microsoft:openai-microsoft", "0.42", "USD"),
			}},
	}
}

// sliceSource serves entries from memory the way a Journal's EachEntry does.
func sliceSource(entries []ledger.Entry) Source {
	return func(from, to ledger.Date, fn func(*ledger.Entry) error) error {
		for i := range entries {
			e := entries[i]
			if !from.IsZero() && e.Date.Before(from) || !to.IsZero() && e.Date.After(to) {
				continue
			}
			if err := fn(&e); err != nil {
				return err
			}
		}
		return nil
	}
}

// trialBalance sums entries dated up to asOf (zero: all), like a Journal's.
func trialBalance(entries []ledger.Entry, asOf ledger.Date) []ledger.Balance {
	sums := map[[2]string]decimal.Decimal{}
	for _, e := range entries {
		if !asOf.IsZero() && e.Date.After(asOf) {
			continue
		}
		for _, p := range e.Postings {
			k := [2]string{p.Account, p.Currency}
			sums[k] = sums[k].Add(p.Amount)
		}
	}
	var out []ledger.Balance
	for k, v := range sums {
		t, _ := ledger.AccountTypeOf(k[0])
		out = append(out, ledger.Balance{Account: k[0], Type: t, Currency: k[1], Amount: v})
	}
	return sortedBalances(out)
}
