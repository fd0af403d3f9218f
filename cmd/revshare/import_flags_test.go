package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestImportFlagsRefused: flags an import would not use are refused before
// the book is opened (a script naming them believes they apply), and
// --allow-partial refuses a pipe with the reason instead of "illegal seek".
func TestImportFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	csv := "event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-02,openai,direct,10.00,USD\n"
	writeFile(t, "a.csv", csv)
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() { // the writer end, so that opening the pipe to read returns
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.WriteString(csv)
			f.Close()
		}
	}()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"a.csv", "--rejects", "r.csv"},
			"revshare: --rejects goes with --allow-partial: without it a file with a bad row posts nothing and the bad rows are listed here\n"},
		{[]string{"a.csv", "--allow-partial", "--chunk-rows", "0"}, "revshare: --chunk-rows 0: want a positive number of rows\n"},
		{[]string{"a.csv", "--chunk-rows", "-1"}, "revshare: --chunk-rows -1: want a positive number of rows\n"},
		{[]string{fifo, "--allow-partial"},
			"revshare: " + fifo + ": --allow-partial reads the file twice (its hash names the committed chunks, so a re-run completes it): give it a file, not a pipe\n"},
	} {
		wantRefused(t, c.want, append([]string{"--db", "book.db", "import", "usage"}, c.args...)...)
		if _, err := os.Stat("book.db"); !os.IsNotExist(err) {
			t.Fatalf("%v: the refused import created the book (%v)", c.args, err)
		}
	}
	if _, _, err := runCLI(t, "--db", "book.db", "import", "usage", "a.csv", "--allow-partial", "--rejects", "r.csv"); err != nil {
		t.Errorf("--allow-partial --rejects: %v", err)
	}
}

// TestImportMappingColumnTwice: a mapping file that maps two fields to one
// column is refused before the book is opened, naming the file, both
// fields and the column (both were read from it without a word).
func TestImportMappingColumnTwice(t *testing.T) {
	t.Chdir(t.TempDir())
	csv := "event_id,occurred_at,Vendor,channel,amount,currency\ne1,2026-01-02,openai,direct,10.00,USD\n"
	writeFile(t, "a.csv", csv)
	writeFile(t, "m.yaml", "columns: {seller: Vendor, customer: vendor}\n")
	want := `m.yaml: columns.customer and columns.seller both map the column "Vendor": a column is read as one field (map one of them to another column, or give it under fixed:)` + "\n" +
		"revshare: m.yaml: invalid mapping file\n"
	wantRefused(t, want, "--db", "book.db", "import", "usage", "a.csv", "--mapping", "m.yaml")
	if _, err := os.Stat("book.db"); !os.IsNotExist(err) {
		t.Fatalf("the refused import created the book (%v)", err)
	}
}

// TestImportSourceRefused: a source name with surrounding spaces (a
// script's stray space made every event of a file already imported under
// "billing" new, its revenue counted twice), control characters or invalid
// UTF-8 is refused, and nothing is imported.
func TestImportSourceRefused(t *testing.T) {
	t.Chdir(t.TempDir())
	csv := "event_id,occurred_at,seller,channel,amount,currency\ne1,2026-01-02,openai,direct,10.00,USD\n"
	writeFile(t, "a.csv", csv)
	cli(t, "book.db", "import", "usage", "a.csv", "--source", "billing")
	for _, c := range []struct{ source, want string }{
		{" billing", `revshare: source name " billing" starts or ends with spaces: give it without them (the source is part of each event's identity)` + "\n"},
		{"billing\u00a0", `revshare: source name "billing\u00a0" starts or ends with spaces: give it without them (the source is part of each event's identity)` + "\n"},
		{"bill\u0085ing", `revshare: source name "bill\u0085ing" has control characters` + "\n"},
		{"bill\xffing", `revshare: source name "bill\xffing" has control characters` + "\n"},
		{"bill\u202eing", `revshare: source name "bill\u202eing": bidirectional control character U+202E (right-to-left override) is not allowed: it shows the text in another order than it is stored` + "\n"},
	} {
		_, stderr, err := runCLI(t, "--db", "book.db", "import", "usage", "a.csv", "--source", c.source)
		if exitCode(err) != exitError || stderr != c.want {
			t.Errorf("--source %q: exit %d, stderr %q\nwant %q", c.source, exitCode(err), stderr, c.want)
		}
	}
	if got := cli(t, "book.db", "verify"); !strings.HasPrefix(got, "ok: 1 entry") {
		t.Errorf("a refused import wrote: %s", got)
	}
}
