package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// historyBook opens the book of the balance history tests: its clock
// starts on 2026-04-01 and its entries are dated from day0, 2026-01-20.
func historyBook(t *testing.T) (db *DB, clock *stepClock, day0 ledger.Date) {
	t.Helper()
	clock = &stepClock{time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)}
	return openTestDB(t, clock), clock, ledger.Date{Year: 2026, Month: time.January, Day: 20}
}

// historyEntries makes the entries of the balance history tests: cents on
// an account against equity:x, each under the next key of source "t".
type historyEntries struct{ n int }

func (h *historyEntries) entry(acct string, date ledger.Date, cents int64, cur string) ledger.Entry {
	h.n++
	a := decimal.New(cents, -2)
	return ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: fmt.Sprint(h.n)}, Date: date,
		Postings: []ledger.Posting{{Account: acct, Amount: a, Currency: cur}, {Account: "equity:x", Amount: a.Neg(), Currency: cur}}}
}

// TestBalanceHistoryManyAccounts posts to more accounts per transaction
// than one statement of rows (rowsPerInsert), with the history written in
// whole statements as it gathers (flushVersionRows = 1), so that the
// totals, their marks, the months, the versions and the spans each go out
// in several statements; accounts are created in later transactions and
// in a call that fails. Every view must match the postings summed in SQL,
// verify must pass, and the versions must be those the migration's fill
// writes from the journal.
func TestBalanceHistoryManyAccounts(t *testing.T) {
	defer func(n int) { flushVersionRows = n }(flushVersionRows)
	flushVersionRows = 1
	ctx := context.Background()
	db, clock, day0 := historyBook(t)
	var es historyEntries
	entry := es.entry
	var instants []time.Time
	post := func(batch []ledger.Entry) {
		clock.t = clock.t.Add(time.Minute)
		instants = append(instants, clock.t)
		postInCalls(t, db, batch, func(left int) int { return min(left, 333) })
	}
	var batch []ledger.Entry
	for i := 0; i < 700; i++ { // two months, some accounts in two currencies
		acct := fmt.Sprintf("assets:s%03d", i)
		batch = append(batch, entry(acct, day0.AddDays(i%20), int64(100+i), "USD"), entry(acct, day0.AddDays(15+i%20), int64(7*i+1), "USD"))
		if i%3 == 0 {
			batch = append(batch, entry(acct, day0.AddDays(i%30), int64(-3*i-5), "EUR"))
		}
	}
	post(batch)
	batch = batch[:0]
	for i := 0; i < 800; i++ { // earlier, between and later dates; 100 new accounts
		acct := fmt.Sprintf("assets:s%03d", i)
		batch = append(batch, entry(acct, day0.AddDays(i%40-5), int64(11*i+3), "USD"))
	}
	post(batch)
	// A transaction whose first call creates accounts and fails (an
	// invalid entry last), then posts to old and new accounts.
	clock.t = clock.t.Add(time.Minute)
	instants = append(instants, clock.t)
	bad := []ledger.Entry{entry("assets:gone1", day0, 100, "USD"), entry("assets:gone2", day0, 200, "USD")}
	bad = append(bad, ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: "unbalanced"}, Date: day0,
		Postings: []ledger.Posting{{Account: "assets:gone3", Amount: decimal.New(1, 0), Currency: "USD"}}})
	err := db.WithTx(ctx, func(tx *Tx) error {
		if _, err := tx.PostEntries(bad); err == nil {
			return fmt.Errorf("an unbalanced entry was posted")
		}
		var more []ledger.Entry
		for i := 600; i < 900; i++ {
			more = append(more, entry(fmt.Sprintf("assets:s%03d", i), day0.AddDays(i%50-10), int64(i), "USD"))
		}
		_, err := tx.PostEntries(more)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var gone int
	if err := db.r.QueryRow(`SELECT count(*) FROM accounts WHERE name LIKE 'assets:gone%'`).Scan(&gone); err != nil || gone != 0 {
		t.Fatalf("accounts of the failed call: %d, %v", gone, err)
	}
	compareViews(t, db, instants, day0)
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	var versions, spans, marks, months int
	if err := db.r.QueryRow(`SELECT (SELECT count(*) FROM balance_versions), (SELECT count(*) FROM balance_spans),
		(SELECT count(*) FROM balance_marks), (SELECT count(*) FROM balance_months)`).Scan(&versions, &spans, &marks, &months); err != nil {
		t.Fatal(err)
	}
	// Spans and marks: one per account and currency of each transaction
	// (700 + 234 in EUR + equity:x's two, then 800 + 1, then 300 + 1).
	if spans != 2038 || marks != 2038 || versions < 3*rowsPerInsert || months < 2*rowsPerInsert {
		t.Fatalf("%d versions, %d spans, %d marks, %d months", versions, spans, marks, months)
	}
	before := dumpVersions(t, db)
	if after := refillVersions(t, db); after != before {
		t.Fatalf("the migration's fill differs from the rows the transactions wrote")
	}
}

// TestBalanceHistoryFlushedEarly: a transaction whose history outgrows
// maxTxHistRows writes it before its next PostEntries call, as if the
// transaction ended there (an import of the 1M per-event book held 2M rows
// to the commit). The calls post earlier, the same and later dates to old
// and new accounts, and one call fails after an early flush; every view
// must match the postings summed in SQL and verify must pass. With the
// rows kept after an early flush the sums count twice; with the flush
// undone by the failed call, the history lacks them.
func TestBalanceHistoryFlushedEarly(t *testing.T) {
	defer func(n int) { maxTxHistRows = n }(maxTxHistRows)
	maxTxHistRows = 150
	ctx := context.Background()
	db, clock, day0 := historyBook(t)
	var es historyEntries
	entry := func(acct string, date ledger.Date, cents int64) ledger.Entry {
		return es.entry(acct, date, cents, "USD")
	}
	var instants []time.Time
	for round := 0; round < 3; round++ {
		clock.t = clock.t.Add(time.Minute)
		instants = append(instants, clock.t)
		calls := 0
		err := db.WithTx(ctx, func(tx *Tx) error {
			for call := 0; call < 6; call++ {
				var batch []ledger.Entry
				for i := 0; i < 70; i++ {
					acct := fmt.Sprintf("assets:s%03d", (i*7+call*13+round*50)%240)
					batch = append(batch, entry(acct, day0.AddDays((i*3+call*11-round*17)%90), int64(100*round+10*call+i+1)))
				}
				if call == 3 { // fails after the flush before it
					bad := append(batch[:10:10], ledger.Entry{Key: ledger.Key{Source: "t", ExternalID: "unbalanced"}, Date: day0,
						Postings: []ledger.Posting{{Account: "assets:gone", Amount: decimal.New(1, 0), Currency: "USD"}}})
					if _, err := tx.PostEntries(bad); err == nil {
						return fmt.Errorf("an unbalanced entry was posted")
					}
				}
				if _, err := tx.PostEntries(batch); err != nil {
					return err
				}
				calls++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if calls != 6 {
			t.Fatalf("%d calls", calls)
		}
	}
	compareViews(t, db, instants, day0)
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	// More marks than one per account and transaction: the early flushes
	// wrote some.
	var accounts, marks int
	if err := db.r.QueryRow(`SELECT (SELECT count(DISTINCT p.account_id || ' ' || e.recorded_at)
		FROM postings p JOIN entries e ON e.id = p.entry_id), (SELECT count(*) FROM balance_marks)`).Scan(&accounts, &marks); err != nil {
		t.Fatal(err)
	}
	if marks <= accounts {
		t.Fatalf("%d marks for %d accounts and transactions: no early flush", marks, accounts)
	}
}
