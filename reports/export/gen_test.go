package export

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/shopspring/decimal"
)

// newClock returns a clock that advances by a second at every call, so
// entries posted in separate calls have distinct recorded-at times (for
// --known-at).
func newClock() *storetest.Clock {
	return storetest.NewTickingClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), time.Second)
}

// generateLedger posts n seeded pseudo-random entries into db in batches of
// 10,000, dated over 2025 and 2026 in no particular order, then closes the
// first half of 2025 and the second.
// Amounts have the scales the ledger really holds (cents, yen, fils) plus
// some with 9 and 18 fractional digits; every balance stays within 28
// significant digits, the precision of beancount's arithmetic.
func generateLedger(ctx context.Context, db *sqlite.DB, n int, seed int64) error {
	rng := rand.New(rand.NewSource(seed))
	sellers := []string{"openai", "microsoft", "anthropic", "mistral_ai", "co.here"}
	channels := []string{"direct", "azure", "aws", "gcp"}
	currencies := []struct {
		code  string
		scale int32
	}{{"USD", 2}, {"USD", 2}, {"USD", 2}, {"EUR", 2}, {"JPY", 0}, {"BHD", 3}, {"USD", 9}, {"EUR", 18}}
	start := ledger.Date{Year: 2025, Month: time.January, Day: 1}
	const batch = 10000
	entries := make([]ledger.Entry, 0, batch)
	for i := 1; i <= n; i++ {
		seller := sellers[rng.Intn(len(sellers))]
		channel := channels[rng.Intn(len(channels))]
		cur := currencies[rng.Intn(len(currencies))]
		// Up to about a million units, with cur.scale fractional digits.
		units := rng.Int63n(1_000_000_00) - 5_000_00 // some refunds
		frac := decimal.New(rng.Int63n(1_000_000_000), -9)
		if cur.scale == 18 {
			frac = frac.Add(decimal.New(rng.Int63n(1_000_000_000), -18))
		}
		a := decimal.New(units, -2).Add(frac).Truncate(cur.scale)
		if cur.scale == 0 {
			a = decimal.New(units, 0)
		}
		e := ledger.Entry{
			Key:         ledger.Key{Source: "gen", ExternalID: fmt.Sprint(i)},
			Date:        start.AddDays(rng.Intn(730)),
			Description: fmt.Sprintf("Usage %s on %s; batch #%d (%d%%)", seller, channel, i/batch, i%100),
			Meta:        map[string]string{"seller": seller, "channel": channel},
		}
		switch i % 10 {
		case 0: // a revenue share booked against a contract
			contract := seller + "-share"
			e.Meta = map[string]string{"contract": contract, "rule": "r1", "period": ledger.PeriodOf(ledger.Month, e.Date).Label()}
			e.Postings = []ledger.Posting{
				{Account: ledger.ShareExpenseAccount(seller, "microsoft", contract), Amount: a, Currency: cur.code},
				{Account: ledger.SharePayableAccount(seller, "microsoft", contract), Amount: a.Neg(), Currency: cur.code},
			}
		case 5: // a payment
			contract := seller + "-share"
			e.Postings = []ledger.Posting{
				{Account: ledger.SharePayableAccount(seller, "microsoft", contract), Amount: a, Currency: cur.code},
				{Account: ledger.CashAccount(seller), Amount: a.Neg(), Currency: cur.code},
			}
		default:
			e.Postings = []ledger.Posting{
				{Account: ledger.ReceivableAccount(seller, channel), Amount: a, Currency: cur.code},
				{Account: ledger.RevenueAccount(seller, channel), Amount: a.Neg(), Currency: cur.code},
			}
		}
		entries = append(entries, e)
		if len(entries) == batch || i == n {
			if _, err := db.Post(ctx, entries); err != nil {
				return fmt.Errorf("posting entries up to %d: %w", i, err)
			}
			entries = entries[:0]
		}
	}
	if err := db.ClosePeriods(ctx, ledger.Date{Year: 2025, Month: time.June, Day: 30}); err != nil {
		return err
	}
	return db.ClosePeriods(ctx, ledger.Date{Year: 2025, Month: time.December, Day: 31})
}
