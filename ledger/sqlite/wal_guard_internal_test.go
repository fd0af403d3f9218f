//go:build unix

package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestWALInUse: walInUse sees another process's connection to a book (its
// read lock on the -shm file's dead man switch byte), and no longer once
// that process has gone, leaving its -wal behind as a killed writer does.
// A writer checks the book with a -wal only in the second case.
func TestWALInUse(t *testing.T) {
	if path := os.Getenv("REVSHARE_TEST_HOLD_WAL"); path != "" {
		holdWAL(path)
		return
	}
	path := filepath.Join(t.TempDir(), "book.db")
	db, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if db.checkedAtOpen {
		t.Errorf("a new book: checkedAtOpen, want its writes checked as usual")
	}
	db.Close()
	if walInUse(path) {
		t.Fatalf("walInUse with no -shm file")
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestWALInUse$")
	cmd.Env = append(os.Environ(), "REVSHARE_TEST_HOLD_WAL="+path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "holding\n" {
		cmd.Process.Kill()
		t.Fatalf("helper: %q %v", line, err)
	}
	if !walInUse(path) || !hasWAL(path) {
		t.Errorf("walInUse = %v, hasWAL = %v while another process holds the book, want both true", walInUse(path), hasWAL(path))
	}
	cmd.Process.Kill() // as kill -9: the -wal stays
	cmd.Wait()
	stdin.Close()
	if walInUse(path) || !hasWAL(path) {
		t.Errorf("walInUse = %v, hasWAL = %v after the holder was killed, want false and true", walInUse(path), hasWAL(path))
	}
	// The -wal is the book's own: a writer checks it, finds it sound and
	// opens the book, the killed process's commit in it.
	db, err = Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("Open beside the book's own -wal: %v", err)
	}
	var n int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM event_sources WHERE name = 'held'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("the killed process's commit: %d rows, %v; want 1", n, err)
	}
	// That check stands for the one before the first write: the file is
	// read once after a crash, not twice.
	if !db.checkedAtOpen {
		t.Errorf("checkedAtOpen false after Open checked the book with its -wal")
	}
	db.StartQuickCheck(context.Background())
	if db.check != nil {
		t.Errorf("StartQuickCheck began a second whole-file check after Open's")
	}
	db.Close()
}

// holdWAL commits to the book at path without a checkpoint, says so on
// stdout and waits to be killed.
func holdWAL(path string) {
	sdb, err := sql.Open(driverName, "file:"+path+"?_journal_mode=WAL")
	if err != nil {
		os.Exit(2)
	}
	sdb.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA wal_autocheckpoint = 0`, `INSERT INTO event_sources (name) VALUES ('held')`} {
		if _, err := sdb.Exec(q); err != nil {
			os.Exit(3)
		}
	}
	os.Stdout.WriteString("holding\n")
	bufio.NewReader(os.Stdin).ReadString('\n')
	os.Exit(0)
}
