package sqlite

import (
	"context"
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// TestBalanceVersionsMatchSQL builds journals of the shapes that make an
// --as-of --known-at view hard (entries recorded long after their date,
// holes in an account's dates filled by later transactions, transactions
// sharing a recorded-at instant, sparse accounts, several currencies; both
// posting paths, one to three PostEntries calls a transaction) and compares
// every view known at each instant (exactly at it, between two, before the
// first entry, after the last) as of each date (before every date, each
// date, after every date) with the postings summed in SQL. Then verify
// checks the versions, the migration's fill writes the same rows, and the
// views are compared again after it.
func TestBalanceVersionsMatchSQL(t *testing.T) {
	for _, tc := range []struct {
		name   string
		slow   bool
		shared bool // some transactions share an instant
	}{{"fast", false, false}, {"slow", true, false}, {"shared", false, true}} {
		t.Run(tc.name, func(t *testing.T) { testBalanceVersions(t, tc.slow, tc.shared) })
	}
}

func testBalanceVersions(t *testing.T, slow, shared bool) {
	ctx := context.Background()
	t0 := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	clock := &stepClock{t0}
	db := openTestDB(t, clock)
	db.slowPostOnly = slow
	if !slow { // writes in several statements (some short of rowsPerInsert rows)
		defer func(n int) { flushVersionRows = n }(flushVersionRows)
		flushVersionRows = 1
	}
	rng := rand.New(rand.NewSource(15))
	accts := []string{"assets:a", "assets:b", "income:c", "expenses:d", "liabilities:e"}
	day0 := ledger.Date{Year: 2026, Month: time.January, Day: 1}
	var instants []time.Time
	n := 0
	for round := 0; round < 40; round++ {
		if !shared || rng.Intn(3) > 0 || round == 0 {
			clock.t = clock.t.Add(time.Minute)
		}
		instants = append(instants, clock.t)
		var batch []ledger.Entry
		for i := 0; i < 1+rng.Intn(12); i++ {
			n++
			var date ledger.Date
			switch r := rng.Intn(10); {
			case r < 6: // about in order: the round's week
				date = day0.AddDays(2*round + rng.Intn(7))
			case r < 8: // late: any earlier day
				date = day0.AddDays(rng.Intn(2*round + 1))
			default: // odd days only early on, even days later: holes filled late
				date = day0.AddDays(2*rng.Intn(40) + round%2)
			}
			a := decimal.New(rng.Int63n(1e9)-5e8, -int32(rng.Intn(19)))
			if rng.Intn(6) == 0 { // limbs above the first three
				a = decimal.New(rng.Int63n(1e9)-5e8, int32(rng.Intn(40)))
			}
			cur := []string{"USD", "EUR"}[rng.Intn(2)]
			acct := accts[rng.Intn(len(accts))]
			if rng.Intn(8) == 0 {
				acct = "assets:sparse" // now and then, far apart
				date = day0.AddDays(rng.Intn(400))
			}
			batch = append(batch, ledger.Entry{
				Key:  ledger.Key{Source: "t", ExternalID: fmt.Sprint(n)},
				Date: date,
				Postings: []ledger.Posting{
					{Account: acct, Amount: a, Currency: cur},
					{Account: fmt.Sprintf("equity:x%d", rng.Intn(2)), Amount: a.Neg(), Currency: cur},
				},
			})
		}
		postInCalls(t, db, batch, func(left int) int { return min(left, 1+rng.Intn(left)) })
	}
	compareViews(t, db, instants, day0)
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	before := dumpVersions(t, db)
	// The fill writes a version per instant: the rows of transactions
	// that each had their own instant, and fewer rows otherwise.
	if after := refillVersions(t, db); !shared && after != before {
		t.Fatalf("the migration's fill differs from the rows the transactions wrote:\n%s\nwant\n%s", after, before)
	} else if shared && len(after) >= len(before) {
		t.Fatalf("shared instants: the fill wrote %d bytes of rows, the transactions %d", len(after), len(before))
	}
	compareViews(t, db, instants, day0)
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
}

// compareViews compares every view known at an instant around instants as
// of a date around day0 with the postings summed in SQL.
func compareViews(t *testing.T, db *DB, instants []time.Time, day0 ledger.Date) {
	t.Helper()
	knowns := []time.Time{instants[0].Add(-time.Second), instants[len(instants)-1].Add(time.Hour)}
	for _, at := range instants {
		knowns = append(knowns, at, at.Add(30*time.Second))
	}
	dates := []ledger.Date{day0.AddDays(-30), day0.AddDays(-1), day0.AddDays(500), day0.AddDays(150), day0.AddDays(300)}
	for d := 0; d <= 110; d += 5 {
		dates = append(dates, day0.AddDays(d))
	}
	views := 0
	for _, at := range knowns {
		for _, d := range dates {
			got, want := viewAndSQL(t, db, ledger.BalanceQuery{AsOf: d, KnownAt: at})
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("as of %s known at %s:\nversions %v\n     sql %v", d, at.Format(time.RFC3339), got, want)
			}
			if len(want) > 0 {
				views++
			}
		}
	}
	if views < len(knowns)*len(dates)/2 {
		t.Fatalf("only %d of %d views have balances", views, len(knowns)*len(dates))
	}
}

// refillVersions writes balance_versions and balance_spans again as
// migration 0060's fill does and returns them as dumpVersions does.
func refillVersions(t *testing.T, db *DB) string {
	t.Helper()
	if err := db.WithTx(context.Background(), func(tx *Tx) error {
		if _, err := tx.SQL().Exec(`DELETE FROM balance_versions; DELETE FROM balance_spans`); err != nil {
			return err
		}
		return fillBalanceVersions(context.Background(), tx)
	}); err != nil {
		t.Fatal(err)
	}
	return dumpVersions(t, db)
}

func dumpVersions(t *testing.T, db *DB) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{`SELECT account_id, currency, date, entry_id, ` + limbCols("", false) + ` FROM balance_versions ORDER BY 1, 2, 3, 4`,
		`SELECT account_id, currency, entry_id, first_date, last_date FROM balance_spans ORDER BY 1, 2, 3`} {
		rows, err := db.r.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintln(&b, vals...)
		}
		rows.Close()
	}
	return b.String()
}
