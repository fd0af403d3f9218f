package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/storetest"
)

var updateImportGolden = flag.Bool("update-import", false, "rewrite testdata/usage/bad/*.golden from the current output")

// runCLI runs revshare with args in the current directory and returns
// stdout, and stderr ending with the line main() would print for an error.
func runCLI(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errOut
	m.Getenv = func(string) string { return "" }
	m.Clock = storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	err := m.Run(context.Background(), args)
	m.Close()
	if err != nil {
		fmt.Fprintln(&errOut, "revshare: "+oneLine(err.Error()))
	}
	return out.String(), errOut.String(), err
}

// TestImportBadCorpus runs every testdata/usage/bad/<case>.csv through
// `revshare import usage` against a fresh database (after importing
// <case>.setup.csv when there is one) and checks that the report is exactly
// <case>.golden, that the command fails, and that the database is unchanged.
func TestImportBadCorpus(t *testing.T) {
	dir, err := filepath.Abs("../../testdata/usage/bad")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".setup.csv") {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(f), ".csv")
		t.Run(name, func(t *testing.T) {
			tmp := t.TempDir()
			t.Chdir(tmp)
			copyFile(t, f, name+".csv")
			setup := filepath.Join(dir, name+".setup.csv")
			if _, err := os.Stat(setup); err == nil {
				copyFile(t, setup, "setup.csv")
				if _, stderr, err := runCLI(t, "--db", "test.db", "import", "usage", "setup.csv"); err != nil {
					t.Fatalf("setup: %s", stderr)
				}
			} else if db, err := sqlite.Open(context.Background(), "test.db", nil); err != nil {
				t.Fatal(err) // creates the database
			} else {
				db.Close()
			}
			before := dumpDB(t, "test.db")
			stdout, stderr, err := runCLI(t, "--db", "test.db", "import", "usage", name+".csv")
			if err == nil {
				t.Fatalf("import succeeded: %s", stdout)
			}
			if stdout != "" {
				t.Errorf("stdout: %q", stdout)
			}
			checkGolden(t, filepath.Join(dir, name+".golden"), stderr, *updateImportGolden, "update-import")
			if after := dumpDB(t, "test.db"); after != before {
				t.Errorf("the database changed:\nbefore:\n%s\nafter:\n%s", before, after)
			}
			// The same file with --dry-run reports the same rows.
			_, dry, err := runCLI(t, "--db", "test.db", "import", "usage", "--dry-run", name+".csv")
			if err == nil || dry != stderr {
				t.Errorf("dry run report:\n%s", dry)
			}
			// And so does a dry run where there is no database, which it
			// does not create.
			if _, err := os.Stat(setup); err != nil {
				_, dry, err := runCLI(t, "--db", "missing.db", "import", "usage", "--dry-run", name+".csv")
				want := "revshare: there is no book at missing.db: checked against an empty book (dry run: nothing written)\n" + stderr
				if err == nil || dry != want {
					t.Errorf("dry run without a database:\n%s", dry)
				}
				if _, err := os.Stat("missing.db"); err == nil {
					t.Error("the dry run created missing.db")
				}
			}
		})
	}
	if n < 20 {
		t.Errorf("only %d bad cases", n)
	}
}

