package export

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
)

// BenchmarkBalanceVersusTools times one trial balance of the same
// 100,000-entry ledger by revshare and by the tools over its exports:
//
//	go test -run '^$' -bench BalanceVersusTools -benchtime 3x ./reports/export
//
// revshare/trial-balance is the sqlite.DB.TrialBalance call that `revshare
// balance` makes; revshare/command is the whole `revshare balance --format
// json` process. The parent benchmark logs every time and its ratio to the
// trial balance.
func BenchmarkBalanceVersusTools(b *testing.B) {
	requireTools(b, "hledger", "ledger", "bean-query")
	ctx := context.Background()
	dbPath := generatedDB(b, 100000)
	bin := revshareBinary(b)
	dir := b.TempDir()
	files := map[Format]string{}
	for _, f := range Formats {
		files[f] = filepath.Join(dir, "bench."+string(f))
		run(b, bin, "--db", dbPath, "export", string(f), "-o", files[f])
	}
	db, err := sqlite.OpenReadOnly(ctx, dbPath)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()

	type contender struct {
		name string
		run  func(b *testing.B)
	}
	execRun := func(name string, args ...string) func(b *testing.B) {
		return func(b *testing.B) {
			out, err := exec.Command(name, args...).CombinedOutput()
			if err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
		}
	}
	contenders := []contender{
		{"revshare/trial-balance", func(b *testing.B) {
			if _, err := db.TrialBalance(ctx, ledger.BalanceQuery{}); err != nil {
				b.Fatal(err)
			}
		}},
		{"revshare/command", execRun(bin, "--db", dbPath, "balance", "--format", "json")},
		{"hledger", execRun("hledger", "-f", files[Hledger], "balance", "--flat", "-O", "csv")},
		{"ledger", execRun("ledger", "-f", files[Ledger], "--flat", "balance")},
		{"bean-query", execRun("bean-query", "-f", "csv", files[Beancount],
			"SELECT account, currency, sum(number) GROUP BY account, currency")},
	}
	// Each contender reports its time as a multiple of the trial balance's
	// (the "x_trial_balance" column); a last sub-benchmark logs the table.
	perOp := map[string]time.Duration{}
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				c.run(b)
			}
			perOp[c.name] = time.Since(start) / time.Duration(b.N)
			if base := perOp[contenders[0].name]; base > 0 {
				b.ReportMetric(float64(perOp[c.name])/float64(base), "x_trial_balance")
			}
		})
	}
	logged := false
	b.Run("summary", func(b *testing.B) {
		base := perOp[contenders[0].name]
		if logged || base == 0 {
			return
		}
		logged = true
		fastest := ""
		var lines []string
		for _, c := range contenders {
			if !strings.HasPrefix(c.name, "revshare") && (fastest == "" || perOp[c.name] < perOp[fastest]) {
				fastest = c.name
			}
			lines = append(lines, fmt.Sprintf("%-24s %14v  %8.1fx", c.name, perOp[c.name].Round(time.Microsecond), float64(perOp[c.name])/float64(base)))
		}
		b.Logf("one trial balance of 100,000 entries (times the trial balance's):\n%s\nfastest tool: %s, %.1fx revshare's trial balance (goal: at least 100x)",
			strings.Join(lines, "\n"), fastest, float64(perOp[fastest])/float64(base))
	})
}
