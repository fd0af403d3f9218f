package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// books is the same book on both backends, each with its own clock stopped
// at the same instant, so that equal work gives equal hashes.
type books struct {
	pg    *postgres.DB
	lite  *sqlite.DB
	clock *storetest.Clock
}

func openBooks(t *testing.T) *books {
	t.Helper()
	clock := storetest.NewClock(storetest.T0)
	return &books{pg: openDB(t, clock), lite: tempdb.Open(t, clock), clock: clock}
}

// imported is what one import did and left behind: its result, error and
// reported rows, then the whole book (batches, events, entries, balances).
type imported struct {
	Result   ledger.ImportResult
	Err      string
	Rejects  []string
	Batches  []ledger.ImportBatch
	Events   []ledger.Event
	Entries  []ledger.Entry
	Balances []ledger.Balance
}

// importUsage imports data as file into both books and returns what each did.
func (b *books) importUsage(t *testing.T, file string, data []byte, opts usage.ImportOptions) (pg, lite imported) {
	t.Helper()
	ctx := context.Background()
	onReject := func(out *imported) func(*usage.Row) error {
		return func(row *usage.Row) error {
			for _, e := range row.Errors {
				out.Rejects = append(out.Rejects, e.Error())
			}
			out.Rejects = append(out.Rejects, "record: "+strings.Join(row.Record, "|"))
			return nil
		}
	}
	opts.FileName = file
	opts.OnReject = onReject(&pg)
	res, err := b.pg.ImportUsage(ctx, bytes.NewReader(data), opts)
	pg.Result, pg.Err = res, errText(err)
	opts.OnReject = onReject(&lite)
	res, err = b.lite.ImportUsage(ctx, bytes.NewReader(data), opts)
	lite.Result, lite.Err = res, errText(err)
	pg.read(t, b.pg)
	lite.read(t, b.lite)
	return pg, lite
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf("%s: %s", ledger.ErrorCode(err), err)
}

type store interface {
	ledger.Journal
	ledger.EventStore
	ledger.ImportStore
}

