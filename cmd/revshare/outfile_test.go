package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestWriteFileAtomicallyKeepsSpecialFiles: a regular file or a new path
// is replaced atomically; a symlink is followed (it stays a link); a named
// pipe and a device are written through and stay what they were. Before,
// every path was replaced by a renamed temporary file.
func TestWriteFileAtomicallyKeepsSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(w io.Writer) error { _, err := io.WriteString(w, "journal\n"); return err }
	p := func(n string) string { return filepath.Join(dir, n) }

	// New and regular files: the content, a regular file.
	os.WriteFile(p("old.journal"), []byte("old content that is longer\n"), 0o600)
	for _, n := range []string{"new.journal", "old.journal"} {
		if err := writeFileAtomically(p(n), write); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p(n)); string(b) != "journal\n" {
			t.Errorf("%s: %q", n, b)
		}
	}
	// A symlink: the target is written, the link stays.
	os.WriteFile(p("target.journal"), []byte("x"), 0o644)
	os.Symlink("target.journal", p("link.journal"))
	os.Symlink("made-by-export.journal", p("dangling.journal"))
	for _, n := range []string{"link.journal", "dangling.journal"} {
		if err := writeFileAtomically(p(n), write); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat(p(n)); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("%s is no longer a symlink: %v %v", n, fi.Mode(), err)
		}
	}
	for _, n := range []string{"target.journal", "made-by-export.journal"} {
		if b, _ := os.ReadFile(p(n)); string(b) != "journal\n" {
			t.Errorf("%s: %q", n, b)
		}
	}
	// A named pipe: written through to its reader.
	if err := syscall.Mkfifo(p("pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan string)
	go func() {
		f, err := os.Open(p("pipe"))
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- string(b)
	}()
	if err := writeFileAtomically(p("pipe"), write); err != nil {
		t.Fatal(err)
	}
	if s := <-got; s != "journal\n" {
		t.Errorf("pipe read %q", s)
	}
	if fi, _ := os.Lstat(p("pipe")); fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the pipe was replaced: %v", fi.Mode())
	}
	// A device: a null device of our own (never the system's /dev/null,
	// which a regression here would replace).
	if err := syscall.Mknod(p("null"), syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Logf("no device test (mknod: %v)", err)
	} else {
		if err := writeFileAtomically(p("null"), write); err != nil {
			t.Fatal(err)
		}
		if fi, _ := os.Lstat(p("null")); fi.Mode()&os.ModeCharDevice == 0 {
			t.Errorf("the device was replaced: %v", fi.Mode())
		}
	}
	// A directory is an error; no temporary files are left anywhere.
	os.Mkdir(p("dir"), 0o755)
	if err := writeFileAtomically(p("dir"), write); err == nil || !strings.HasSuffix(err.Error(), "is a directory") {
		t.Errorf("directory: %v", err)
	}
	// A missing directory is named, not the temporary file inside it.
	missing := filepath.Join(dir, "missing", "x.journal")
	want := "cannot write " + missing + ": no directory " + filepath.Join(dir, "missing")
	if err := writeFileAtomically(missing, write); err == nil || err.Error() != want {
		t.Errorf("missing directory: %v, want %s", err, want)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// TestStatementOutputFile: statement -o FILE writes what it prints without
// -o, and prints nothing; a missing directory is named.
func TestStatementOutputFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "s.db")
	addRunsFixture(t, db)
	want := cli(t, db, "statement", "small", "2026-02", "--format", "html")
	out := filepath.Join(dir, "feb.html")
	if got := cli(t, db, "statement", "small", "2026-02", "--format", "html", "-o", out); got != "" {
		t.Errorf("statement -o printed %q", got)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != want {
		t.Errorf("statement -o wrote %d bytes (%v), want the %d it prints", len(b), err, len(want))
	}
	missing := filepath.Join(dir, "no", "feb.html")
	_, errOut, err := runCLI(t, "--db", db, "statement", "small", "2026-02", "-o", missing)
	if want := "revshare: cannot write " + missing + ": no directory " + filepath.Dir(missing) + "\n"; err == nil || errOut != want {
		t.Errorf("statement -o into a missing directory: %q\nwant %q", errOut, want)
	}
}

// TestOutputNeverReplacesTheDatabase: -o naming the database (or a link to
// it) is refused before anything is written, and the book still verifies.
// Before, export -o book.db renamed the journal over the book: the whole
// database was lost ("book.db is not an SQLite database").
func TestOutputNeverReplacesTheDatabase(t *testing.T) {
	inRunsContractDir(t)
	if _, stderr, err := runCLI(t, "--db", "book.db", "contract", "add", "c.yaml"); err != nil {
		t.Fatal(stderr)
	}
	os.Symlink("book.db", "link.db")
	wantRefusedOnBook(t, []refusal{
		{[]string{"export", "hledger", "-o", "book.db"},
			"revshare: -o book.db is the database (book.db): writing there would destroy the book; choose another file (nothing written)\n"},
		{[]string{"export", "beancount", "-o", "link.db"},
			"revshare: -o link.db is the database (book.db): writing there would destroy the book; choose another file (nothing written)\n"},
		{[]string{"statement", "small", "2026-01", "-o", "book.db"},
			"revshare: -o book.db is the database (book.db): writing there would destroy the book; choose another file (nothing written)\n"},
	})
	if _, stderr, err := runCLI(t, "--db", "book.db", "verify"); err != nil {
		t.Errorf("verify: %s", stderr)
	}
}

// TestOutputNeverTakesTheBooksFiles: -o book.db-wal (or -shm) of a book
// closed cleanly, where no such file exists, wrote the export there; the
// next writer took it for the book's -wal and overwrote it, the export
// lost. --rejects book.db before the book existed made an empty file that
// the import then opened as its book. Both are refused by name, nothing
// written, the book as it was.
func TestOutputNeverTakesTheBooksFiles(t *testing.T) {
	inRunsContractDir(t)
	os.WriteFile("bad.csv", []byte("event_id,occurred_at,seller,channel,product,amount,currency\ne1,2026-01-05,acme,web,p,1e400,USD\n"), 0o644)
	_, stderr, err := runCLI(t, "--db", "new.db", "import", "usage", "--allow-partial", "--rejects", "./new.db", "bad.csv")
	if want := "revshare: --rejects ./new.db is the database (new.db): writing there would destroy the book; choose another file (nothing imported)\n"; err == nil || stderr != want {
		t.Errorf("--rejects the book to be: %v %q, want %q", err, stderr, want)
	}
	if _, err := os.Stat("new.db"); !os.IsNotExist(err) {
		t.Errorf("new.db was made: %v", err)
	}
	if _, stderr, err := runCLI(t, "--db", "book.db", "contract", "add", "c.yaml"); err != nil {
		t.Fatal(stderr)
	}
	wantRefusedOnBook(t, []refusal{
		{[]string{"export", "hledger", "-o", "book.db-wal"},
			"revshare: -o book.db-wal is the database (book.db-wal): writing there would destroy the book; choose another file (nothing written)\n"},
		{[]string{"statement", "small", "2026-01", "-o", "book.db-shm"},
			"revshare: -o book.db-shm is the database (book.db-shm): writing there would destroy the book; choose another file (nothing written)\n"},
	})
	for _, f := range []string{"book.db-wal", "book.db-shm"} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s was written: %v", f, err)
		}
	}
}

