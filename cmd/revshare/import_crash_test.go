package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/internal/revsharetest"
	"github.com/revshare/revshare/ledger"
)

// TestImportCrash kills real `revshare import usage` processes with SIGKILL
// at named points (REVSHARE_CRASHPOINT) and after random, seeded delays, in
// both modes, and checks afterwards that the database is intact, the books
// balance, `revshare verify` passes (events, links and the stored contract's usage
// aggregates included), a default-mode import left all of its
// batch or none of it, a partial one whole chunks only, and that running the
// same command again posts every event exactly once.
//
// It takes about half a minute; -short skips it. REVSHARE_CRASH_SEED fixes
// the seed (printed on failure), REVSHARE_CRASH_RANDOM the number of random
// kill points (default 16).
//
// On PostgreSQL (the subtest postgres) the killed client's connection
// closes and the server rolls its open transaction back; the checks are
// the same but for SQLite's integrity_check.
func TestImportCrash(t *testing.T) {
	skipCrashTestWhenShort(t)
	onBothBackends(t, testImportCrash)
}

func testImportCrash(t *testing.T, newDB newDB) {
	c := newImportCrash(t)
	basePath := filepath.Join(c.dir, "base.csv")
	os.WriteFile(basePath, []byte("event_id,occurred_at,seller,channel,amount,currency\nbase-1,2026-01-01,openai,direct,1000.00,USD\n"), 0o644)
	points := c.points(t, newDB(t), envInt("REVSHARE_CRASH_RANDOM", 16),
		crashPoint{false, "before-commit", 0}, crashPoint{false, "after-commit", 0},
		crashPoint{true, "after-batch", 0}, crashPoint{true, "before-chunk-commit-1", 0}, crashPoint{true, "after-chunk-1", 0},
		crashPoint{true, "before-chunk-commit-3", 0}, crashPoint{true, "after-chunk-2", 0}, crashPoint{true, "after-chunk-4", 0})
	bin, rows, chunk, total := c.bin, c.rows, c.chunk, c.total
	for i, p := range points {
		t.Run(p.name(i), func(t *testing.T) {
			db := newDB(t)
			// A stored contract: the import keeps its usage aggregates too,
			// and verify rebuilds them from the events after the crash.
			if out, err := c.run(db, nil, "contract", "add", "../../testdata/runs/contract.yaml").CombinedOutput(); err != nil {
				t.Fatalf("contract add: %v\n%s", err, out)
			}
			if out, err := c.run(db, nil, "import", "usage", basePath).CombinedOutput(); err != nil {
				t.Fatalf("base import: %v\n%s", err, out)
			}
			killed, pid := c.kill(t, db, p)
			waitForSessionsOf(t, db, pid)
			posted := checkAfterCrash(t, bin, db, 1)
			t.Logf("killed %v, %d of %d events stored", killed, posted, rows)
			switch {
			case !p.partial && posted != 0 && posted != rows:
				t.Fatalf("default mode left %d of %d events: not all or nothing", posted, rows)
			case p.partial && posted%chunk != 0 && posted != rows:
				t.Fatalf("partial mode left %d events: not whole chunks of %d", posted, chunk)
			case p.named == "after-commit" && posted != rows, p.named == "before-commit" && posted != 0,
				p.named == "after-chunk-2" && posted != 2*chunk, p.named == "before-chunk-commit-3" && posted != 2*chunk:
				t.Fatalf("crash at %s left %d events", p.named, posted)
			}
			// Re-running the same command completes the import exactly once
			// (on PostgreSQL it may first wait, saying so on stderr, while
			// the server rolls the killed import back).
			out, _ := c.rerun(t, db, p)
			want := fmt.Sprintf("imported %s: %d rows, %d posted, %d duplicates, 0 rejected, 0 late", c.csv, rows, rows-posted, posted)
			if !strings.HasPrefix(string(out), want) {
				t.Errorf("re-run printed %q, want %q...", out, want)
			}
			if n := checkAfterCrash(t, bin, db, 1); n != rows {
				t.Fatalf("after the re-run %d events, want %d", n, rows)
			}
			checkReceivable(t, db, total+100000) // base-1 is 1000.00
		})
	}
}

