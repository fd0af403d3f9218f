package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateDemoGolden = flag.Bool("update-demo", false, "rewrite testdata/demo/*.golden from the current output")

// TestDemo runs the demo with the test clock (2026-03-01: usage 2025-01 ..
// 2026-02, closed through 2026-01) and compares its printout and the last
// closed statement with golden files.
func TestDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	out := cli(t, db, "demo", "--no-serve")
	out = strings.ReplaceAll(out, filepath.Dir(db), "DIR")
	stmt := cli(t, db, "statement", "openai-microsoft", "2026-01", "--format", "md")
	for name, got := range map[string]string{"demo.golden": out, "statement-2026-01.md.golden": stmt} {
		checkGolden(t, filepath.Join("..", "..", "testdata", "demo", name), got, *updateDemoGolden, "update-demo")
	}
	if got := cli(t, db, "verify"); !strings.HasPrefix(got, "ok: ") {
		t.Errorf("verify: %s", got)
	}
}

// TestDemoRemovesItsTempFolder: without --db the demo builds its book in a
// temporary folder and removes it when it stops.
func TestDemoRemovesItsTempFolder(t *testing.T) {
	out, tmp := demoWithoutDB(t)
	if !strings.HasSuffix(out, "\nthe demo's temporary folder is removed when it stops; to keep the book: revshare demo --db demo.db\n") {
		t.Errorf("demo output ends:\n%s", out[max(0, len(out)-300):])
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %s behind", left[0].Name())
	}
}

// TestDemoNamesOnlyFilesItKeeps: the demo names its usage CSV only where it
// keeps one (beside an SQLite book given by --db). Without --db, and on
// PostgreSQL, it printed the path of a CSV in a temporary folder that it
// removed when it stopped.
func TestDemoNamesOnlyFilesItKeeps(t *testing.T) {
	onBothBackends(t, func(t *testing.T, newDB newDB) {
		db := newDB(t)
		out := cli(t, db, "demo", "--no-serve")
		lines := strings.Split(out, "\n")
		want := "database " + db + "; usage " + filepath.Join(filepath.Dir(db), "demo-usage.csv") + ": 2927 events imported"
		if onServer(db) {
			want = "database " + redactedURL(db) + "; usage: 2927 events generated and imported (no CSV kept: the book is on the PostgreSQL server; an SQLite demo with --db PATH writes demo-usage.csv beside it)"
		} else if _, err := os.Stat(filepath.Join(filepath.Dir(db), "demo-usage.csv")); err != nil {
			t.Errorf("the CSV the demo names: %v", err)
		}
		if lines[1] != want {
			t.Errorf("demo's second line:\n%s\nwant\n%s", lines[1], want)
		}
	})
	out, _ := demoWithoutDB(t)
	line := strings.Split(out, "\n")[1]
	if i := strings.Index(line, "; "); i < 0 || line[i:] != "; usage: 2927 events generated and imported (no CSV kept; with --db PATH the demo keeps the book and writes demo-usage.csv beside it)" {
		t.Errorf("demo without --db: %s", line)
	}
}

// demoWithoutDB runs demo --no-serve without --db, in a fresh working
// directory and with TMPDIR a fresh folder, which it returns with the output.
func demoWithoutDB(t *testing.T) (out, tmp string) {
	t.Helper()
	tmp = t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Chdir(t.TempDir())
	out, errOut, err := runCLI(t, "demo", "--no-serve")
	if err != nil {
		t.Fatalf("%v %s", err, errOut)
	}
	return out, tmp
}
