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
// 100,000-entry ledger by the tools over its exports and by revshare:
//
//	go test -run '^$' -bench BalanceVersusTools -benchtime 3x ./reports/export
//
// revshare/command is the whole `revshare balance --format json` process;
// revshare/cold is sqlite.Open plus the first TrialBalance call (what the
// command does); revshare/warm is TrialBalance again on an open database
// (what `revshare serve` does).
// Each revshare line reports how many times faster than the fastest tool it
// is ("x_vs_fastest_tool"); a last sub-benchmark logs the table.
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
	warm := openAndBalance(b, dbPath)
	defer warm.Close()

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
		{"hledger", execRun("hledger", "-f", files[Hledger], "balance", "--flat", "-O", "csv")},
		{"ledger", execRun("ledger", "-f", files[Ledger], "--flat", "balance")},
		{"bean-query", execRun("bean-query", "-f", "csv", files[Beancount],
			"SELECT account, currency, str(sum(number)) GROUP BY account, currency")},
		{"revshare/command", execRun(bin, "--db", dbPath, "balance", "--format", "json")},
		{"revshare/cold", func(b *testing.B) { openAndBalance(b, dbPath).Close() }},
		{"revshare/warm", func(b *testing.B) {
			if _, err := warm.TrialBalance(ctx, ledger.BalanceQuery{}); err != nil {
				b.Fatal(err)
			}
		}},
	}
	perOp := map[string]time.Duration{}
	fastest := ""
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			start := time.Now()
			for b.Loop() {
				c.run(b)
			}
			perOp[c.name] = time.Since(start) / time.Duration(b.N)
			if !strings.HasPrefix(c.name, "revshare") {
				if fastest == "" || perOp[c.name] < perOp[fastest] {
					fastest = c.name
				}
			} else if fastest != "" {
				b.ReportMetric(float64(perOp[fastest])/float64(perOp[c.name]), "x_vs_fastest_tool")
			}
		})
	}
	logged := false
	b.Run("summary", func(b *testing.B) {
		if logged || fastest == "" {
			return
		}
		logged = true
		var lines []string
		for _, c := range contenders {
			lines = append(lines, fmt.Sprintf("%-18s %14v  %10.1fx faster than %s", c.name, perOp[c.name].Round(time.Microsecond),
				float64(perOp[fastest])/float64(perOp[c.name]), fastest))
		}
		b.Logf("one trial balance of 100,000 entries (goal: revshare at least 100x faster than the fastest tool):\n%s", strings.Join(lines, "\n"))
	})
}

// openAndBalance opens the book at path read-only and computes its trial
// balance once: the cold contender whole, and the warm one's first call.
func openAndBalance(b *testing.B, path string) *sqlite.DB {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.OpenReadOnly(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.TrialBalance(ctx, ledger.BalanceQuery{}); err != nil {
		db.Close()
		b.Fatal(err)
	}
	return db
}