func TestImportGoodSamples(t *testing.T) {
	dir, _ := filepath.Abs("../../testdata/usage/good")
	t.Chdir(t.TempDir())
	for _, c := range []struct {
		file, mapping, want, stderr string
	}{
		{"canonical.csv", "", "imported canonical.csv: 5 rows, 5 posted, 0 duplicates, 0 rejected, 0 late (batch 1)\n", ""},
		{"bom-mixed-case.csv", "", "imported bom-mixed-case.csv: 2 rows, 2 posted, 0 duplicates, 0 rejected, 0 late (batch 2)\n", ""},
		{"mapped.csv", "mapped.yaml", "imported mapped.csv: 3 rows, 3 posted, 0 duplicates, 0 rejected, 0 late (batch 3)\n", ""},
		{"canonical.csv", "", "imported canonical.csv: 5 rows, 0 posted, 5 duplicates, 0 rejected, 0 late (batch 4)\n",
			"revshare: note: canonical.csv has the same content as batch 1 (canonical.csv, imported 2026-03-01T12:00:00Z): its events were imported then\n"},
		{"excel-semicolon.csv", "excel-semicolon.yaml", "imported excel-semicolon.csv: 3 rows, 3 posted, 0 duplicates, 0 rejected, 0 late (batch 5)\n", ""},
		{"excel-us.csv", "excel-us.yaml", "imported excel-us.csv: 2 rows, 2 posted, 0 duplicates, 0 rejected, 0 late (batch 6)\n", ""},
		{"excel-tab.txt", "", "imported excel-tab.txt: 1 row, 1 posted, 0 duplicates, 0 rejected, 0 late (batch 7)\n", ""},
	} {
		copyFile(t, filepath.Join(dir, c.file), c.file)
		args := []string{"--db", "test.db", "import", "usage", c.file}
		if c.mapping != "" {
			copyFile(t, filepath.Join(dir, c.mapping), c.mapping)
			args = append(args, "--mapping", c.mapping)
		}
		stdout, stderr, err := runCLI(t, args...)
		if err != nil || stdout != c.want || stderr != c.stderr {
			t.Errorf("%s: stdout %q stderr %q err %v", c.file, stdout, stderr, err)
		}
	}
	stdout, _, err := runCLI(t, "--db", "test.db", "balance", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"assets:receivable:openai:azure,asset,EUR,1134.51", "assets:receivable:openai:gcp,asset,JPY,150000",
		"assets:receivable:openai:store,asset,EUR,1200.99", "assets:receivable:openai:gcp,asset,USD,3234.56", "assets:receivable:openai:tsv,asset,USD,5.00"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("balance lacks %q:\n%s", want, stdout)
		}
	}
	if _, stderr, err := runCLI(t, "--db", "test.db", "verify"); err != nil {
		t.Errorf("verify: %s", stderr)
	}
	stdout, _, _ = runCLI(t, "--db", "test.db", "import", "list")
	if lines := strings.Split(strings.TrimSpace(stdout), "\n"); len(lines) != 8 || !strings.Contains(lines[3], "billing") || !strings.Contains(lines[5], "excel-de") {
		t.Errorf("import list:\n%s", stdout)
	}
}

func TestImportPartialRejectsFile(t *testing.T) {
	t.Chdir(t.TempDir())
	data := "event_id,occurred_at,seller,channel,amount,currency\n" +
		"a,2026-01-05,openai,direct,1.00,USD\n" +
		"b,2026-02-30,openai,direct,2.00,USD\n" +
		"c,2026-01-05,openai,direct,3.00\n" +
		"d,2026-01-06,openai,direct,4.00,USD\n"
	os.WriteFile("p.csv", []byte(data), 0o644)
	stdout, stderr, err := runCLI(t, "--db", "test.db", "import", "usage", "p.csv", "--allow-partial", "--chunk-rows", "2")
	// Rejected rows under --allow-partial: the good rows are posted, and
	// the exit status (3) and one line on stderr say that some were not.
	if wantErr := "revshare: 2 of 4 rows rejected and not imported: they are in p.csv.rejects.csv with the reason on each line; fix them and import them again (exit status 3)\n"; stderr != wantErr || exitCode(err) != exitPartial {
		t.Fatalf("err %v (exit %d), stderr %q, want %q", err, exitCode(err), stderr, wantErr)
	}
	if want := "imported p.csv: 4 rows, 2 posted, 0 duplicates, 2 rejected (see p.csv.rejects.csv), 0 late (batch 1)\n"; stdout != want {
		t.Errorf("stdout %q", stdout)
	}
	got, _ := os.ReadFile("p.csv.rejects.csv")
	want := "event_id,occurred_at,seller,channel,amount,currency,rejected_line,rejected_reason\n" +
		"b,2026-02-30,openai,direct,2.00,USD,3,\"column occurred_at: value \"\"2026-02-30\"\": no such date\"\n" +
		"c,2026-01-05,openai,direct,3.00,,4,wrong number of fields: want 6 as in the header\n"
	if string(got) != want {
		t.Errorf("rejects:\n%s\nwant:\n%s", got, want)
	}
	stdout, _, _ = runCLI(t, "--db", "test.db", "import", "usage", "p.csv", "--allow-partial", "--rejects", "r.csv", "--format", "json")
	if !strings.Contains(stdout, `"duplicates": 2`) || !strings.Contains(stdout, `"rejects_file": "r.csv"`) {
		t.Errorf("json: %s", stdout)
	}
}

