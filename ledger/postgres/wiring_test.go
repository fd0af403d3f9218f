package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	cbooks "github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// What the command line needs of a book beyond the storage services: the
// data version, the read-only open, the lock wait, closes and keys.

// The data version changes after each kind of committed write, seen from
// another (read-only) connection, and not after a read nor a refused
// write.
func TestDataVersionChangesOnEveryWrite(t *testing.T) {
	needServer(t)
	url := schemaURL(t)
	db := openURL(t, url, storetest.NewClock(storetest.T0))
	ro, err := postgres.OpenReadOnly(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	ctx := context.Background()
	last, err := ro.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	step := func(what string, changes bool, write func() error) {
		t.Helper()
		werr := write()
		if changes && werr != nil {
			t.Fatalf("%s: %v", what, werr)
		}
		v, err := ro.DataVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if changes != (v != last) {
			t.Errorf("%s (error %v): data version %d -> %d, want a change: %v", what, werr, last, v, changes)
		}
		last = v
	}
	doc, err := os.ReadFile("../../testdata/runs/contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c := storetest.ParseContract(t, string(doc))
	step("post", true, func() error {
		_, err := db.Post(ctx, []ledger.Entry{storetest.Sale("s1", "2026-01-05", "10.00", "USD")})
		return err
	})
	step("trial balance (a read)", false, func() error { _, err := db.TrialBalance(ctx, ledger.BalanceQuery{}); return err })
	step("an unbalanced post (refused)", false, func() error {
		e := storetest.Sale("s2", "2026-01-06", "10.00", "USD")
		e.Postings[0].Amount = storetest.Dec("11.00")
		_, err := db.Post(ctx, []ledger.Entry{e})
		return err
	})
	step("usage import", true, func() error {
		_, err := db.ImportUsage(ctx, bytes.NewReader(usageFile(3, eventID)), usage.ImportOptions{FileName: "a.csv"})
		return err
	})
	step("usage import --dry-run", false, func() error {
		_, err := db.ImportUsage(ctx, bytes.NewReader(usageFile(4, eventID)), usage.ImportOptions{FileName: "a.csv", DryRun: true})
		return err
	})
	step("rates import", true, func() error {
		_, err := db.ImportRates(ctx, strings.NewReader("date,from,to,rate\n2026-01-01,EUR,USD,1.1\n"), usage.RateImportOptions{FileName: "r.csv"})
		return err
	})
	step("contract add", true, func() error { _, err := db.SaveContract(ctx, c, false); return err })
	var tok ledger.Token
	step("token create", true, func() error { tok, _, err = db.CreateToken(ctx, "t", "auditor"); return err })
	step("token revoke", true, func() error { return db.RevokeToken(ctx, tok.ID) })
	step("close", true, func() error { return db.ClosePeriods(ctx, storetest.D("2026-01-31")) })
	step("a close backwards (refused)", false, func() error { return db.ClosePeriods(ctx, storetest.D("2026-01-15")) })
}

// A read-only book reads and cannot write; a schema without revshare's
// tables is refused, naming the URL without its password.
func TestOpenReadOnly(t *testing.T) {
	needServer(t)
	ctx := context.Background()
	url := schemaURL(t)
	_, err := postgres.OpenReadOnly(ctx, url)
	if want := postgres.Redact(url) + " is not a revshare database (no revshare tables in its schema)"; ledger.ErrorMessage(err) != want {
		t.Errorf("read-only open of an empty schema: %v, want %q", err, want)
	}
	db := openURL(t, url, storetest.NewClock(storetest.T0))
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("s1", "2026-01-05", "10.00", "USD")}); err != nil {
		t.Fatal(err)
	}
	ro, err := postgres.OpenReadOnly(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if e, err := ro.EntryByKey(ctx, ledger.Key{Source: "test", ExternalID: "s1"}); err != nil || e.ID != 1 {
		t.Errorf("EntryByKey read-only: %+v %v", e, err)
	}
	_, err = ro.Post(ctx, []ledger.Entry{storetest.Sale("s2", "2026-01-06", "10.00", "USD")})
	var pe interface{ SQLState() string }
	if !errors.As(err, &pe) || pe.SQLState() != "25006" { // read_only_sql_transaction
		t.Errorf("a post through the read-only book: %v, want a read-only transaction error", err)
	}
	if _, _, err := ro.CreateToken(ctx, "x", "admin"); !errors.As(err, &pe) || pe.SQLState() != "25006" {
		t.Errorf("a token through the read-only book: %v", err)
	}
}

func TestUnreachableServerNamedWithoutPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, open := range []func(string) error{
		func(u string) error { _, err := postgres.Open(ctx, u, nil); return err },
		func(u string) error { _, err := postgres.OpenReadOnly(ctx, u); return err },
	} {
		err := open("postgres://alice:s3cret@127.0.0.1:1/books?sslmode=disable")
		if err == nil || strings.Contains(err.Error(), "s3cret") ||
			!strings.HasPrefix(err.Error(), "cannot reach PostgreSQL at postgres://alice:xxxxx@127.0.0.1:1/books?sslmode=disable: ") {
			t.Errorf("got %v", err)
		}
	}
}