// refusal is a command and the exact error it must print.
type refusal struct {
	args []string
	want string
}

// wantRefusedOnBook runs each command on book.db (in the working
// directory), wants it refused with its exact words (wantRefused), and
// book.db byte for byte as before.
func wantRefusedOnBook(t *testing.T, cases []refusal) {
	t.Helper()
	before := mustRead(t, "book.db")
	for _, c := range cases {
		wantRefused(t, c.want, append([]string{"--db", "book.db"}, c.args...)...)
	}
	if after := mustRead(t, "book.db"); string(after) != string(before) {
		t.Errorf("book.db changed")
	}
}

// TestEmptyFlagValuesRefused: an empty flag value (a script's unset
// variable) is refused before anything runs. -o "" printed to standard
// output and exited 0; --as-of "" answered for today, --source "" imported
// under the default source (the file's events again), --addr "" listened
// on every interface. The book is neither created nor changed.
func TestEmptyFlagValuesRefused(t *testing.T) {
	db := closedRunsBook(t, newSQLite, "2026-01")
	before := mustRead(t, db)
	missing := filepath.Join(t.TempDir(), "none.db")
	for _, tc := range []struct {
		db   string
		args []string
		flag string
		want string
	}{
		{db, []string{"statement", "small", "2026-01", "-o", ""}, "-o, --output", "want a file path, or - for standard output"},
		{db, []string{"export", "hledger", "--output="}, "-o, --output", "want a file path, or - for standard output"},
		{db, []string{"scenario", "x.yaml", "-o", ""}, "-o, --output", "want a file path, or - for standard output"},
		{db, []string{"balance", "--as-of", ""}, "--as-of", "want a date YYYY-MM-DD or a period"},
		{db, []string{"balance", "--known-at="}, "--known-at", "want a timestamp (RFC 3339) or a date"},
		{db, []string{"export", "ledger", "--from", "", "--to", "2026-01-31"}, "--from", "want a date YYYY-MM-DD"},
		{db, []string{"export", "ledger", "--to="}, "--to", "want a date YYYY-MM-DD"},
		{db, []string{"export", "ledger", "--known-at", ""}, "--known-at", "want a timestamp (RFC 3339) or a date"},
		{missing, []string{"import", "usage", "usage.csv", "--source", ""}, "--source", "want a source name"},
		{missing, []string{"import", "usage", "usage.csv", "--mapping="}, "--mapping", "want a mapping file path"},
		{missing, []string{"import", "usage", "usage.csv", "--allow-partial", "--rejects", ""}, "--rejects", "want a file path"},
		{missing, []string{"serve", "--addr", ""}, "--addr", "want host:port (an empty address listens on every interface)"},
		{missing, []string{"demo", "--addr="}, "--addr", "want host:port (an empty address listens on every interface)"},
	} {
		command := tc.args[0]
		if command == "import" {
			command = "import usage"
		}
		want := fmt.Sprintf("revshare: invalid argument \"\" for %q flag: %s (see revshare %s --help)\n", tc.flag, tc.want, command)
		wantRefused(t, want, append([]string{"--db", tc.db}, tc.args...)...)
	}
	if !bytes.Equal(mustRead(t, db), before) {
		t.Error("the book changed")
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused command created %s (stat: %v)", missing, err)
	}
}