// waitForSessionsOf waits until a PostgreSQL server has ended the write
// transactions of the process pid, which has exited: a COMMIT it sent just
// before it was killed may still be running on the server, and events
// counted before it ends come out a chunk short, which the re-run then
// finds as duplicates (seen once at load 6). A write transaction names its
// process in its application_name ("revshare PID@host ...", SET LOCAL: it
// reverts once the commit or rollback is done). Nothing to wait for on
// SQLite, whose commit is the process's own.
func waitForSessionsOf(t *testing.T, db string, pid int) {
	t.Helper()
	if !onServer(db) {
		return
	}
	raw := rawDB(t, db)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := raw.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE $1`, fmt.Sprintf("revshare %d@%%", pid)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server still runs %d write transaction(s) of killed process %d after a minute", n, pid)
		}
	}
}

// writeCrashCSV writes rows usage rows and returns their total in cents.
func writeCrashCSV(t *testing.T, path string, rows int) int64 {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("event_id,occurred_at,seller,channel,product,amount,currency\n")
	var total int64
	for i := 1; i <= rows; i++ {
		cents := int64(i*7919%100000) - 20000
		total += cents
		sign := ""
		if cents < 0 {
			sign = "-"
		}
		c := cents
		if c < 0 {
			c = -c
		}
		fmt.Fprintf(w, "c-%d,2026-02-%02d,%s,%s,p%d,%s%d.%02d,USD\n", i, 1+i%28, []string{"openai", "microsoft"}[i%2],
			[]string{"direct", "azure", "aws", "gcp"}[i%4], i%3, sign, c/100, c%100)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return total
}

// checkAfterCrash checks the database's integrity, the trial balance and
// `revshare verify`, and returns how many events the crashed import left
// (events beyond the baseEvents of the base import).
func checkAfterCrash(t *testing.T, bin, path string, baseEvents int) int {
	t.Helper()
	ctx := context.Background()
	if !onServer(path) { // PostgreSQL checks its own pages
		if ic := rawRows(t, path, `PRAGMA integrity_check`); len(ic) != 1 || ic[0] != "[ok]" {
			t.Fatalf("integrity_check: %q", ic)
		}
	}
	bs, err := bookAt(t, path).TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	totals := map[string]ledger.Balance{}
	for _, b := range bs {
		tb := totals[b.Currency]
		tb.Amount = tb.Amount.Add(b.Amount)
		totals[b.Currency] = tb
	}
	for c, tb := range totals {
		if !tb.Amount.IsZero() {
			t.Fatalf("books do not balance in %s: %s", c, tb.Amount)
		}
	}
	if out, err := exec.Command(bin, "--db", path, "verify").CombinedOutput(); err != nil {
		t.Fatalf("revshare verify: %v\n%s", err, out)
	}
	var n, distinct int
	if err := rawDB(t, path).QueryRow(`SELECT count(*), count(DISTINCT event_id) FROM events`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != distinct {
		t.Fatalf("%d events but %d distinct ids", n, distinct)
	}
	return n - baseEvents
}

func checkReceivable(t *testing.T, path string, wantCents int64) {
	t.Helper()
	bs, err := bookAt(t, path).TrialBalance(context.Background(), ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var cents int64
	for _, b := range bs {
		if strings.HasPrefix(b.Account, "assets:receivable:") {
			cents += b.Amount.Shift(2).IntPart()
		}
	}
	if cents != wantCents {
		t.Fatalf("receivables total %d cents, want %d", cents, wantCents)
	}
}

// TestFirstImportCrash kills first imports, into a --db where no file is
// yet, at the commits' crash points and after random, seeded delays, in
// both modes. Such an import builds its book under a temporary name with a
// rollback journal and no syncs (sqlite.OpenNewBook) and puts it in place
// only when it has finished. So afterwards --db holds nothing, and the next
// command removes what the killed import left, saying so; or it holds the
// whole import, intact. Running the import again gives every event exactly
// once.
func TestFirstImportCrash(t *testing.T) {
	skipCrashTestWhenShort(t)
	c := newImportCrash(t)
	points := c.points(t, filepath.Join(t.TempDir(), "book.db"), envInt("REVSHARE_CRASH_RANDOM", 8),
		crashPoint{false, "before-commit", 0}, crashPoint{false, "after-commit", 0},
		crashPoint{true, "after-chunk-2", 0}, crashPoint{true, "before-chunk-commit-3", 0})
	for i, p := range points {
		t.Run(p.name(i), func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "book.db")
			killed, _ := c.kill(t, db, p)
			stored := !fileMissing(db)
			if stored {
				if n := checkAfterCrash(t, c.bin, db, 0); n != c.rows {
					t.Fatalf("the book put in place holds %d of %d events", n, c.rows)
				}
			} else if p.named == "" && !killed {
				t.Fatal("the import finished and put no book in place")
			}
			// What the killed import left beside --db, and what the next
			// command says of it: a directory with its lock file is
			// removed; one killed before its lock was made is left (young).
			left, _ := filepath.Glob(filepath.Join(filepath.Dir(db), newBookPrefix(db)+"*"))
			journals, _ := filepath.Glob(filepath.Join(filepath.Dir(db), newBookPrefix(db)+"*", "book.db-journal"))
			t.Logf("killed %v; book in place %v; left %d new book(s), %d with a rollback journal", killed, stored, len(left), len(journals))
			var wantNotes strings.Builder
			for _, d := range left {
				if !fileMissing(newBookLock(d)) {
					fmt.Fprintf(&wantNotes, "revshare: note: removed %s, a new book that a first import into %s began and did not finish (killed or crashed); nothing in it had reached %s\n", d, db, db)
				}
			}
			out, said := c.rerun(t, db, p)
			posted, duplicates := c.rows, 0
			if stored {
				posted, duplicates = 0, c.rows
				// The time of the import varies: the note is checked up to it.
				wantNotes.WriteString("revshare: note: " + c.csv + " has the same content as batch 1 (" + c.csv + ", imported ")
			}
			if said != wantNotes.String() && (!stored || !strings.HasPrefix(said, wantNotes.String())) {
				t.Errorf("re-run said %q, want %q", said, wantNotes.String())
			}
			want := fmt.Sprintf("imported %s: %d rows, %d posted, %d duplicates, 0 rejected, 0 late", c.csv, c.rows, posted, duplicates)
			if !strings.HasPrefix(string(out), want) {
				t.Errorf("re-run printed %q, want %q...", out, want)
			}
			if n := checkAfterCrash(t, c.bin, db, 0); n != c.rows {
				t.Fatalf("after the re-run %d events, want %d", n, c.rows)
			}
			checkReceivable(t, db, c.total)
			for _, d := range left {
				if !fileMissing(newBookLock(d)) && !fileMissing(d) {
					t.Errorf("%s is still there after the re-run", d)
				}
			}
		})
	}
}

// importCrash is what the import crash tests share: the binary, a CSV of
// rows usage rows (their total in cents), and how an import of it is run,
// killed and run again.
type importCrash struct {
	dir, bin, csv string
	rows, chunk   int
	total         int64
}

func newImportCrash(t *testing.T) *importCrash {
	c := &importCrash{dir: t.TempDir(), rows: 20000, chunk: 5000}
	c.bin = revsharetest.Build(t, c.dir)
	c.csv = filepath.Join(c.dir, "usage.csv")
	c.total = writeCrashCSV(t, c.csv, c.rows)
	return c
}

func (c *importCrash) run(db string, env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, append([]string{"--db", db}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

func (c *importCrash) importArgs(partial bool) []string {
	a := []string{"import", "usage", c.csv}
	if partial {
		a = append(a, "--allow-partial", "--chunk-rows", strconv.Itoa(c.chunk))
	}
	return a
}

// crashPoint is where an import is killed: at a named crash point
// (REVSHARE_CRASHPOINT), or after delay.
type crashPoint struct {
	partial bool
	named   string
	delay   time.Duration
}

func (p crashPoint) name(i int) string {
	if p.named != "" {
		return fmt.Sprintf("%02d-partial=%v-%s", i, p.partial, p.named)
	}
	return fmt.Sprintf("%02d-partial=%v-%v", i, p.partial, p.delay.Round(time.Millisecond))
}

// points returns the named points and random ones, in both modes by
// turns, their delays within the time of one uninterrupted import into
// calibrationDB.
func (c *importCrash) points(t *testing.T, calibrationDB string, random int, named ...crashPoint) []crashPoint {
	start := time.Now()
	if out, err := c.run(calibrationDB, nil, c.importArgs(false)...).CombinedOutput(); err != nil {
		t.Fatalf("calibration import: %v\n%s", err, out)
	}
	window := time.Since(start) + 50*time.Millisecond
	rng := crashRand(t)
	for i := 0; i < random; i++ {
		named = append(named, crashPoint{partial: i%2 == 1, delay: time.Duration(rng.Int63n(int64(window)))})
	}
	return named
}

// kill runs the import into db and kills it at p; killed says whether it
// died (a named point must be reached).
func (c *importCrash) kill(t *testing.T, db string, p crashPoint) (killed bool, pid int) {
	t.Helper()
	var env []string
	if p.named != "" {
		env = []string{crashPointEnv + "=" + p.named}
	}
	cmd := c.run(db, env, c.importArgs(p.partial)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if p.named == "" {
		timer := time.AfterFunc(p.delay, func() { cmd.Process.Kill() })
		defer timer.Stop()
	}
	killed = cmd.Wait() != nil
	if p.named != "" && !killed {
		t.Fatalf("crash point %s was never reached", p.named)
	}
	return killed, cmd.Process.Pid
}

// rerun runs the import of p into db again, to its end, and returns what
// it printed and what it said on stderr.
func (c *importCrash) rerun(t *testing.T, db string, p crashPoint) (out []byte, said string) {
	t.Helper()
	cmd := c.run(db, nil, c.importArgs(p.partial)...)
	var errOut strings.Builder
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("re-run: %v\n%s%s", err, out, errOut.String())
	}
	return out, errOut.String()
}