func TestImportRatesCLI(t *testing.T) {
	t.Chdir(t.TempDir())
	os.WriteFile("r.csv", []byte("date,from,to,rate\n2026-01-01,EUR,USD,1.0850\n"), 0o644)
	os.WriteFile("bad.csv", []byte("date,from,to,rate\n2026-01-01,EUR,USD,1.09\n2026-01-02,EUR,EUR,1\n"), 0o644)
	stdout, _, err := runCLI(t, "--db", "test.db", "import", "rates", "r.csv")
	if err != nil || stdout != "imported rates r.csv: 1 row, 1 added, 0 duplicates (batch 1)\n" {
		t.Errorf("%q %v", stdout, err)
	}
	_, stderr, err := runCLI(t, "--db", "test.db", "import", "rates", "bad.csv")
	want := "bad.csv:2: column rate: value \"1.09\": conflicts with the rate 1.0850 for EUR->USD on 2026-01-01 imported in batch 1\n" +
		"bad.csv:3: column to: value \"EUR\": same currency as from\n" +
		"revshare: bad.csv: 2 bad row(s) of 2; nothing imported\n"
	if err == nil || stderr != want {
		t.Errorf("stderr:\n%s\nwant:\n%s", stderr, want)
	}
}

// TestImportSameFileOtherSourceWarns: a file already imported, imported
// again under another source, posts its events as new ones (an event is its
// source and event_id, spec section 2); revshare says the revenue may now
// count twice, in which batch, how to take it back and how to avoid it. A
// dry run warns before anything is posted (it had no batch to compare, and
// said nothing).
func TestImportSameFileOtherSourceWarns(t *testing.T) {
	onBothBackends(t, testImportSameFileOtherSourceWarns)
}

func testImportSameFileOtherSourceWarns(t *testing.T, newDB newDB) {
	src, _ := filepath.Abs("../../testdata/runs/usage.csv")
	t.Chdir(t.TempDir())
	copyFile(t, src, "usage.csv")
	db := newDB(t)
	cli(t, db, "import", "usage", "usage.csv", "--source", "billing")
	before := cli(t, db, "verify")
	stdout, stderr, err := runCLI(t, "--db", db, "import", "usage", "usage.csv", "--dry-run")
	if err != nil || stdout != "checked usage.csv: 4 rows, 4 would post, 0 duplicates, 0 rejected, 0 late (dry run: nothing written)\n" ||
		stderr != "revshare: warning: usage.csv has the same content as batch 1 (usage.csv, imported 2026-03-01T12:00:00Z) under source billing; under source default its 4 events are new (an event is its source and event_id) and would be posted: if they are the same sales, their revenue would count twice; import it under source billing to find them all duplicates\n" {
		t.Errorf("dry run under another source: stdout %q stderr %q err %v", stdout, stderr, err)
	}
	if after := cli(t, db, "verify"); after != before {
		t.Errorf("the dry run wrote: %s then %s", before, after)
	}
	stdout, stderr, err = runCLI(t, "--db", db, "import", "usage", "usage.csv")
	if err != nil || stdout != "imported usage.csv: 4 rows, 4 posted, 0 duplicates, 0 rejected, 0 late (batch 2)\n" ||
		stderr != "revshare: warning: usage.csv has the same content as batch 1 (usage.csv, imported 2026-03-01T12:00:00Z) under source billing; under source default its 4 events are new (an event is its source and event_id) and were posted in batch 2: if they are the same sales, their revenue is now counted twice. Nothing is deleted from the journal: to take them back, import the same rows with negated amounts and new event_ids under source default. Next time import it under source billing, or check with a dry run first, which warns before posting\n" {
		t.Errorf("import under another source: stdout %q stderr %q err %v", stdout, stderr, err)
	}
	// REST imports through the same service (usage.Import): the response
	// carries the warning. Before, only the command line warned.
	fin := createToken(t, db, "finance")
	base, stop := startServe(t, db)
	defer stop()
	csv := string(mustRead(t, "usage.csv"))
	for _, dry := range []bool{true, false} {
		status, got := call(t, "POST", fmt.Sprintf("%s/api/v1/imports/usage?source=web&file=usage.csv&dry_run=%v", base, dry), fin, csv)
		var res struct {
			SameAsBatch   int64 `json:"same_as_batch"`
			Warning, Note string
		}
		if err := json.Unmarshal([]byte(got), &res); status != 200 || err != nil {
			t.Fatalf("POST /imports/usage dry_run=%v: %d %s", dry, status, got)
		}
		want := "usage.csv has the same content as batch 1 (usage.csv, imported 2026-03-01T12:00:00Z) under source billing; under source web its 4 events are new (an event is its source and event_id) and would be posted: if they are the same sales, their revenue would count twice; import it under source billing to find them all duplicates"
		if !dry {
			want = "usage.csv has the same content as batch 1 (usage.csv, imported 2026-03-01T12:00:00Z) under source billing; under source web its 4 events are new (an event is its source and event_id) and were posted in batch 3: if they are the same sales, their revenue is now counted twice. Nothing is deleted from the journal: to take them back, import the same rows with negated amounts and new event_ids under source web. Next time import it under source billing, or check with a dry run first, which warns before posting"
		}
		if res.SameAsBatch != 1 || res.Warning != want || res.Note != "" {
			t.Errorf("POST /imports/usage dry_run=%v: same_as_batch %d, warning %q, note %q\nwant 1, %q", dry, res.SameAsBatch, res.Warning, res.Note, want)
		}
	}
}

