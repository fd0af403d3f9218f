package main

import (
	"database/sql"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
)

// corruptCommands is every command the corrupt-database battery runs, in
// order, on each damaged copy (reads first, then writes).
var corruptCommands = [][]string{
	{"balance"}, {"balance", "--format", "csv"}, {"verify"}, {"export", "hledger"}, {"export", "beancount"},
	{"statement", "small", "2026-01"}, {"statement", "small", "2026-02", "--format", "md"},
	{"contract", "list"}, {"contract", "show", "small"}, {"import", "list"}, {"token", "list"},
	{"run", "--through", "2026-02"}, {"close", "2026-02"},
	{"pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "1.00", "--date", "2026-02-20"},
	{"import", "usage", "{late}"}, {"contract", "update", "{contract}"},
}

// buildCorruptBase makes the database the battery damages: a contract, usage,
// a run, a close, a payment and a late event.
func buildCorruptBase(t *testing.T, dir string) string {
	t.Helper()
	db := filepath.Join(dir, "base.db")
	addRunsFixture(t, db)
	cli(t, db, "run", "--through", "2026-02")
	cli(t, db, "close", "2026-01")
	cli(t, db, "pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft", "--amount", "16.00", "--date", "2026-02-10", "--reference", "B-1")
	cli(t, db, "token", "create", "--role", "auditor", "--name", "a")
	return db
}

// runGuarded runs one command in-process and turns a panic or a hang into a
// test failure naming the case.
func runGuarded(t *testing.T, name string, args []string) (errOut string, err error) {
	t.Helper()
	type result struct {
		errOut string
		err    error
		panic  string
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{panic: fmt.Sprintf("%v\n%s", p, debug.Stack())}
			}
		}()
		_, e, err := runCLI(t, args...)
		done <- result{errOut: e, err: err}
	}()
	select {
	case r := <-done:
		if r.panic != "" {
			t.Fatalf("%s: revshare %s panicked: %s", name, strings.Join(args, " "), r.panic)
		}
		return r.errOut, r.err
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: revshare %s did not finish in 2 minutes", name, strings.Join(args, " "))
	}
	return "", nil
}

// checkClearError: an error is one line starting "revshare: " with a reason,
// and never a Go runtime error.
func checkClearError(t *testing.T, name string, args []string, errOut string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	last := lines[len(lines)-1]
	for _, bad := range []string{"runtime error", "panic", "goroutine ", "nil pointer", "index out of range", "internal error", "context canceled"} {
		if strings.Contains(errOut, bad) {
			t.Errorf("%s: revshare %s: %q", name, strings.Join(args, " "), errOut)
		}
	}
	if !strings.HasPrefix(last, "revshare: ") || len(last) < len("revshare: ")+10 {
		t.Errorf("%s: revshare %s: unclear error %q", name, strings.Join(args, " "), errOut)
	}
}

// TestCorruptDatabase is the corrupt-database battery (issue 12): random
// byte flips in copies of a real database, and malformed values written
// into stored rows behind the triggers' back, each followed by every
// command. Each must finish with success or a clear one-line error, never
// a panic or a hang. REVSHARE_CORRUPT_SEED fixes the seed (printed),
// REVSHARE_CORRUPT_COPIES sets the number of byte-flipped copies (default 12,
// 4 with -short).
func TestCorruptDatabase(t *testing.T) {
	dir := t.TempDir()
	base := buildCorruptBase(t, dir)
	seed := time.Now().UnixNano()
	if s := os.Getenv("REVSHARE_CORRUPT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	copies := 12
	if testing.Short() {
		copies = 4
	}
	if s := os.Getenv("REVSHARE_CORRUPT_COPIES"); s != "" {
		copies, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (reproduce with REVSHARE_CORRUPT_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewSource(seed))
	orig, err := os.ReadFile(base)
	if err != nil {
		t.Fatal(err)
	}
	late, _ := filepath.Abs("../../testdata/runs/late.csv")
	contract, _ := filepath.Abs("../../testdata/runs/contract.yaml")
	runs, errs := 0, map[string]int{}
	runAll := func(name, db string) {
		for _, c := range corruptCommands {
			args := []string{"--db", db, "--lock-timeout", "5s"}
			for _, a := range c {
				a = strings.NewReplacer("{late}", late, "{contract}", contract).Replace(a)
				args = append(args, a)
			}
			errOut, err := runGuarded(t, name, args)
			checkClearError(t, name, args, errOut, err)
			runs++
			if err != nil {
				msg := strings.ReplaceAll(strings.TrimPrefix(strings.TrimSpace(errOut), "revshare: "), db, "DB")
				if i := strings.IndexAny(msg, "(:"); i > 0 {
					msg = msg[:i]
				}
				errs[msg]++
			}
		}
	}
	for i := 0; i < copies; i++ {
		b := append([]byte(nil), orig...)
		flips := 1 + rng.Intn(16)
		for j := 0; j < flips; j++ {
			off := rng.Intn(len(b))
			if rng.Intn(4) > 0 && len(b) > 4096 {
				off = 100 + rng.Intn(len(b)-100) // mostly past the file header
			}
			b[off] ^= byte(1 + rng.Intn(255))
		}
		db := filepath.Join(dir, fmt.Sprintf("flip-%d.db", i))
		if err := os.WriteFile(db, b, 0o644); err != nil {
			t.Fatal(err)
		}
		runAll(fmt.Sprintf("copy %d (%d flips)", i, flips), db)
	}
	// Malformed values in well-formed files: what quick_check cannot see.
	for i, upd := range corruptRows {
		db := filepath.Join(dir, fmt.Sprintf("row-%d.db", i))
		if err := os.WriteFile(db, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		tamperRows(t, db, upd)
		runAll("row: "+upd, db)
	}
	t.Logf("%d command runs on %d damaged copies and %d tampered ones; no panic, no hang; errors: %v", runs, copies, len(corruptRows), errs)
}

// corruptRows each write malformed values into one table.
var corruptRows = []string{
	`UPDATE postings SET amount = 'abc'`,
	`UPDATE postings SET amount = '1e999999'`,
	`UPDATE bookings SET amount = 'x', base = 'y'`,
	`UPDATE bookings SET base_delta = '--1'`,
	`UPDATE payments SET amount = 'NaN'`,
	`UPDATE entries SET date = 'bogus'`,
	`UPDATE entries SET recorded_at = '2026-13-45'`,
	`UPDATE entries SET meta = '{not json'`,
	`UPDATE contracts SET document = 'id: [unclosed'`,
	`UPDATE statements SET body = '{"contract": 5'`,
	`UPDATE usage_rows SET amount = 'zz', event_ids = x'ffffffffffffffffffff'`,
	`UPDATE period_closes SET through = '2026-99-99'`,
	`UPDATE import_batches SET status = 'running', file_sha256 = 'nope'`,
	`UPDATE api_tokens SET role = 'emperor'`,
	`UPDATE accounts SET type = 'wizard'`,
	`UPDATE accounts SET name = 'x' WHERE id = 1`,
	`DELETE FROM schema_migrations WHERE name LIKE '0001%'`,
}

// tamperRows drops the triggers that keep stored rows immutable and runs
// upd, as a hand edit or a broken tool would.
func tamperRows(t *testing.T, path, upd string) {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	sqlitetest.DropTriggers(t, db)
	if _, err := db.Exec(`PRAGMA ignore_check_constraints = ON`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(upd); err != nil {
		t.Logf("%s: %v (left as is)", upd, err)
	}
}
