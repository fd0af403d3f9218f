// Package bench compares revshare with the plain-text accounting tools on
// the same book (issue #15): it generates a usage file where each event
// posts its own entry (500 sellers × 2 channels × N/1,000 days), imports it
// with the revshare command, exports the journal for ledger, hledger and
// beancount, and times the same reports with each, one process per run:
//
//	REVSHARE_PEER_EVENTS=100000 go test ./bench -run Peers -v -timeout 1h
//
// It prints, per report, each tool's wall and CPU time (one run;
// revshare's best of three by CPU) and how many times slower than revshare
// it is. Without REVSHARE_PEER_EVENTS it runs at 10,000 events
// (CI's smoke test: it fails when a tool or revshare fails).
package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/internal/revsharetest"
	"github.com/revshare/revshare/ledger/storetest"
)

// writeBook writes the usage file: one event per seller, channel and day
// from 2023-01-01, in day order (the layout of docs/import.md).
func writeBook(path string, sellers, days int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := storetest.WritePerEventCSV(f, sellers, days); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// timed runs a command that must print something and returns its wall
// time and CPU time (user + system: on a shared machine the CPU time
// compares tools fairly when the wall time waits for a core).
func timed(t *testing.T, name string, args ...string) (wall, cpu time.Duration) {
	t.Helper()
	cmd := exec.Command(name, args...)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil {
		t.Fatalf("%s %s: %v\n%.2000s", name, strings.Join(args, " "), err, out)
	}
	if len(out) == 0 {
		t.Fatalf("%s %s printed nothing", name, strings.Join(args, " "))
	}
	return wall, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func TestPeers(t *testing.T) {
	events := 10_000
	if v := os.Getenv("REVSHARE_PEER_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1000 {
			t.Fatalf("REVSHARE_PEER_EVENTS=%q: want a number of events, at least 1000", v)
		}
		events = n
	}
	for _, tool := range []string{"ledger", "hledger", "bean-query"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	sellers, days := 500, events/1000
	dir := t.TempDir()
	bin := revsharetest.Build(t, dir)
	csv, db := filepath.Join(dir, "book.csv"), filepath.Join(dir, "book.db")
	if err := writeBook(csv, sellers, days); err != nil {
		t.Fatal(err)
	}
	importTime, _ := timed(t, bin, "--db", db, "import", "usage", csv)
	files := map[string]string{}
	for _, f := range []string{"ledger", "hledger", "beancount"} {
		files[f] = filepath.Join(dir, "book."+f)
		timed(t, bin, "--db", db, "export", f, "-o", files[f])
	}
	asOf := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days/2)
	end := asOf.AddDate(0, 0, 1).Format("2006-01-02") // ledger's and hledger's -e is exclusive
	reports := []struct {
		name  string
		tools [][]string // revshare first
	}{
		{"trial balance", [][]string{
			{bin, "--db", db, "balance", "--format", "csv"},
			{"ledger", "-f", files["ledger"], "--flat", "balance"},
			{"hledger", "-f", files["hledger"], "balance", "--flat", "-O", "csv"},
			{"bean-query", "-f", "csv", files["beancount"], "SELECT account, currency, str(sum(number)) GROUP BY account, currency"},
		}},
		{"trial balance as of " + asOf.Format("2006-01-02"), [][]string{
			{bin, "--db", db, "balance", "--as-of", asOf.Format("2006-01-02"), "--format", "csv"},
			{"ledger", "-f", files["ledger"], "--flat", "-e", end, "balance"},
			{"hledger", "-f", files["hledger"], "balance", "--flat", "-e", end, "-O", "csv"},
			{"bean-query", "-f", "csv", files["beancount"], "SELECT account, currency, str(sum(number)) WHERE date <= " +
				asOf.Format("2006-01-02") + " GROUP BY account, currency"},
		}},
	}
	var table []string
	table = append(table, fmt.Sprintf("%d events, one entry each (%d sellers x 2 channels x %d days); import %v (%.0f events/s)",
		events, sellers, days, importTime.Round(time.Millisecond), float64(events)/importTime.Seconds()))
	for _, r := range reports {
		var wall, cpu []time.Duration
		for k, args := range r.tools {
			runs := 1 // the tools take seconds to minutes
			if k == 0 {
				runs = 3 // revshare: best of three
			}
			var w, c time.Duration
			for i := 0; i < runs; i++ {
				if dw, dc := timed(t, args[0], args[1:]...); i == 0 || dc < c {
					w, c = dw, dc
				}
			}
			wall, cpu = append(wall, w), append(cpu, c)
		}
		table = append(table, r.name+":")
		for i, args := range r.tools {
			table = append(table, fmt.Sprintf("  %-10s wall %12v %8.1fx   CPU %12v %8.1fx revshare", filepath.Base(args[0]),
				wall[i].Round(time.Microsecond), float64(wall[i])/float64(wall[0]),
				cpu[i].Round(time.Microsecond), float64(cpu[i])/float64(cpu[0])))
		}
	}
	t.Log("one process per run (revshare: best of 3):\n" + strings.Join(table, "\n"))
}
