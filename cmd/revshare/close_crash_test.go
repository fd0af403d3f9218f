package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashContract has three monthly rules over 2025: closing 2025-12 books
// 36 accruals and stores 12 final statements, so a close passes more
// than 40 crash points.
const crashContract = `id: crash
name: Crash test
currency: USD
timezone: UTC
period: month
parties: [openai, microsoft]
rules:
  - id: share
    payer: openai
    payee: microsoft
    match: {seller: openai}
    rate: "0.20"
    from: 2025-01-01
    cap: {total: "5000.00"}
  - id: azure
    payer: microsoft
    payee: openai
    match: {seller: microsoft, channel: azure}
    rate: "0.10"
    from: 2025-01-01
  - id: aws
    payer: openai
    payee: microsoft
    match: {seller: openai, channel: aws}
    rate: "0.05"
    from: 2025-01-01
`

// crashUsage writes usage for every month of 2025 (prefix names the
// events: a second file with another prefix adds to the same months).
func crashUsage(t *testing.T, path, prefix string) {
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,product,amount,currency\n")
	for m := 1; m <= 12; m++ {
		fmt.Fprintf(&b, "%s-%d-a,2025-%02d-03,openai,direct,api,%d.00,USD\n", prefix, m, m, 100*m)
		fmt.Fprintf(&b, "%s-%d-b,2025-%02d-11,openai,aws,api,%d.50,USD\n", prefix, m, m, 40+m)
		fmt.Fprintf(&b, "%s-%d-c,2025-%02d-21,microsoft,azure,api,%d.25,USD\n", prefix, m, m, 70*m)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// crashBase builds, in db, the book a close starts from: the contract and
// a year of usage, no run (its files go to dir).
func crashBase(t *testing.T, dir, db string) {
	t.Helper()
	contract := filepath.Join(dir, "crash.yaml")
	os.WriteFile(contract, []byte(crashContract), 0o644)
	usage := filepath.Join(dir, "usage.csv")
	crashUsage(t, usage, "u")
	cli(t, db, "contract", "add", contract)
	cli(t, db, "import", "usage", usage)
}

// copyDB copies the SQLite book at from (and its WAL, if any) to to.
func copyDB(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to+suffix, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// closedState is what a close decides, without instants: the close, the
// bookings, every stored final statement (body and hash) and the number
// of events. Two databases that went through the same operations in the
// same order have the same closedState.
func closedState(t *testing.T, db string) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		`SELECT through FROM period_closes ORDER BY through`,
		`SELECT entry_id, contract, version, rule, period, kind, booked_in, payer, payee, base, base_delta, amount, date FROM bookings ORDER BY entry_id`,
		`SELECT contract, period, hash, body, version, events_through, rates_through FROM statements ORDER BY contract, period`,
		`SELECT count(*) FROM events`,
		`SELECT entry_id, contract, payer, payee, amount, date, reference FROM payments ORDER BY entry_id`,
	} {
		for _, row := range rawRows(t, db, q) {
			b.WriteString(row + "\n")
		}
		b.WriteString("--\n")
	}
	return b.String()
}

// TestCloseCrash kills real `revshare close` processes with SIGKILL at every
// step of the close (REVSHARE_CRASHPOINT=close-N: after each booking, the
// close row, each final statement, before and after the commit) and checks
// that each kill left nothing of the close or all of it, that verify
// passes, and that closing again ends in the same state as a close that
// was never interrupted. -short skips it. On PostgreSQL (the subtest
// postgres) the server rolls back the killed client's transaction.
func TestCloseCrash(t *testing.T) {
	skipCrashTestWhenShort(t)
	onBothBackends(t, testCloseCrash)
}

func testCloseCrash(t *testing.T, newDB newDB) {
	dir := t.TempDir()
	fresh := bookCopies(t, newDB, func(db string) { crashBase(t, dir, db) })
	ref := fresh(t)
	cli(t, ref, "close", "2025-12")
	want := closedState(t, ref)
	if n := strings.Count(want, "\n[crash 2025-"); n != 12 {
		t.Fatalf("reference close stored %d statements, want 12", n)
	}
	points := 0
	for k := 1; ; k++ {
		db := fresh(t)
		before := dumpDB(t, db)
		_, errOut, err := startCLIEnv(t, []string{crashPointEnv + fmt.Sprintf("=close-%d", k)}, db, "close", "2025-12").wait()
		if err == nil {
			break // past the last point: the close ran to its end
		}
		if !strings.Contains(err.Error(), "killed") {
			t.Fatalf("close-%d: %v\n%s", k, err, errOut)
		}
		points++
		got := closedState(t, db)
		switch {
		case got == want: // killed after the commit
		case dumpDB(t, db) != before:
			t.Fatalf("close-%d: a killed close left part of its work:\n%s", k, got)
		}
		if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: ") {
			t.Fatalf("close-%d: verify: %s", k, out)
		}
		cli(t, db, "close", "2025-12")
		if got := closedState(t, db); got != want {
			t.Fatalf("close-%d: closing again gave\n%s\nwant\n%s", k, got, want)
		}
	}
	t.Logf("%d crash points", points)
	if points < 40 {
		t.Fatalf("only %d crash points, want at least 40", points)
	}
}

