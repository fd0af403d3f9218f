package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// TestOpenNewBook: a book that OpenNewBook builds is written with a
// rollback journal and no syncs, undoes a refused import and keeps the
// chunks of a partial one as a WAL book does, and is in WAL mode after
// Close, with nothing beside it and the same rows as the book Open builds
// from the same imports.
func TestOpenNewBook(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var good strings.Builder
	if err := storetest.WritePerEventCSV(&good, 10, 100); err != nil { // 2,000 events, many statements
		t.Fatal(err)
	}
	refused := good.String() + "bad-1,2023-04-11,seller001,ch0,cust-1,prod-1,r1,12.3.4,USD\n"
	partial := strings.ReplaceAll(good.String(), "\ne", "\np") + "bad-2,2023-04-11,seller001,ch0,cust-1,prod-1,r1,12.3.4,USD\n"
	sum := sha256.Sum256([]byte(partial))
	build := func(db *DB) string {
		t.Helper()
		if _, err := db.ImportUsage(ctx, strings.NewReader(refused), usage.ImportOptions{FileName: "refused.csv"}); err == nil {
			t.Fatal("refused.csv was imported")
		}
		var events int
		if err := db.r.QueryRow(`SELECT count(*) FROM events`).Scan(&events); err != nil || events != 0 {
			t.Fatalf("after the refused import: %d events, %v", events, err)
		}
		res, err := db.ImportUsage(ctx, strings.NewReader(good.String()), usage.ImportOptions{FileName: "good.csv"})
		if err != nil || res.Posted != 2000 {
			t.Fatalf("good.csv: %+v, %v", res, err)
		}
		res, err = db.ImportUsage(ctx, strings.NewReader(partial), usage.ImportOptions{FileName: "partial.csv",
			AllowPartial: true, ChunkRows: 700, SHA256: hex.EncodeToString(sum[:]), OnReject: func(*usage.Row) error { return nil }})
		if err != nil || res.Posted != 2000 || res.Rejected != 1 {
			t.Fatalf("partial.csv: %+v, %v", res, err)
		}
		return dbDigest(t, db.r)
	}
	clock := fixedClock{storetest.T0}

	for _, d := range []string{"wal", "new"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	walBook, err := Open(ctx, filepath.Join(dir, "wal", "book.db"), clock)
	if err != nil {
		t.Fatal(err)
	}
	want := build(walBook)
	walBook.Close()

	path := filepath.Join(dir, "new", "book.db")
	db, err := OpenNewBook(ctx, path, clock)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	var synchronous int
	if err := db.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("journal mode while building %q (%v), want delete", mode, err)
	}
	if err := db.w.QueryRow(`PRAGMA synchronous`).Scan(&synchronous); err != nil || synchronous != 0 {
		t.Errorf("synchronous while building %d (%v), want 0 (OFF)", synchronous, err)
	}
	if got := build(db); got != want {
		t.Errorf("the new book's rows differ from the WAL book's")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	header := make([]byte, 20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	f.ReadAt(header, 0)
	f.Close()
	if header[18] != 2 || header[19] != 2 {
		t.Errorf("file format versions %d/%d after Close, want 2/2 (WAL)", header[18], header[19])
	}
	if names := dirNames(t, filepath.Dir(path)); strings.Join(names, " ") != "book.db" {
		t.Errorf("beside the new book after Close: %q, want only book.db", names)
	}

	again, err := Open(ctx, path, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if err := again.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal mode when opened again %q (%v), want wal", mode, err)
	}
	if res, err := again.Verify(ctx); err != nil || res.Entries != 4000 {
		t.Errorf("verify: %+v, %v", res, err)
	}

	if _, err := OpenNewBook(ctx, path, clock); err == nil || ledger.ErrorCode(err) != ledger.ECONFLICT ||
		err.Error() != "cannot build a new book at "+path+": something is there already" {
		t.Errorf("OpenNewBook where a book is: %v", err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