func TestClosedDatesAndEntryByKey(t *testing.T) {
	needServer(t)
	ctx := context.Background()
	db := openDB(t, storetest.NewClock(storetest.T0))
	if ds, err := db.ClosedDates(ctx); err != nil || len(ds) != 0 {
		t.Errorf("no closes: %v %v", ds, err)
	}
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("s1", "2026-01-05", "10.00", "USD"), storetest.Sale("s2", "2026-02-05", "5.00", "USD")}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2026-01-31", "2026-02-28"} {
		if err := db.ClosePeriods(ctx, storetest.D(d)); err != nil {
			t.Fatal(err)
		}
	}
	if ds, err := db.ClosedDates(ctx); err != nil || len(ds) != 2 || ds[0] != storetest.D("2026-01-31") || ds[1] != storetest.D("2026-02-28") {
		t.Errorf("closes: %v %v", ds, err)
	}
	if e, err := db.EntryByKey(ctx, ledger.Key{Source: "test", ExternalID: "s2"}); err != nil || e.ID != 2 || e.Description != "sale s2" || !e.Postings[0].Amount.Equal(storetest.Dec("5.00")) {
		t.Errorf("EntryByKey s2: %+v %v", e, err)
	}
	if _, err := db.EntryByKey(ctx, ledger.Key{Source: "test", ExternalID: "s9"}); ledger.ErrorMessage(err) != "no entry with key test/s9" {
		t.Errorf("EntryByKey s9: %v", err)
	}
	if full, err := db.TablesWithRows(ctx); err != nil || strings.Join(full, ",") != "accounts,balance_marks,balance_spans,balance_totals,balance_versions,daily_totals,entries,fact_chain,fact_head,monthly_totals,period_closes,postings" {
		t.Errorf("TablesWithRows: %v %v", full, err)
	}
}