// A dry run writes nothing, not even the database file: given a path
// where there is none (a mistyped --db) it checks against an empty book
// and says so.
func TestDryRunCreatesNoDatabase(t *testing.T) {
	dir, _ := filepath.Abs("../../testdata")
	t.Chdir(t.TempDir())
	for _, c := range []struct{ kind, file, want string }{
		{"usage", filepath.Join(dir, "usage", "good", "canonical.csv"),
			"checked %s: 5 rows, 5 would post, 0 duplicates, 0 rejected, 0 late (dry run: nothing written)\n"},
		{"rates", filepath.Join(dir, "deals", "idr", "rates.csv"),
			"checked rates %s: 1 row, 1 would be added, 0 duplicates (dry run: nothing written)\n"},
	} {
		stdout, stderr, err := runCLI(t, "--db", "typo.db", "import", c.kind, "--dry-run", c.file)
		if err != nil {
			t.Fatalf("%s: %v\n%s", c.kind, err, stderr)
		}
		if want := fmt.Sprintf(c.want, c.file); stdout != want {
			t.Errorf("%s stdout:\n got %q\nwant %q", c.kind, stdout, want)
		}
		if want := "revshare: there is no book at typo.db: checked against an empty book (dry run: nothing written)\n"; stderr != want {
			t.Errorf("%s stderr:\n got %q\nwant %q", c.kind, stderr, want)
		}
		if entries, _ := os.ReadDir("."); len(entries) != 0 {
			t.Errorf("%s: the dry run left %v", c.kind, entries)
		}
	}
}

