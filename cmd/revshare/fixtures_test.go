package main

import (
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/sqlite"
)

// addFixture adds a fixture directory to the book at db: its contract.yaml,
// then its usage.csv.
func addFixture(t *testing.T, db, dir string) {
	t.Helper()
	cli(t, db, "contract", "add", filepath.Join(dir, "contract.yaml"))
	cli(t, db, "import", "usage", filepath.Join(dir, "usage.csv"))
}

// addRunsFixture adds testdata/runs to the book at db: contract small, then
// its four usage events (openai and microsoft, January and February 2026).
func addRunsFixture(t *testing.T, db string) {
	t.Helper()
	addFixture(t, db, "../../testdata/runs")
}

// bookedRunsBook returns a new book of one backend (newDB) that holds
// testdata/runs (addRunsFixture), run through 2026-02: openai -> microsoft
// 50.00 and microsoft -> openai 4.00 booked, no period closed.
func bookedRunsBook(t *testing.T, newDB newDB) string {
	t.Helper()
	db := newDB(t)
	addRunsFixture(t, db)
	cli(t, db, "run", "--through", "2026-02")
	return db
}

// closedRunsBook returns a new book of one backend (newDB) that holds
// testdata/runs (addRunsFixture), closed through period.
func closedRunsBook(t *testing.T, newDB newDB, period string) string {
	t.Helper()
	db := newDB(t)
	addRunsFixture(t, db)
	cli(t, db, "close", period)
	return db
}

// newFixtureBook returns the path of a new book, in a directory of its
// own, that holds the fixture directory dir (addFixture).
func newFixtureBook(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), filepath.Base(dir)+".db")
	addFixture(t, db, dir)
	return db
}

// newRunsBook is newFixtureBook of testdata/runs (addRunsFixture).
func newRunsBook(t *testing.T) string { return newFixtureBook(t, "../../testdata/runs") }

// runsContractEdited writes testdata/runs/contract.yaml, as edit changes
// it, to dir/name and returns that path: a later version of contract
// small, or another contract made from it.
func runsContractEdited(t *testing.T, dir, name string, edit func(doc string) string) string {
	t.Helper()
	doc, err := os.ReadFile("../../testdata/runs/contract.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	writeFile(t, path, edit(string(doc)))
	return path
}

// inRunsContractDir moves the test into a fresh directory (t.Chdir) that
// holds testdata/runs/contract.yaml as c.yaml.
func inRunsContractDir(t *testing.T) {
	t.Helper()
	contract := mustRead(t, "../../testdata/runs/contract.yaml")
	t.Chdir(t.TempDir())
	writeFile(t, "c.yaml", string(contract))
}

// writeFile writes body to path, failing the test on an error.
func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// mustRead reads path, failing the test on an error.
func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantRefused runs revshare with args (runCLI) and checks that it refused
// them: exit status 1, nothing on standard output, and exactly want on
// standard error (ending with the line main prints for the error).
func wantRefused(t *testing.T, want string, args ...string) {
	t.Helper()
	stdout, stderr, err := runCLI(t, args...)
	if exitCode(err) != exitError || stdout != "" || stderr != want {
		t.Errorf("revshare %s: exit %d, stdout %.200q, stderr %q\nwant %q", strings.Join(args, " "), exitCode(err), stdout, stderr, want)
	}
}

// copyFile copies the file from to the path to.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	writeFile(t, to, string(mustRead(t, from)))
}

// replaceOnce is an edit for runsContractEdited: the first old becomes new.
func replaceOnce(old, new string) func(string) string {
	return func(doc string) string { return strings.Replace(doc, old, new, 1) }
}

// openBook opens the book at path (the caller closes it), failing the test
// on an error.
func openBook(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// skipCrashTestWhenShort skips a crash test under -short: crash tests run
// real processes many times over.
func skipCrashTestWhenShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("crash test: skipped with -short")
	}
}

// crashRand returns the crash tests' generator, seeded from
// REVSHARE_CRASH_SEED or else the clock; it logs the seed, which
// reproduces a failure.
func crashRand(t *testing.T) *rand.Rand {
	seed := time.Now().UnixNano()
	if s := os.Getenv("REVSHARE_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("seed %d (reproduce with REVSHARE_CRASH_SEED=%d)", seed, seed)
	return rand.New(rand.NewSource(seed))
}

// envInt returns the number in the environment variable name, or def when
// it is not set.
func envInt(name string, def int) int {
	if s := os.Getenv(name); s != "" {
		n, _ := strconv.Atoi(s)
		return n
	}
	return def
}
