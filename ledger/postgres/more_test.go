package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
)

// Two writers (two pools, as two processes would be) post at once: the
// writer lock queues them, so every post succeeds and the chain stays one
// line.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	clock := storetest.NewClock(storetest.T0)
	var dbs [2]*postgres.DB
	for i := range dbs {
		db, err := postgres.Open(ctx, u, clock)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < 20; b++ {
				var es []ledger.Entry
				for i := 0; i < 25; i++ {
					es = append(es, storetest.Sale(fmt.Sprintf("w%d-%d-%d", w, b, i), "2026-03-01", "1.5", "USD"))
				}
				if _, err := db.Post(ctx, es); err != nil {
					errs <- err
					return
				}
				clock.Advance(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	res, err := dbs[0].Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Entries != 1000 || res.HeadID != 1000 {
		t.Errorf("verify: %+v, want 1000 entries", res)
	}
	bs, err := dbs[1].TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Amount.String() != "1500" {
		t.Errorf("trial balance %v, want receivable 1500", bs)
	}
}

// Verify finds what someone who switches the triggers off changed: a
// superuser here, with session_replication_role = replica.
func TestVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, sql, msg string
	}{
		{"changed description", `UPDATE entries SET description = 'sale x' WHERE id = 2`,
			"verify: entry 2: hash does not match its content (stored %s, computed "},
		{"changed amount, both postings", `UPDATE postings SET amount = -amount WHERE entry_id = 2`,
			"verify: entry 2: hash does not match its content (stored %s, computed "},
		{"removed last entry", `DELETE FROM postings WHERE entry_id = 3; DELETE FROM entries WHERE id = 3`,
			"verify: the journal head says entry 3 ("},
		{"removed middle entry", `DELETE FROM postings WHERE entry_id = 2; DELETE FROM entries WHERE id = 2`,
			"verify: entry 2: missing: entry ids jump from 1 to 3"},
		{"changed total", `UPDATE balance_totals SET amount = amount + 1 WHERE account_id = 1`,
			"verify: balance totals for 1 USD differ from the sum of the postings"},
		{"changed daily total", `UPDATE daily_totals SET amount = amount + 1 WHERE date = '2026-03-02' AND account_id = 1`,
			"verify: daily totals for 2026-03-02 1 USD differ from the sum of the postings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := schemaURL(t)
			db, err := postgres.Open(ctx, u, storetest.NewClock(storetest.T0))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-03-01", "1", "USD"),
				storetest.Sale("2", "2026-03-02", "2", "USD"), storetest.Sale("3", "2026-03-03", "3", "USD")}); err != nil {
				t.Fatal(err)
			}
			if res, err := db.Verify(ctx); err != nil || res.Entries != 3 {
				t.Fatalf("before tampering: %+v, %v", res, err)
			}
			e2, _ := db.Entry(ctx, 2)
			tamper(t, u, tc.sql)
			_, err = db.Verify(ctx)
			msg := tc.msg
			if strings.Contains(msg, "%s") {
				msg = fmt.Sprintf(msg, e2.Hash[:12])
			}
			if ledger.ErrorCode(err) != ledger.EINVALID || !strings.HasPrefix(ledger.ErrorMessage(err), msg) {
				t.Errorf("verify: %v\nwant %s...", err, msg)
			}
		})
	}
}

// Opening a book again applies nothing; each migration is recorded once.
func TestMigrationsRecorded(t *testing.T) {
	ctx := context.Background()
	u := schemaURL(t)
	for i := 0; i < 2; i++ {
		db, err := postgres.Open(ctx, u, nil)
		if err != nil {
			t.Fatalf("open %d: %v", i+1, err)
		}
		db.Close()
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var got []string
	rows, _ := conn.Query(ctx, `SELECT version || ' ' || name FROM schema_migrations ORDER BY version`)
	for rows.Next() {
		var s string
		rows.Scan(&s)
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	// Every file of migrations/, by number (the list grows with them).
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range files {
		n, err := strconv.Atoi(f.Name()[:4])
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, fmt.Sprintf("%d %s", n, f.Name()))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || len(want) < 3 {
		t.Errorf("schema_migrations: %q, want %q", got, want)
	}
	// A book migrated by a newer revshare is refused, not half-understood.
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (9999, '9999_future.sql')`); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(ctx, u, nil)
	last := files[len(files)-1].Name()
	if want := fmt.Sprintf("migrate: the database's schema is at migration 9999, newer than this revshare's %s (%s): upgrade revshare",
		strings.TrimLeft(last[:4], "0"), last); err == nil || err.Error() != want {
		t.Errorf("open newer: %v\nwant %s", err, want)
	}
}

// Every as-of view (both ways of reading the daily totals: from the start
// of the book, or back from the current totals) equals the sums of the
// entries up to that date, and lists exactly the accounts they touch.
func TestAsOfMatchesEntries(t *testing.T) {
	ctx := context.Background()
	db := openDB(t, storetest.NewClock(storetest.T0))
	var es []ledger.Entry
	for d := 0; d < 12; d++ {
		date := storetest.D("2026-01-01").AddDays(3 * d).String()
		es = append(es, storetest.Sale(fmt.Sprint("a", d), date, fmt.Sprintf("%d.5", d+1), "USD"))
		if d%3 == 1 {
			es = append(es, storetest.Sale(fmt.Sprint("j", d), date, "100", "JPY"))
		}
		if d >= 8 { // an account that appears late in the book
			es = append(es, ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: fmt.Sprint("late", d)}, Date: storetest.D(date),
				Postings: []ledger.Posting{storetest.P("expenses:revshare:a:b:c", "0.001", "EUR"), storetest.P("liabilities:revshare:a:b:c", "-0.001", "EUR")}})
		}
	}
	// Two accounts whose balances come back to zero on day 27: from then
	// on they are listed at 0 (they have days up to the date), on the
	// late side too, where a zero balance is what asks for the probe.
	for i, day := range []int{3, 27} {
		amount := []string{"5", "-5"}[i]
		es = append(es, ledger.Entry{Key: ledger.Key{Source: "test", ExternalID: fmt.Sprint("zero", i)}, Date: storetest.D("2026-01-01").AddDays(day),
			Postings: []ledger.Posting{storetest.P("assets:cash:z", amount, "USD"), storetest.P("income:other:z", decimal.RequireFromString(amount).Neg().String(), "USD")}})
	}
	if _, err := db.Post(ctx, es); err != nil {
		t.Fatal(err)
	}
	for d := -1; d <= 34; d++ {
		asOf := storetest.D("2026-01-01").AddDays(d)
		want := map[string]string{}
		sums := map[string]decimal.Decimal{}
		err := db.EachEntry(ctx, ledger.EntryFilter{To: asOf}, func(e *ledger.Entry) error {
			for _, p := range e.Postings {
				k := p.Account + " " + p.Currency
				sums[k] = sums[k].Add(p.Amount)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range sums {
			want[k] = v.String()
		}
		bs, err := db.TrialBalance(ctx, ledger.BalanceQuery{AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, b := range bs {
			got[b.Account+" "+b.Currency] = b.Amount.String()
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("as of %s:\n got %v\nwant %v", asOf, got, want)
		}
	}
}
