package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeCommands are the commands that open the book read-write, with
// arguments that would write to a new book.
var writeCommands = [][]string{
	{"contract", "add", "../../testdata/runs/contract.yaml"},
	{"contract", "update", "../../testdata/runs/contract.yaml"},
	{"import", "usage", "../../testdata/runs/usage.csv"},
	{"import", "rates", "../../testdata/contracts/cases/fx/rates.csv"},
	{"run", "--through", "2026-02"},
	{"close", "2026-01"},
	{"pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10"},
	{"token", "create", "--role", "auditor"},
	{"migrate"},
}

// TestWritersRefuseEmptyFile: a book truncated to zero bytes was refused by
// the readers but made a new empty book by every command that writes
// (contract add then said "contract small version 1" into a book that had
// lost everything), and SQLite deleted a -wal beside it. Every writer now
// refuses it with the cure, and the file and the -wal stay as they were.
// A missing path is still created by the first write (the first hour's
// contract add and import usage).
func TestWritersRefuseEmptyFile(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "book.db")
	wal := []byte("the -wal of the book that was truncated")
	want := "revshare: " + empty + " is an empty file (0 bytes), not a revshare book: if it held your book, restore it from a backup; " +
		"to start a new book there, remove the file and run the command again\n"
	for _, args := range append(writeCommands, []string{"balance"}, []string{"verify"}) {
		os.WriteFile(empty, nil, 0o644)
		os.WriteFile(empty+"-wal", wal, 0o644)
		_, errOut, err := runCLI(t, append([]string{"--db", empty}, args...)...)
		if err == nil || errOut != want {
			t.Errorf("%v on an empty file: %v\n%q\nwant %q", args, err, errOut, want)
		}
		if fi, err := os.Stat(empty); err != nil || fi.Size() != 0 {
			t.Fatalf("%v wrote to the empty file: %v", args, err)
		}
		if after, err := os.ReadFile(empty + "-wal"); err != nil || !bytes.Equal(after, wal) {
			t.Fatalf("%v changed or removed the -wal beside the empty file: %v", args, err)
		}
	}
	// The first hour: contract add and import usage onto a path that does
	// not exist create the book.
	fresh := filepath.Join(dir, "new", "..", "fresh.db")
	if out := cli(t, fresh, "contract", "add", "../../testdata/runs/contract.yaml"); out != "contract small version 1\n" {
		t.Errorf("contract add into a new book: %q", out)
	}
	fresh2 := filepath.Join(dir, "fresh2.db")
	if out := cli(t, fresh2, "import", "usage", "../../testdata/runs/usage.csv"); !strings.Contains(out, "4 rows, 4 posted") {
		t.Errorf("import usage into a new book: %q", out)
	}
}

// TestWritersRefuseWhatIsNotABook: a directory said SQLite's "unable to
// open database file: is a directory" to a writer; it now says what the
// readers say. A file that is not SQLite, and a path in a missing
// directory, were refused already (kept here for every writer); neither is
// changed or created.
func TestWritersRefuseWhatIsNotABook(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text.db")
	content := []byte(strings.Repeat("not a database\n", 100))
	os.WriteFile(text, content, 0o644)
	sub := filepath.Join(dir, "dir.db")
	os.Mkdir(sub, 0o755)
	missingDir := filepath.Join(dir, "nodir", "book.db")
	for _, args := range writeCommands {
		for _, tc := range []struct{ db, want string }{
			{text, "revshare: " + text + " is not an SQLite database (file is not a database)\n"},
			{sub, "revshare: " + sub + " is a directory, not a database\n"},
			{missingDir, "revshare: cannot open the database " + missingDir + ": its directory " + filepath.Dir(missingDir) + " does not exist\n"},
		} {
			if tc.db == missingDir && !slices.Contains(bookCreators, strings.Join(args[:min(2, len(args))], " ")) && !slices.Contains(bookCreators, args[0]) {
				tc.want = "revshare: no database at " + missingDir + " (see --db; a new book is made by contract add, import usage, import rates, demo or migrate)\n"
			}
			_, errOut, err := runCLI(t, append([]string{"--db", tc.db}, args...)...)
			if err == nil || errOut != tc.want {
				t.Errorf("%v on %s: %v\n%q\nwant %q", args, tc.db, err, errOut, tc.want)
			}
		}
		if after, _ := os.ReadFile(text); !bytes.Equal(after, content) {
			t.Fatalf("%v changed %s", args, text)
		}
		if ents, _ := os.ReadDir(sub); len(ents) != 0 {
			t.Fatalf("%v wrote into the directory %s: %v", args, sub, ents)
		}
		if _, err := os.Stat(filepath.Dir(missingDir)); !os.IsNotExist(err) {
			t.Fatalf("%v created %s", args, filepath.Dir(missingDir))
		}
	}
}

// TestForeignWALNeverWrittenByWriters: a writer opened beside another
// copy's -wal (a book copied or restored without the -wal that was beside
// it) checkpointed that -wal into the book on close, even when it then
// refused the mix as damaged: the book was damaged for good. A writer now
// checks the book with a -wal no process holds before it opens it
// read-write; the book and the -wal stay byte for byte as they were.
func TestForeignWALNeverWrittenByWriters(t *testing.T) {
	book, other, intact, sdb := foreignWALBooks(t)
	foreignWAL, err := os.ReadFile(other + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	hint := foreignWALHint(book)
	for _, args := range writeCommands {
		if err := os.WriteFile(book+"-wal", foreignWAL, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(book + "-shm") // as a copy leaves it: no process holds the book
		_, errOut, err := runCLI(t, append([]string{"--db", book}, args...)...)
		if err == nil || !strings.Contains(errOut, "revshare: the database "+book+" is damaged (") || !strings.Contains(errOut, hint) {
			t.Errorf("%v beside another book's -wal: %v\n%s\nwant the damage named with: %s", args, err, errOut, hint)
		}
		if after, err := os.ReadFile(book); err != nil || !bytes.Equal(after, intact) {
			t.Fatalf("%v wrote the other book's -wal into %s (%v)", args, book, err)
		}
		if after, err := os.ReadFile(book + "-wal"); err != nil || !bytes.Equal(after, foreignWAL) {
			t.Fatalf("%v changed the -wal beside %s (%v)", args, book, err)
		}
	}
	os.Remove(book + "-wal")
	os.Remove(book + "-shm")
	if out := cli(t, book, "verify"); !strings.HasPrefix(out, "ok: ") {
		t.Errorf("verify with the -wal moved aside: %s", out)
	}
}
