package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestOpenRefusesWhatIsNotARevshareDatabase: a missing, empty, foreign or
// non-SQLite file gets an error saying which; before, OpenReadOnly said
// "unable to open database file" and Open migrated whatever it was given.
func TestOpenRefusesWhatIsNotARevshareDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	os.WriteFile(p("empty.db"), nil, 0o644)
	os.WriteFile(p("text.db"), []byte(strings.Repeat("not a database\n", 100)), 0o644)
	os.Mkdir(p("dir.db"), 0o755)
	if err := syscall.Mkfifo(p("fifo.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	foreign, err := sql.Open("sqlite3", p("foreign.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := foreign.Exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)`); err != nil {
		t.Fatal(err)
	}
	foreign.Close()
	const emptyCure = " is an empty file (0 bytes), not a revshare book: if it held your book, restore it from a backup; to start a new book there, remove the file and run the command again"
	for _, tc := range []struct {
		name, ro, rw string
	}{
		{"missing.db", "no database at " + p("missing.db"), ""},
		{"empty.db", p("empty.db") + emptyCure, p("empty.db") + emptyCure},
		{"dir.db", p("dir.db") + " is a directory, not a database", p("dir.db") + " is a directory, not a database"},
		{"fifo.db", p("fifo.db") + " is not a regular file (a named pipe, a device or a socket), not a database",
			p("fifo.db") + " is not a regular file (a named pipe, a device or a socket), not a database"},
		{"text.db", p("text.db") + " is not an SQLite database (file is not a database)", p("text.db") + " is not an SQLite database (file is not a database)"},
		{"foreign.db", p("foreign.db") + " is not a revshare database (an SQLite file without revshare's tables)",
			p("foreign.db") + " is an SQLite database but not revshare's (it has 1 tables and no schema_migrations): refusing to add revshare's tables to it"},
	} {
		_, err := sqlite.OpenReadOnly(ctx, p(tc.name))
		if err == nil || err.Error() != tc.ro {
			t.Errorf("OpenReadOnly %s: %v\nwant %s", tc.name, err, tc.ro)
		}
		if tc.rw == "" {
			continue
		}
		db, err := sqlite.Open(ctx, p(tc.name), nil)
		if err == nil {
			db.Close()
		}
		if err == nil || err.Error() != tc.rw {
			t.Errorf("Open %s: %v\nwant %s", tc.name, err, tc.rw)
		}
	}
	if _, err := os.Stat(p("missing.db")); !os.IsNotExist(err) {
		t.Errorf("OpenReadOnly created missing.db: %v", err)
	}
}

// TestOpenOnReadOnlyDirectory: a database in a directory this process may
// not write is read (as immutable) and refuses writers with a reason;
// before, both said "unable to open database file".
func TestOpenOnReadOnlyDirectory(t *testing.T) {
	if os.Getuid() == 0 {
		// Root writes anywhere: run this test again as nobody.
		asNobody(t, "TestOpenOnReadOnlyDirectory")
		return
	}
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "ro")
	os.Mkdir(dir, 0o755)
	path := filepath.Join(dir, "r.db")
	db, err := sqlite.Open(ctx, path, storetest.NewClock(storetest.T0))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale("1", "2026-02-01", "1", "USD")}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	ro, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("OpenReadOnly on a read-only directory: %v", err)
	}
	if n, err := ro.VerifyReport(ctx); err != nil || n.Entries != 1 {
		t.Errorf("VerifyReport = %+v, %v", n, err)
	}
	ro.Close()
	os.Chmod(path, 0o444)
	_, err = sqlite.Open(ctx, path, nil)
	if want := "the file is not writable by this user"; err == nil || !strings.Contains(err.Error(), want) || ledger.ErrorCode(err) != ledger.EFORBIDDEN {
		t.Errorf("Open read-only file: %v, want ...%s", err, want)
	}
}

// TestOpenReadOnlyFileInWritableDirectory: a database file this process
// may not write, in a directory it may write, is refused by Open with the
// reason. SQLite opened it read-only without a word (it could make the
// -wal and -shm files), and the first write failed with "attempt to write
// a readonly database" (import, run) or "the database is open read-only"
// (token create), naming neither the file nor the cure.
func TestOpenReadOnlyFileInWritableDirectory(t *testing.T) {
	if os.Getuid() == 0 {
		asNobody(t, "TestOpenReadOnlyFileInWritableDirectory")
		return
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "r.db")
	db, err := sqlite.Open(ctx, path, storetest.NewClock(storetest.T0))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	os.Chmod(path, 0o444)
	_, err = sqlite.Open(ctx, path, nil)
	want := "the database " + path + " is read-only (the file is not writable by this user (read-only commands such as balance and verify still work)): commands that write need write access to it and its directory"
	if err == nil || err.Error() != want || ledger.ErrorCode(err) != ledger.EFORBIDDEN {
		t.Errorf("Open read-only file: %v, want %s", err, want)
	}
	ro, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	ro.Close()
}

// asNobody runs the named test of this test binary as user nobody (uid
// 65534) with setpriv, and fails if it fails; it skips when that cannot be
// done (no setpriv).
func asNobody(t *testing.T, name string) {
	t.Helper()
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("running as root without setpriv: cannot test as another user")
	}
	dir, err := os.MkdirTemp("", "revshare-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "sqlite.test")
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-test.run", "^"+name+"$", "-test.v")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: "+name) {
		t.Fatalf("%s as nobody: %v\n%s", name, err, out)
	}
}

// TestOpenReadOnlyInterruptedCreation: a writer killed while it created a
// book leaves an SQLite file without tables, or with the first migrations
// only. Read-only commands said it was "not a revshare database" or to
// "open it read-write once"; they now say what happened and what to run.
func TestOpenReadOnlyInterruptedCreation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	raw, err := sql.Open("sqlite3", "file:"+empty+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`PRAGMA user_version = 0`); err != nil { // the file's header, no table
		t.Fatal(err)
	}
	raw.Close()
	_, err = sqlite.OpenReadOnly(ctx, empty)
	if want := empty + " has no tables yet (an empty SQLite database, or one whose creation was interrupted): a command that writes, such as import or contract add, creates revshare's tables in it"; err == nil || err.Error() != want {
		t.Errorf("OpenReadOnly of a book without tables: %v\nwant %s", err, want)
	}
	half := filepath.Join(dir, "half.db")
	db, err := sqlite.Open(ctx, half, nil)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	last := forgetLastMigration(t, half)
	_, err = sqlite.OpenReadOnly(ctx, half)
	if want := "open " + half + " read-only: migration " + last + " not applied (the book was made by an older revshare, or its creation was interrupted): a command that writes applies it"; err == nil || err.Error() != want {
		t.Errorf("OpenReadOnly of a book with a migration missing: %v\nwant %s", err, want)
	}
}