// TestImportRejectsPathChecked: --rejects is checked before any row posts.
// Before, --rejects naming the file being imported truncated it at the
// first bad row: the import read on to the new end of the file, reported
// 7114 of 100001 rows as a complete batch, and the rest of the file was
// lost. A rejects path that cannot be written failed mid-import and left
// an incomplete batch behind, naming neither the flag nor the cure.
func TestImportRejectsPathChecked(t *testing.T) {
	t.Chdir(t.TempDir())
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,amount,currency\nbad,2026-01-10,openai,direct,abc,USD\n")
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&b, "g%d,2026-01-10,openai,direct,1.00,USD\n", i)
	}
	data := b.String()
	os.WriteFile("p.csv", []byte(data), 0o644)
	os.WriteFile("m.yaml", []byte("source: billing\n"), 0o644)
	os.Mkdir("dir", 0o755)
	for _, c := range []struct {
		rejects, want string
	}{
		{"p.csv", "revshare: --rejects p.csv is the file being imported (p.csv): writing there would destroy it; choose another file (nothing imported)\n"},
		{"./p.csv", "revshare: --rejects ./p.csv is the file being imported (p.csv): writing there would destroy it; choose another file (nothing imported)\n"},
		{"m.yaml", "revshare: --rejects m.yaml is the mapping file (m.yaml): writing there would destroy it; choose another file (nothing imported)\n"},
		{"dir", "revshare: --rejects dir: cannot write the rejects file: is a directory (nothing imported)\n"},
		{"missing/r.csv", "revshare: --rejects missing/r.csv: cannot write the rejects file: no such file or directory (nothing imported)\n"},
	} {
		wantRefused(t, c.want, "--db", "test.db", "import", "usage", "p.csv", "--mapping", "m.yaml", "--allow-partial", "--rejects", c.rejects)
	}
	if got := mustRead(t, "p.csv"); string(got) != data {
		t.Fatalf("p.csv changed: %d bytes, was %d", len(got), len(data))
	}
	if _, err := os.Stat("test.db"); !os.IsNotExist(err) {
		t.Errorf("test.db after refused imports: %v, want no book (nothing written)", err)
	}
	// The same file with a good rejects path imports whole; no rejects
	// file is left behind by a run without rejects.
	stdout, _, err := runCLI(t, "--db", "test.db", "import", "usage", "p.csv", "--allow-partial", "--rejects", "r.csv")
	if want := "imported p.csv: 20001 rows, 20000 posted, 0 duplicates, 1 rejected (see r.csv), 0 late (batch 1)\n"; stdout != want || exitCode(err) != exitPartial {
		t.Errorf("stdout %q, exit %d", stdout, exitCode(err))
	}
	os.WriteFile("good.csv", []byte("event_id,occurred_at,seller,channel,amount,currency\nz,2026-01-10,openai,direct,1.00,USD\n"), 0o644)
	if _, stderr, err := runCLI(t, "--db", "test.db", "import", "usage", "good.csv", "--allow-partial"); err != nil {
		t.Fatal(stderr)
	}
	if _, err := os.Stat("good.csv.rejects.csv"); !os.IsNotExist(err) {
		t.Errorf("good.csv.rejects.csv: %v, want no file", err)
	}
}

// TestImportFixedRejectsFile: the rejects file, fixed and imported as the
// message says, gives the events the original file would have given, so
// that the corrected original export later counts them as duplicates.
// Before, its line and reason columns were kept as metadata on each event,
// and that export conflicted with every fixed row: nothing imported.
func TestImportFixedRejectsFile(t *testing.T) {
	t.Chdir(t.TempDir())
	head := "event_id,occurred_at,seller,channel,amount,currency\n"
	os.WriteFile("p.csv", []byte(head+"p1,2026-01-10,openai,direct,1.00,USD\np2,2026-01-10,openai,direct,abc,USD\n"), 0o644)
	if _, _, err := runCLI(t, "--db", "test.db", "import", "usage", "p.csv", "--allow-partial"); exitCode(err) != exitPartial {
		t.Fatalf("partial import: %v", err)
	}
	fixed := strings.Replace(string(mustRead(t, "p.csv.rejects.csv")), ",abc,", ",2.00,", 1)
	os.WriteFile("p.csv.rejects.csv", []byte(fixed), 0o644)
	if stdout, stderr, err := runCLI(t, "--db", "test.db", "import", "usage", "p.csv.rejects.csv"); err != nil ||
		stdout != "imported p.csv.rejects.csv: 1 row, 1 posted, 0 duplicates, 0 rejected, 0 late (batch 2)\n" {
		t.Fatalf("fixed rejects: %q %q %v", stdout, stderr, err)
	}
	os.WriteFile("p.csv", []byte(head+"p1,2026-01-10,openai,direct,1.00,USD\np2,2026-01-10,openai,direct,2.00,USD\n"), 0o644)
	stdout, stderr, err := runCLI(t, "--db", "test.db", "import", "usage", "p.csv")
	if want := "imported p.csv: 2 rows, 0 posted, 2 duplicates, 0 rejected, 0 late (batch 3)\n"; err != nil || stdout != want {
		t.Errorf("corrected original: %q %q %v, want %q", stdout, stderr, err, want)
	}
}
