package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
)

// holdLock opens a second handle on db's file (as another process would)
// and holds its write lock as an import of batch 12 until release is
// closed; it returns when the lock is held.
func holdLock(t *testing.T, db *sqlite.DB, release chan struct{}) chan error {
	t.Helper()
	other, err := sqlite.Open(context.Background(), db.Path(), storetest.NewClock(storetest.T0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	held, done := make(chan struct{}), make(chan error, 1)
	go func() {
		ctx := other.WithActivity(context.Background(), "import", "batch 12 (march.csv)")
		done <- other.WithTx(ctx, func(tx *sqlite.Tx) error {
			close(held)
			<-release
			_, err := tx.PostEntries([]ledger.Entry{storetest.Sale("held", "2026-02-01", "1", "USD")})
			return err
		})
	}()
	<-held
	return done
}

// TestBusyWriterSaysWhoHoldsTheLock: a writer behind another one waits up
// to its lock timeout and then fails with EUNAVAILABLE naming the holder;
// before, it failed after 10 s with "begin: database is locked".
func TestBusyWriterSaysWhoHoldsTheLock(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	release := make(chan struct{})
	done := holdLock(t, db, release)
	var told []string
	db.SetLockTimeout(1200*time.Millisecond, func(h string) { told = append(told, h) })
	start := time.Now()
	_, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-02-01", "1", "USD")})
	holder := fmt.Sprintf("another import is running: batch 12 (march.csv), started %s (pid %d)", storetest.T0.UTC().Format("2006-01-02 15:04:05 UTC"), os.Getpid())
	if ledger.ErrorCode(err) != ledger.EUNAVAILABLE || !strings.HasPrefix(err.Error(), "the database is busy: "+holder+" (gave up after waiting ") {
		t.Errorf("busy Post: %v\nwant the database is busy: %s (gave up after waiting ...)", err, holder)
	}
	if waited := time.Since(start); waited < time.Second {
		t.Errorf("gave up after %s, want the 1.2 s lock timeout", waited)
	}
	if len(told) != 1 || told[0] != holder {
		t.Errorf("onWait told %q, want [%q]", told, holder)
	}
	// A writer with time to wait queues behind the holder and then posts.
	db.SetLockTimeout(time.Minute, nil)
	go func() { time.Sleep(700 * time.Millisecond); close(release) }()
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("2", "2026-02-01", "1", "USD")}); err != nil {
		t.Fatalf("queued Post: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	res, err := db.VerifyReport(ctx)
	if err != nil || res.Entries != 2 {
		t.Errorf("VerifyReport = %+v, %v (want the holder's entry, then the queued one)", res, err)
	}
	if _, err := os.Stat(db.Path() + "-writer"); !os.IsNotExist(err) {
		t.Errorf("holder file left behind: %v", err)
	}
}

// TestStaleHolderFileIgnored: a holder file left by a killed process (its
// pid is gone) does not name a holder.
func TestStaleHolderFileIgnored(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	host, _ := os.Hostname()
	stale := fmt.Sprintf(`{"op":"run","detail":"through 2026-03","since":"2026-04-02T10:00:00Z","pid":2147483646,"host":%q}`, host)
	if err := os.WriteFile(db.Path()+"-writer", []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	// Nothing holds the lock: the write goes through and clears the file.
	if _, err := db.Post(context.Background(), []ledger.Entry{storetest.Sale("1", "2026-02-01", "1", "USD")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.Path() + "-writer"); !os.IsNotExist(err) {
		t.Errorf("stale holder file left behind: %v", err)
	}
}
