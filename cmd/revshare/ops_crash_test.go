package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/internal/revsharetest"
)

// TestWriteCommandsCrash is the kill -9 battery for the writes other than
// import (issue 12; TestImportCrash covers import): run, close, pay (with
// and without --reference) and contract update are killed with SIGKILL at
// random, seeded points on copies of one database. After each kill the
// database must verify, and running the same command again must leave the
// books exactly as one clean run of it does (so a pay killed after its
// commit pays once). -short skips it; REVSHARE_CRASH_SEED fixes the seed,
// REVSHARE_CRASH_OPS_RANDOM the kill points per command (default 6). On
// PostgreSQL (the subtest postgres) the server rolls back the killed
// client's transaction, and each copy of the base is a schema built anew.
func TestWriteCommandsCrash(t *testing.T) {
	skipCrashTestWhenShort(t)
	onBothBackends(t, testWriteCommandsCrash)
}

func testWriteCommandsCrash(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	bin := revsharetest.Build(t, dir)
	perOp := envInt("REVSHARE_CRASH_OPS_RANDOM", 6)
	rng := crashRand(t)
	revshare := func(db string, args ...string) *exec.Cmd {
		return exec.Command(bin, append([]string{"--db", db}, args...)...)
	}
	must := func(db string, args ...string) string {
		t.Helper()
		out, err := revshare(db, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("revshare %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// The base: a contract and 5,000 events in February, run through
	// January; the commands below then have work to do.
	usage := filepath.Join(dir, "usage.csv")
	writeCrashCSV(t, usage, 5000)
	fresh := bookCopies(t, newDB, func(base string) {
		must(base, "contract", "add", "../../testdata/runs/contract.yaml")
		must(base, "import", "usage", "../../testdata/runs/usage.csv")
		must(base, "import", "usage", usage)
		must(base, "run", "--through", "2026-01")
	})
	updated := runsContractEdited(t, dir, "updated.yaml", replaceOnce(`cap: {total: "50.00"}`, `cap: {total: "75.00"}`))
	pay := []string{"pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10"}
	ops := [][]string{
		{"run", "--through", "2026-02"},
		{"close", "2026-02"},
		pay,
		append(append([]string(nil), pay...), "--reference", "BANK-7"),
		{"contract", "update", updated},
	}
	// What must come out the same: the balances and the contract (its
	// version, not when it was recorded).
	recorded := regexp.MustCompile(`recorded \S+`)
	books := func(db string) string {
		return must(db, "balance", "--format", "csv") + recorded.ReplaceAllString(strings.TrimSpace(must(db, "contract", "show", "small")), "recorded …")
	}
	kills := 0
	for _, op := range ops {
		// The clean result, and how long the command takes.
		clean := fresh(t)
		start := time.Now()
		must(clean, op...)
		window := time.Since(start)
		want := books(clean)
		for k := 0; k < perOp; k++ {
			delay := time.Duration(rng.Int63n(int64(window) + 1))
			db := fresh(t)
			cmd := revshare(db, op...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(delay, func() { cmd.Process.Kill() })
			err := cmd.Wait()
			timer.Stop()
			if err != nil {
				kills++
			}
			if out, err := revshare(db, "verify").CombinedOutput(); err != nil {
				t.Fatalf("%s killed after %s: verify: %v\n%s", strings.Join(op, " "), delay, err, out)
			}
			must(db, op...)
			if got := books(db); got != want {
				t.Fatalf("%s killed after %s, then run again: books differ from one clean run\n%s\nwant\n%s", strings.Join(op, " "), delay, got, want)
			}
		}
	}
	t.Logf("%d commands × %d random points: %d processes killed before they finished; every database verified and converged on the clean result", len(ops), perOp, kills)
}