// A writer that finds the writer lock taken names the holder to onWait,
// waits, and gives up after the lock timeout naming it again; once the
// holder commits, a waiting writer goes on.
func TestLockWaitNamesHolder(t *testing.T) {
	needServer(t)
	ctx := context.Background()
	url := schemaURL(t)
	db := openURL(t, url, storetest.NewClock(storetest.T0))
	holder := connect(t, url)
	hold := func() pgx.Tx {
		tx, err := holder.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// What a revshare writer does first (DB.write).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1381389057, hashtext(current_schema())),
			set_config('application_name', 'revshare 42@h import: batch 7 (march.csv)', true)`); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	var pid int32
	if err := holder.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	tx := hold()
	var told []string
	db.SetLockTimeout(300*time.Millisecond, func(h string) { told = append(told, h) })
	_, err := db.Post(ctx, []ledger.Entry{storetest.Sale("s1", "2026-01-05", "10.00", "USD")})
	wantHolder := "another import is running: batch 7 (march.csv), started "
	msg := ledger.ErrorMessage(err)
	if ledger.ErrorCode(err) != ledger.EUNAVAILABLE || !strings.HasPrefix(msg, "the database is busy: "+wantHolder) ||
		!strings.HasSuffix(msg, " UTC (pid 42 on h, server pid "+strconv.Itoa(int(pid))+") (gave up after waiting 0s)") {
		t.Errorf("post while another writer holds the lock: %v", err)
	}
	if len(told) != 1 || !strings.HasPrefix(told[0], wantHolder) {
		t.Errorf("told %q", told)
	}
	if n, _ := db.TablesWithRows(ctx); len(n) != 0 {
		t.Errorf("the refused post wrote %v", n)
	}
	tx.Rollback(ctx)

	tx = hold()
	db.SetLockTimeout(time.Minute, nil)
	done := make(chan error)
	go func() {
		_, err := db.Post(ctx, []ledger.Entry{storetest.Sale("s1", "2026-01-05", "10.00", "USD")})
		done <- err
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the post did not wait for the lock: %v", err)
	default:
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("the post after the holder committed: %v", err)
	}
}

// A waiting writer is told what the holder does, in SQLite's words
// (ledger/sqlite TestBusyWriterSaysWhoHoldsTheLock): an import names its
// batch and file, a unit of work of the books its operation (a run, a
// close), a close through the journal its date.
func TestLockWaitNamesOperation(t *testing.T) {
	needServer(t)
	ctx := context.Background()
	url := schemaURL(t)
	holder := openURL(t, url, storetest.NewClock(storetest.T0))
	waiter := openURL(t, url, storetest.NewClock(storetest.T0))
	// what runs a write on holder that holds the lock until released; it
	// returns once the lock is held.
	hold := func(what func(held func()) error) (release func() error) {
		held, done := make(chan struct{}), make(chan error, 1)
		releaseC := make(chan struct{})
		go func() {
			done <- what(func() { close(held); <-releaseC })
		}()
		select {
		case <-held:
		case err := <-done:
			t.Fatalf("the holder ended before it held the lock: %v", err)
		}
		return func() error { close(releaseC); return <-done }
	}
	told := func() string {
		var got []string
		waiter.SetLockTimeout(200*time.Millisecond, func(h string) { got = append(got, h) })
		_, err := waiter.Post(ctx, []ledger.Entry{storetest.Sale("w", "2026-01-05", "1.00", "USD")})
		if ledger.ErrorCode(err) != ledger.EUNAVAILABLE || len(got) != 1 || ledger.ErrorMessage(err) != "the database is busy: "+got[0]+" (gave up after waiting 0s)" {
			t.Fatalf("post while held: %v, told %q", err, got)
		}
		return got[0]
	}
	for _, tc := range []struct {
		name string
		what func(held func()) error
		want string // before " started "
	}{
		{"import", func(held func()) error {
			_, err := holder.ImportUsage(ctx, strings.NewReader("event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-02,openai,api,10.00,USD\n"),
				usage.ImportOptions{FileName: "march.csv", Source: "billing", CrashPoint: func(p string) {
					if p == "before-commit" {
						held()
					}
				}})
			return err
		}, "another import is running: batch 1 (march.csv),"},
		{"run", func(held func()) error {
			return holder.Books().Update(ctx, cbooks.Activity{Op: "run", Detail: "through 2026-03"}, func(cbooks.Tx) error { held(); return nil })
		}, "another run is running: through 2026-03,"},
	} {
		release := hold(tc.what)
		got := told()
		if err := release(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := regexp.MustCompile("^" + regexp.QuoteMeta(tc.want) + ` started \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(pid ` + strconv.Itoa(os.Getpid()) + `, server pid \d+\)$`)
		if !want.MatchString(got) {
			t.Errorf("%s: told %q, want %s", tc.name, got, want)
		}
	}
}
