package sqlite

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// randomEventsCSV writes n rows with random dimensions (some values rare,
// some common), dated in January and February 2026, ids from first on.
func randomEventsCSV(rng *rand.Rand, first, n int) string {
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	for i := first; i < first+n; i++ {
		occurred := fmt.Sprintf("2026-%02d-%02d", 1+rng.Intn(2), 1+rng.Intn(28))
		if rng.Intn(3) == 0 { // a time late in the day in UTC-5: the next day in UTC
			occurred += "T22:30:00-05:00"
		}
		fmt.Fprintf(&b, "x%d,%s,s%d,ch%d,c%d,p%d,r%d,%d.50,USD\n", i, occurred,
			rng.Intn(3), rng.Intn(2), rng.Intn(40), rng.Intn(4)*rng.Intn(4), rng.Intn(2), rng.Intn(100))
	}
	return b.String()
}

// TestEventIndexMatchesScan imports random events (one file whole, one in
// partial chunks of 7 rows, one with 50 stored rows and 50 new ones), then
// compares pages of random filters, read through the index or by scanning,
// with the events filtered by hand; verify checks the index; dropping the
// index and reopening rebuilds it (migration 0026's Go step).
func TestEventIndexMatchesScan(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	db, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { db.Close() }()
	rng := rand.New(rand.NewSource(15))
	whole, partial := randomEventsCSV(rng, 0, 300), randomEventsCSV(rng, 300, 100)
	// again: the last 50 rows of whole (duplicates), then 50 new ones.
	lines := strings.SplitAfter(whole, "\n")
	again := lines[0] + strings.Join(lines[251:301], "") + strings.SplitAfterN(randomEventsCSV(rng, 400, 50), "\n", 2)[1]
	imports := []struct {
		csv  string
		opts usage.ImportOptions
	}{
		{whole, usage.ImportOptions{FileName: "a.csv"}},
		{partial, usage.ImportOptions{FileName: "b.csv", AllowPartial: true, ChunkRows: 7, SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(partial)))}},
		{again, usage.ImportOptions{FileName: "c.csv"}},
	}
	for _, im := range imports {
		if _, err := db.ImportUsage(ctx, strings.NewReader(im.csv), im.opts); err != nil {
			t.Fatal(err)
		}
	}
	var all []ledger.Event
	if err := db.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error { all = append(all, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != 450 {
		t.Fatalf("%d events, want 450", len(all))
	}
	check := func(db *DB) (indexed int) {
		for i := 0; i < 300; i++ {
			var f ledger.EventFilter
			switch rng.Intn(4) {
			case 0:
				f.Customer = fmt.Sprintf("c%d", rng.Intn(41))
			case 1:
				f.Product = fmt.Sprintf("p%d", rng.Intn(10))
				f.Seller = fmt.Sprintf("s%d", rng.Intn(3))
			case 2:
				f.From = ledger.Date{Year: 2026, Month: 1, Day: 1}.AddDays(rng.Intn(60))
				if rng.Intn(2) == 0 {
					f.To = f.From.AddDays(rng.Intn(5))
				}
				f.Region = []string{"", "r0", "r1"}[rng.Intn(3)]
			case 3:
				f.Channel = "ch1"
				f.Customer = fmt.Sprintf("c%d", rng.Intn(40))
			}
			if rng.Intn(4) == 0 {
				f.Source = []string{"default", "other"}[rng.Intn(2)]
			}
			f.Limit = 1 + rng.Intn(30)
			f.AfterID = int64(rng.Intn(300))
			var want []ledger.Event
			for _, e := range all {
				d := e.AccountingDate()
				if e.ID > f.AfterID && (f.Customer == "" || e.Customer == f.Customer) && (f.Product == "" || e.Product == f.Product) &&
					(f.Seller == "" || e.Seller == f.Seller) && (f.Channel == "" || e.Channel == f.Channel) &&
					(f.Region == "" || e.Region == f.Region) && (f.Source == "" || e.Source == f.Source) &&
					(f.From.IsZero() || !d.Before(f.From)) && (f.To.IsZero() || !f.To.Before(d)) && len(want) < f.Limit {
					want = append(want, e)
				}
			}
			got, err := db.Events(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) > 0 && !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v:\n got %d events %v\nwant %d events %v", f, len(got), ids(got), len(want), ids(want))
			}
			rtx, _ := db.r.Begin()
			_, ok, err := indexedEventIDs(ctx, rtx, f)
			rtx.Rollback()
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				indexed++
			}
		}
		return indexed
	}
	if n := check(db); n < 100 {
		t.Fatalf("only %d of 300 pages read through the index", n)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	// An index lost (as if created before 0026) is rebuilt on open.
	if _, err := db.w.Exec(`DROP TABLE event_index; DELETE FROM schema_migrations WHERE name = '0026_event_index.sql'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if db, err = Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	if n := check(db); n < 100 {
		t.Fatalf("after the rebuild, only %d of 300 pages read through the index", n)
	}
}

func ids(evs []ledger.Event) []int64 {
	var out []int64
	for _, e := range evs {
		out = append(out, e.ID)
	}
	return out
}

// TestTamperEventIndex edits the event index with raw SQL; verify names the
// dimension and value.
func TestTamperEventIndex(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, sql, want string }{
		{"ids", `UPDATE event_index SET ids = x'0204' WHERE dim = 3 AND value = 'acme'`,
			`event index of customer "acme" disagrees with the events: it lists 2 event(s), 2 have that customer; first difference: it lists event 3 where the events give event 2`},
		{"row lost", `DELETE FROM event_index WHERE dim = 6 AND value = '2026-01-07'`,
			`event index of date "2026-01-07" disagrees with the events: it lists 0 event(s), 1 have that date; first difference: it lists none where the events give event 3`},
		{"value added", `INSERT INTO event_index VALUES (1, 'zz', 1, 1, 1, x'02')`,
			`event index of seller "zz" disagrees with the events: it lists 1 event(s), 0 have that seller; first difference: it lists event 1 where the events give none`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTestDB(t, nil)
			csv := "event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n" +
				"a,2026-01-05,s,c,acme,p,us,1,USD\nb,2026-01-06,s,c,acme,p,us,2,USD\nc,2026-01-07,s,c,beta,p,us,3,USD\n"
			importCSV(t, db, "t.csv", csv, usage.ImportOptions{})
			if _, err := db.w.Exec(tc.sql); err != nil {
				t.Fatal(err)
			}
			if _, err := db.VerifyReport(ctx); err == nil || err.Error() != tc.want {
				t.Fatalf("Verify = %v\nwant %s", err, tc.want)
			}
		})
	}
}
