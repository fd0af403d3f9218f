package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// concurrentOps is one round of the concurrent-writer battery: imports of
// distinct files, runs, closes and payments, all at once.
func concurrentOps(dir string, round int) [][]string {
	var ops [][]string
	for i := 0; i < 8; i++ {
		f := filepath.Join(dir, fmt.Sprintf("u-%d-%d.csv", round, i))
		var b strings.Builder
		b.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
		for r := 0; r < 150; r++ {
			seller, ch := "openai", "direct"
			if r%3 == 0 {
				seller, ch = "microsoft", "azure"
			}
			fmt.Fprintf(&b, "c%d-%d-%d,2026-0%d-%02d,%s,%s,%d.%02d,USD\n", round, i, r, 2+r%2, 1+r%28, seller, ch, 1+r%40, r%100)
		}
		os.WriteFile(f, []byte(b.String()), 0o644)
		ops = append(ops, []string{"import", "usage", f})
	}
	for i := 0; i < 6; i++ {
		ops = append(ops, []string{"run", "--through", "2026-03"})
		ops = append(ops, []string{"pay", "--contract", "small", "--payer", "openai", "--payee", "microsoft",
			"--amount", fmt.Sprintf("%d.00", 1+i), "--date", fmt.Sprintf("2026-0%d-1%d", 2+i%2, i), "--reference", fmt.Sprintf("R%d-%d", round, i)})
	}
	ops = append(ops, []string{"close", "2026-01"}, []string{"close", "2026-01"})
	return ops
}

// TestConcurrentWriters is the concurrent-writer battery (issue 12): rounds
// of imports, runs, closes and payments started at once, each on its own
// connection as separate processes would be. Every one must succeed (no
// "database is locked": writers queue), verify must pass, and the books must
// equal those of the same operations run one after another. REVSHARE_CONCURRENT_ROUNDS
// sets the rounds (default 3, 1 with -short).
func TestConcurrentWriters(t *testing.T) {
	rounds := 3
	if testing.Short() {
		rounds = 1
	}
	if s := os.Getenv("REVSHARE_CONCURRENT_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	dir := t.TempDir()
	setup := func(db string) {
		addRunsFixture(t, db)
	}
	busy, serial := filepath.Join(dir, "busy.db"), filepath.Join(dir, "serial.db")
	setup(busy)
	setup(serial)
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	n := 0
	for round := 0; round < rounds; round++ {
		ops := concurrentOps(dir, round)
		rng.Shuffle(len(ops), func(i, j int) { ops[i], ops[j] = ops[j], ops[i] })
		var wg sync.WaitGroup
		errs := make(chan string, len(ops))
		for _, op := range ops {
			wg.Add(1)
			go func(op []string) {
				defer wg.Done()
				_, errOut, err := runCLI(t, append([]string{"--db", busy, "--lock-timeout", "5m"}, op...)...)
				if err != nil {
					errs <- strings.Join(op, " ") + ": " + errOut
				}
			}(op)
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Errorf("concurrent %s", e)
		}
		for _, op := range ops {
			cli(t, serial, op...)
		}
		n += len(ops)
	}
	cli(t, busy, "run", "--through", "2026-03")
	cli(t, serial, "run", "--through", "2026-03")
	if out := cli(t, busy, "verify"); !strings.HasPrefix(out, "ok: ") {
		t.Errorf("verify: %s", out)
	}
	b, s := cli(t, busy, "balance", "--format", "csv"), cli(t, serial, "balance", "--format", "csv")
	if b != s {
		t.Errorf("balances after %d concurrent operations differ from the serial order:\n%s\nserial:\n%s", n, b, s)
	}
	t.Logf("%d concurrent operations in %d rounds: all succeeded, books equal to a serial order", n, rounds)
}