func (out *imported) read(t *testing.T, s store) {
	t.Helper()
	ctx := context.Background()
	var err error
	if out.Batches, err = s.ImportBatches(ctx, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := s.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error {
		out.Events = append(out.Events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.EachEntry(ctx, ledger.EntryFilter{}, func(e *ledger.Entry) error {
		out.Entries = append(out.Entries, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if out.Balances, err = s.TrialBalance(ctx, ledger.BalanceQuery{}); err != nil {
		t.Fatal(err)
	}
}

// sameOnBoth fails t where the two backends differ.
func sameOnBoth(t *testing.T, pg, lite imported) {
	t.Helper()
	v1, v2 := reflect.ValueOf(pg), reflect.ValueOf(lite)
	for i := 0; i < v1.NumField(); i++ {
		// As JSON: decimals by value (a sum's scale may differ), times as
		// instants, pointers followed.
		a, _ := json.Marshal(v1.Field(i).Interface())
		b, _ := json.Marshal(v2.Field(i).Interface())
		if !bytes.Equal(a, b) {
			t.Errorf("%s differ:\npostgres %s\n  sqlite %s", v1.Type().Field(i).Name, a, b)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every sample file of the repository, good and bad, imports on PostgreSQL
// exactly as on SQLite: the same result, errors, reports and stored book
// (events, entries with their hashes, balances); and again, as duplicates.
func TestImportMatchesSQLite(t *testing.T) {
	needServer(t)
	good, _ := filepath.Glob("../../testdata/usage/good/*.csv")
	bad, _ := filepath.Glob("../../testdata/usage/bad/*.csv")
	good = append(good, "../../testdata/usage/good/excel-tab.txt", "../../testdata/deals/late/usage.csv")
	if len(good) < 6 || len(bad) < 40 {
		t.Fatalf("%d good and %d bad samples", len(good), len(bad))
	}
	for _, f := range append(good, bad...) {
		if strings.HasSuffix(f, ".setup.csv") {
			continue
		}
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			b := openBooks(t)
			var opts usage.ImportOptions
			if y := strings.TrimSuffix(f, filepath.Ext(f)) + ".yaml"; fileExists(y) {
				m, err := usage.ParseMapping(y, bytes.NewReader(readFile(t, y)))
				if err != nil {
					t.Fatal(err)
				}
				opts.Mapping, opts.Source = m, m.Source
			}
			if setup := strings.TrimSuffix(f, ".csv") + ".setup.csv"; fileExists(setup) {
				pg, lite := b.importUsage(t, "setup.csv", readFile(t, setup), usage.ImportOptions{})
				sameOnBoth(t, pg, lite)
			}
			data := readFile(t, f)
			pg, lite := b.importUsage(t, name, data, opts)
			sameOnBoth(t, pg, lite)
			if strings.Contains(f, "/bad/") && (pg.Err == "" || len(pg.Rejects) == 0 && !strings.Contains(pg.Err, name)) {
				t.Errorf("a bad sample imported: %+v", pg.Result)
			}
			// Again: every event a duplicate, or the same refusal.
			b.clock.Advance(1e9)
			pg, lite = b.importUsage(t, name, data, opts)
			sameOnBoth(t, pg, lite)
			// A dry run of it reports the same and writes nothing.
			opts.DryRun = true
			before := pg
			pg, lite = b.importUsage(t, name, data, opts)
			sameOnBoth(t, pg, lite)
			if !reflect.DeepEqual(pg.Events, before.Events) || !reflect.DeepEqual(pg.Batches, before.Batches) {
				t.Errorf("the dry run wrote")
			}
		})
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// usageFile is n rows of a usage CSV over 3 sellers, 2 channels and 30
// days, with row i's event_id "e<i>".
func usageFile(n int, id func(i int) string) []byte {
	var b bytes.Buffer
	b.WriteString("event_id,occurred_at,seller,channel,customer,product,region,quantity,unit_price,amount,currency,note\n")
	for i := 1; i <= n; i++ {
		q, price := i%4+1, decimal.New(int64(i%5000), -2)
		fmt.Fprintf(&b, "%s,2026-03-%02dT10:%02d:00Z,seller%d,ch%d,cust%d,prod%d,EU,%d,%s,%s,EUR,n%d\n",
			id(i), i%30+1, i%60, i%3, i%2, i%97, i%11, q, price.StringFixed(2), price.Mul(decimal.NewFromInt(int64(q))).StringFixed(2), i%5)
	}
	return b.Bytes()
}

func eventID(i int) string { return fmt.Sprintf("e%d", i) }

// A file of more rows than one COPY holds, whose rows repeat (the same
// event twice, and one event changed) across COPYs: PostgreSQL falls back
// to looking keys up and ends where SQLite does. Then the file with one
// more chunk of new rows: only they post.
func TestImportDuplicatesAcrossCopies(t *testing.T) {
	needServer(t)
	b := openBooks(t)
	const n = 25000
	data := usageFile(n, eventID)
	// Row 15000 repeats row 3, row 20000 changes row 4's amount.
	lines := strings.Split(string(data), "\n")
	lines[15000] = lines[3]
	lines[20000] = strings.Replace(lines[4], "cust4,", "cust5,", 1)
	pg, lite := b.importUsage(t, "dups.csv", []byte(strings.Join(lines, "\n")), usage.ImportOptions{})
	sameOnBoth(t, pg, lite)
	if pg.Err == "" || pg.Result.Rejected != 1 || pg.Result.Duplicates != 1 {
		t.Fatalf("import of a file with a conflict: %+v %s", pg.Result, pg.Err)
	}
	if want := `dups.csv:20001: column event_id: value "e4": conflicts with the version in line 5 of this file: customer "cust4" -> "cust5"`; pg.Rejects[0] != want {
		t.Errorf("reject %q, want %q", pg.Rejects[0], want)
	}
	if len(pg.Events) != 0 || len(pg.Entries) != 0 {
		t.Fatalf("a refused import left %d events and %d entries", len(pg.Events), len(pg.Entries))
	}

	lines[20000] = lines[20000-1] // the changed row out; row 20000 repeats row 19999
	data = []byte(strings.Join(lines, "\n"))
	pg, lite = b.importUsage(t, "dups.csv", data, usage.ImportOptions{})
	sameOnBoth(t, pg, lite)
	if want := (ledger.ImportResult{BatchID: 1, Rows: n, Posted: n - 2, Duplicates: 2, Entries: 30}); pg.Result != want {
		t.Fatalf("result %+v, want %+v", pg.Result, want)
	}
	// (Rows 15000 and 20000 of the first file repeated others: e15000 and
	// e20000 were never imported, and are not in this file either.)
	more := append(append([]byte{}, data...), usageFile(n+5000, eventID)[len(usageFile(n, eventID)):]...)
	pg, lite = b.importUsage(t, "more.csv", more, usage.ImportOptions{})
	sameOnBoth(t, pg, lite)
	if want := (ledger.ImportResult{BatchID: 2, Rows: n + 5000, Posted: 5000, Duplicates: n, Entries: 30}); pg.Result != want {
		t.Fatalf("result %+v, want %+v", pg.Result, want)
	}
}

// A partial import commits its good rows chunk by chunk and stores its bad
// rows with the header, as SQLite does; a late event (dated in a closed
// period) books on the first open day.
func TestImportPartialAndLate(t *testing.T) {
	needServer(t)
	b := openBooks(t)
	ctx := context.Background()
	for _, j := range []ledger.Journal{b.pg, b.lite} {
		if err := j.ClosePeriods(ctx, storetest.D("2026-03-10")); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(string(usageFile(120, eventID)), "\n")
	lines[7] = strings.Replace(lines[7], ",EUR,", ",EURO,", 1)
	lines[50] = strings.Replace(lines[50], "seller", "", 1)
	lines[99] = lines[98]
	data := []byte(strings.Join(lines, "\n"))
	sum := sha256.Sum256(data)
	opts := usage.ImportOptions{Source: "crm", AllowPartial: true, ChunkRows: 25, SHA256: hex.EncodeToString(sum[:])}
	pg, lite := b.importUsage(t, "partial.csv", data, opts)
	sameOnBoth(t, pg, lite)
	if pg.Err != "" || pg.Result.Rejected != 1 || pg.Result.Duplicates != 1 || pg.Result.Posted != 118 || pg.Result.Late == 0 {
		t.Fatalf("partial import: %+v %s %q", pg.Result, pg.Err, pg.Rejects)
	}
	if want := `partial.csv:8: column currency: value "EURO": unknown ISO 4217 currency`; !strings.HasPrefix(pg.Rejects[0], want) {
		t.Errorf("reject %q, want %q", pg.Rejects[0], want)
	}
	for _, s := range []store{b.pg, b.lite} {
		rj, err := s.ImportRejects(ctx, 1, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		cols, err := s.ImportRejectColumns(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(rj) != 1 || rj[0].Line != 8 || rj[0].Record[10] != "EURO" || len(cols) != 12 || cols[11] != "note" {
			t.Errorf("%T: rejects %+v, columns %q", s, rj, cols)
		}
		if _, err := s.ImportRejects(ctx, 7, 0, 0); ledger.ErrorMessage(err) != "import 7 not found" {
			t.Errorf("%T: rejects of an unknown batch: %v", s, err)
		}
	}
}

// The reads of events by filter give what SQLite's give.
func TestEventFiltersMatchSQLite(t *testing.T) {
	needServer(t)
	b := openBooks(t)
	b.importUsage(t, "a.csv", usageFile(300, eventID), usage.ImportOptions{Source: "crm"})
	ctx := context.Background()
	entry := func(s store) int64 {
		es, err := s.Events(ctx, ledger.EventFilter{EventID: "e77", Source: "crm"})
		if err != nil || len(es) != 1 {
			t.Fatalf("%T: e77: %v %v", s, es, err)
		}
		return es[0].EntryID
	}
	for _, f := range []ledger.EventFilter{
		{Seller: "seller1"}, {Channel: "ch0", Customer: "cust5"}, {Product: "prod3", Limit: 2},
		{From: storetest.D("2026-03-05"), To: storetest.D("2026-03-06")}, {Source: "crm", AfterID: 250},
		{Source: "other"}, {BatchID: 1, Limit: 7}, {BatchID: 2}, {EntryID: entry(b.pg)}, {Currency: "USD"}, {Region: "EU", Limit: 1},
	} {
		pg, err1 := b.pg.Events(ctx, f)
		lite, err2 := b.lite.Events(ctx, f)
		if err1 != nil || err2 != nil || len(pg)+len(lite) > 0 && !reflect.DeepEqual(pg, lite) {
			t.Errorf("filter %+v: postgres %d events (%v), sqlite %d (%v)", f, len(pg), err1, len(lite), err2)
		}
	}
	if entry(b.pg) != entry(b.lite) {
		t.Errorf("e77's entry differs")
	}
	es, err := b.pg.EventsByID(ctx, []int64{5, 3, 5})
	if err != nil || len(es) != 3 || es[0].EventID != "e5" || es[1].EventID != "e3" || es[2].ID != 5 {
		t.Errorf("EventsByID: %v %v", es, err)
	}
	if _, err := b.pg.EventsByID(ctx, []int64{4, 301}); ledger.ErrorMessage(err) != "event 301 not found" {
		t.Errorf("EventsByID of a missing event: %v", err)
	}
}

// The database refuses to change or delete an event, and to rewrite a
// completed batch.
func TestImportedFactsImmutable(t *testing.T) {
	needServer(t)
	db := openDB(t, storetest.NewClock(storetest.T0))
	ctx := context.Background()
	if _, err := db.ImportUsage(ctx, bytes.NewReader(usageFile(3, eventID)), usage.ImportOptions{FileName: "a.csv"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ sql, want string }{
		{`UPDATE events SET amount = 0`, "events are immutable: import a correcting event instead"},
		{`DELETE FROM events`, "events are immutable: import a correcting event instead"},
		{`TRUNCATE events`, "events are immutable: import a correcting event instead"},
		{`DELETE FROM import_groups`, "import groups are immutable"},
		{`DELETE FROM import_batches`, "import batches cannot be deleted"},
		{`UPDATE import_batches SET rows = 4, posted = 4`, "import batch 1: only a running batch's counters, hash and status may change"},
	} {
		_, err := db.Pool().Exec(ctx, c.sql)
		var pe interface{ SQLState() string }
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.sql, err, c.want)
		}
	}
}

// killURLEnv names, in TestImportKilled's child process, the book to
// import into.
const killURLEnv = "REVSHARE_TEST_KILL_URL"

// A process killed (SIGKILL) in the middle of an import leaves what it
// committed and nothing else: a default-mode import nothing at all, a
// partial import its committed chunks, which a re-run completes to the
// book a single import gives.
func TestImportKilled(t *testing.T) {
	if url, point := os.Getenv(killURLEnv), os.Getenv("REVSHARE_TEST_KILL_AT"); url != "" {
		killedImport(t, url, point) // the child: never returns
	}
	needServer(t)
	data := usageFile(300, eventID)
	sum := sha256.Sum256(data)
	partial := usage.ImportOptions{FileName: "k.csv", AllowPartial: true, ChunkRows: 100, SHA256: hex.EncodeToString(sum[:])}
	ctx := context.Background()
	for _, c := range []struct {
		point          string
		events, chunks int // committed
	}{
		{"before-commit", 0, 0},
		{"after-batch", 0, 0},
		{"before-chunk-commit-2", 100, 1},
		{"after-chunk-2", 200, 2},
	} {
		t.Run(c.point, func(t *testing.T) {
			url := schemaURL(t)
			cmd := exec.Command(os.Args[0], "-test.run", "^TestImportKilled$")
			cmd.Env = append(os.Environ(), killURLEnv+"="+url, "REVSHARE_TEST_KILL_AT="+c.point)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed: %v\n%s", err, out)
			}
			db := openURL(t, url, storetest.NewClock(storetest.T0))
			es, err := db.Events(ctx, ledger.EventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			batches, err := db.ImportBatches(ctx, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != c.events || c.point != "before-commit" && (len(batches) != 1 || batches[0].Status != "running") {
				t.Fatalf("after the kill: %d events, batches %+v", len(es), batches)
			}
			if c.point == "before-commit" {
				if len(batches) != 0 {
					t.Fatalf("a killed default-mode import left batches %+v", batches)
				}
				return
			}
			// The re-run completes the file: every event once, the book as
			// one import of it.
			res, err := db.ImportUsage(ctx, bytes.NewReader(data), partial)
			if err != nil || res.Posted != 300-c.events || res.Duplicates != c.events {
				t.Fatalf("re-run: %+v %v", res, err)
			}
			want := openDB(t, storetest.NewClock(storetest.T0))
			if _, err := want.ImportUsage(ctx, bytes.NewReader(data), partial); err != nil {
				t.Fatal(err)
			}
			got, _ := db.TrialBalance(ctx, ledger.BalanceQuery{})
			exp, _ := want.TrialBalance(ctx, ledger.BalanceQuery{})
			if a, b := fmt.Sprint(got), fmt.Sprint(exp); a != b || len(got) != 12 {
				t.Errorf("balances after the re-run:\n%s\nwant\n%s", a, b)
			}
			if _, err := db.Verify(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// killedImport imports the kill test's file into url and kills its own
// process at point.
func killedImport(t *testing.T, url, point string) {
	db, err := postgres.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	data := usageFile(300, eventID)
	sum := sha256.Sum256(data)
	opts := usage.ImportOptions{FileName: "k.csv", ChunkRows: 100, CrashPoint: func(name string) {
		if name == point {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}}
	if point != "before-commit" {
		opts.AllowPartial, opts.SHA256 = true, hex.EncodeToString(sum[:])
	}
	db.ImportUsage(context.Background(), bytes.NewReader(data), opts)
	t.Fatalf("not killed at %s", point)
}

// Verify finds imported events changed or removed by someone who switches
// the triggers off (a superuser, session_replication_role = replica).
func TestVerifyFindsChangedEvents(t *testing.T) {
	needServer(t)
	ctx := context.Background()
	for _, c := range []struct{ name, sql, want string }{
		{"changed amount", `UPDATE events SET amount = amount + 1 WHERE id = 2`,
			`verify: event 2 (default "e2"): its content does not match its digest: the event was changed`},
		{"changed group count", `UPDATE import_groups SET events = events + 1 WHERE group_no = 1`,
			`verify: import batch 1 group 1: its events do not add up to entry 1`},
		{"removed event", `DELETE FROM events WHERE id = 3`,
			`verify: import batch 1 group 3: its events do not add up to entry 3`},
		{"removed group", `DELETE FROM import_groups WHERE group_no = 2`,
			`verify: event 2 (default "e2"): its import group has no entry`},
	} {
		t.Run(c.name, func(t *testing.T) {
			url := schemaURL(t)
			db := openURL(t, url, storetest.NewClock(storetest.T0))
			if _, err := db.ImportUsage(ctx, bytes.NewReader(usageFile(4, eventID)), usage.ImportOptions{FileName: "v.csv"}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Verify(ctx); err != nil {
				t.Fatalf("before: %v", err)
			}
			tamper(t, url, c.sql)
			if _, err := db.Verify(ctx); ledger.ErrorMessage(err) != c.want {
				t.Errorf("verify: %v\nwant %s", err, c.want)
			}
		})
	}
}
