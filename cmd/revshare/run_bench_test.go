package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/demo"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/usage"
)

// BenchmarkRunAndStatements1M imports 1,000,000 demo-like events spread over
// the 72 months of 2025-2030, then runs the demo contract through 2030-12 and
// renders every monthly statement as JSON, and reports the run and the
// statements as a fraction of the import time measured in the same run
// (issue 4's goal: under 0.20).
//
//	go test ./cmd/revshare -run '^$' -bench RunAndStatements1M -benchtime 1x
func BenchmarkRunAndStatements1M(b *testing.B) {
	const events = 1_000_000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		csvPath := filepath.Join(dir, "usage.csv")
		writeBenchUsage(b, csvPath, events)
		db, err := sqlite.Open(ctx, filepath.Join(dir, "b.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		c, err := contracts.Parse(demo.ContractYAML)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := db.SaveContract(ctx, c, false); err != nil {
			b.Fatal(err)
		}
		f, err := os.Open(csvPath)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := db.ImportUsage(ctx, bufio.NewReaderSize(f, 1<<20), usage.ImportOptions{Source: "bench", FileName: csvPath}); err != nil {
			b.Fatal(err)
		}
		importTime := time.Since(start)
		f.Close()

		start = time.Now()
		through, _ := ledger.ParsePeriod("2030-12")
		if _, err := db.Run(ctx, through.Last()); err != nil {
			b.Fatal(err)
		}
		runTime := time.Since(start)

		start = time.Now()
		evaluated, err := db.Evaluate(ctx, c.ID, through)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for p := (ledger.Period{Freq: ledger.Month, Year: 2025, Index: 1}); !through.Before(p); p = p.Next() {
			s, err := db.Statement(ctx, c.ID, p, evaluated)
			if err != nil {
				b.Fatal(err)
			}
			if err := s.Render(io.Discard, "json"); err != nil {
				b.Fatal(err)
			}
			n++
		}
		stmtTime := time.Since(start)
		db.Close()
		b.ReportMetric(importTime.Seconds(), "import-s")
		b.ReportMetric(runTime.Seconds(), "run-s")
		b.ReportMetric(stmtTime.Seconds(), "statements-s")
		b.ReportMetric((runTime+stmtTime).Seconds()/importTime.Seconds(), "run+statements/import")
		b.Logf("%d events: import %v, run %v, %d statements %v", events, importTime, runTime, n, stmtTime)
	}
}

// writeBenchUsage writes n events of four OpenAI channels and Microsoft's
// Azure sales, spread evenly over 2025-01-01 .. 2030-12-31.
func writeBenchUsage(b *testing.B, path string, n int) {
	var buf bytes.Buffer
	buf.WriteString("event_id,occurred_at,seller,channel,product,amount,currency\n")
	channels := []string{"direct", "azure", "aws", "gcp"}
	products := []string{"api", "chatgpt", "enterprise"}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Sub(start)
	for i := 0; i < n; i++ {
		at := start.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		seller, channel := "openai", channels[i%4]
		if i%5 == 4 {
			seller, channel = "microsoft", "azure"
		}
		fmt.Fprintf(&buf, "ev%d,%s,%s,%s,%s,%d.%02d,USD\n", i, at.Format(time.RFC3339), seller, channel, products[i%3], 1000+i%9000, i%100)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
}