// TestCloseRaces starts a close, an import of more events of the
// closing months, a payment and a run at the same moment, several times:
// each time the end state equals one of the serial orders of the four,
// verify passes, and closing again completes and stores nothing.
func TestCloseRaces(t *testing.T) {
	if testing.Short() {
		t.Skip("process race test: skipped with -short")
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "base.db")
	crashBase(t, dir, base)
	late := filepath.Join(dir, "late.csv")
	crashUsage(t, late, "late")
	ops := [][]string{
		{"close", "2025-12"},
		{"import", "usage", late},
		{"pay", "--contract", "crash", "--payer", "openai", "--payee", "microsoft", "--amount", "25.00", "--date", "2026-01-10", "--reference", "w1"},
		{"run", "--through", "2026-01"},
	}
	serial := map[string]string{}
	for i, order := range permutations(len(ops)) {
		db := filepath.Join(dir, fmt.Sprintf("serial-%d.db", i))
		copyDB(t, base, db)
		var names []string
		for _, k := range order {
			cli(t, db, ops[k]...)
			names = append(names, ops[k][0])
		}
		serial[closedState(t, db)] = strings.Join(names, ", ")
	}
	if len(serial) < 2 {
		t.Fatal("every serial order ends in the same state: the test proves nothing")
	}
	seen := map[string]int{}
	for round := 0; round < 4; round++ {
		db := filepath.Join(t.TempDir(), "race.db")
		copyDB(t, base, db)
		at := time.Now().Add(400 * time.Millisecond)
		var wg sync.WaitGroup
		errs := make([]string, len(ops))
		for i, args := range ops {
			p := startCLIEnv(t, []string{fmt.Sprintf("%s=%d", cliStartAtEnv, at.UnixNano())}, db, args...)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, errOut, err := p.wait(); err != nil {
					errs[i] = fmt.Sprintf("%s: %v\n%s", strings.Join(args, " "), err, errOut)
				}
			}()
		}
		wg.Wait()
		for _, e := range errs {
			if e != "" {
				t.Fatalf("round %d: %s", round, e)
			}
		}
		got := closedState(t, db)
		order, ok := serial[got]
		if !ok {
			t.Fatalf("round %d: the state after the race is no serial order's:\n%s", round, got)
		}
		seen[order]++
		if out := cli(t, db, "verify"); !strings.HasPrefix(out, "ok: ") {
			t.Fatalf("round %d: verify: %s", round, out)
		}
		if out := cli(t, db, "close", "2025-12", "--format", "json"); !strings.Contains(out, `"statements": []`) {
			t.Fatalf("round %d: closing again stored statements: %s", round, out)
		}
	}
	t.Logf("%d distinct serial states; orders seen: %v", len(serial), seen)
}

// permutations lists every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(append([]int{}, p[:i]...), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}
