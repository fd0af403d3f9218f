package sqlite

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts/demo"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// The import benchmark (docs/import.md): it generates a usage CSV at run
// time (1,000,000 rows; REVSHARE_BENCH_ROWS overrides), imports it end to
// end into a fresh database in a child process (so that the child's peak
// RSS is the import's alone), imports it again (every row a duplicate), and
// in the same run inserts the same number of flat rows into a plain table
// with the same pragmas, and as many rows straight into the events table
// (same schema and indexes, no file, no validation):
//
//	go test ./ledger/sqlite -run '^$' -bench ImportUsage1M -benchtime 1x -v
//
// It reports rows/s of each, the ratio import/raw and the peak RSS.

const benchRowsEnv = "REVSHARE_BENCH_ROWS"

var benchChannels = [...]string{"direct", "azure", "aws", "gcp"}
var benchSellers = [...]string{"openai", "microsoft"}
var benchProducts = [...]string{"gpt-5", "gpt-5-mini", "o4", "embeddings", "copilot"}
var benchRegions = [...]string{"us", "eu", "apac"}

// appendBenchRow appends the fields of the n-th benchmark row as CSV.
func appendBenchRow(b []byte, n int) []byte {
	b = append(b, "evt-"...)
	b = strconv.AppendInt(b, int64(n), 10)
	b = append(b, ',')
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n*365/1_000_000%365)
	if n%2 == 0 {
		b = day.AppendFormat(b, "2006-01-02")
	} else {
		b = day.Add(time.Duration(n%86400)*time.Second).AppendFormat(b, time.RFC3339)
	}
	b = append(b, ',')
	b = append(b, benchSellers[n%2]...)
	b = append(b, ',')
	b = append(b, benchChannels[n/2%4]...)
	b = append(b, ",cust-"...)
	b = strconv.AppendInt(b, int64(n%5000), 10)
	b = append(b, ',')
	b = append(b, benchProducts[n%5]...)
	b = append(b, ',')
	b = append(b, benchRegions[n%3]...)
	b = append(b, ',')
	cents := int64(n*7919%1_000_000) - 50_000 // some refunds
	if cents < 0 {
		b = append(b, '-')
		cents = -cents
	}
	b = strconv.AppendInt(b, cents/100, 10)
	b = append(b, '.')
	b = append(b, byte('0'+cents%100/10), byte('0'+cents%10))
	b = append(b, ",USD\n"...)
	return b
}

func writeBenchCSV(path string, rows int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	var buf []byte
	for n := 1; n <= rows; n++ {
		buf = appendBenchRow(buf[:0], n)
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return 0, err
	}
	st, _ := f.Stat()
	return st.Size(), f.Close()
}

// rawInsert inserts rows flat rows (the benchmark's fields, as text) into a
// table without indexes, in one transaction, with the store's pragmas. Like
// the import's child, it is timed from opening the database to closing it
// (the close checkpoints the WAL).
func rawInsert(path string, rows int) (time.Duration, error) {
	start := time.Now()
	db, err := sql.Open(driverName, dsn(path, nil))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE flat (id INTEGER PRIMARY KEY, event_id TEXT, occurred_at TEXT, seller TEXT,
		channel TEXT, customer TEXT, product TEXT, region TEXT, amount TEXT, currency TEXT)`); err != nil {
		return 0, err
	}
	tx, err := db.Begin()
	if err != nil {
		return 0, err
	}
	st, err := tx.Prepare(`INSERT INTO flat (event_id, occurred_at, seller, channel, customer, product, region, amount, currency)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return 0, err
	}
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 1; n <= rows; n++ {
		if _, err := st.Exec("evt-"+strconv.Itoa(n), day.Format("2006-01-02"), benchSellers[n%2], benchChannels[n/2%4],
			"cust-"+strconv.Itoa(n%5000), benchProducts[n%5], benchRegions[n%3], strconv.Itoa(n%100000)+".25", "USD"); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	if err := db.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// rawInsertEvents inserts rows rows straight into a fresh store's events
// table (same schema, index, page cache and statement as the importer),
// without reading a file: the floor of what an import can cost.
func rawInsertEvents(path string, rows int) (time.Duration, error) {
	ctx := context.Background()
	start := time.Now()
	d, err := Open(ctx, path, nil)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	err = d.WithTx(ctx, func(tx *Tx) error {
		if _, err := tx.SQL().Exec(fmt.Sprintf("PRAGMA cache_size = %d", importCacheSize)); err != nil {
			return err
		}
		values := strings.Repeat("(1, ?, ?), ", insertRows)
		st, err := tx.SQL().Prepare(fmt.Sprintf(insertEventsSQL, 1, values[:len(values)-2]))
		if err != nil {
			return err
		}
		day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var args []any
		for n := 1; n <= rows; n++ {
			dn := n * 365 / 1_000_000 % 365
			date := day.AddDate(0, 0, dn).Format("2006-01-02")
			data := fmt.Sprintf(`[%q,%q,%q,"cust-%d",%q,%q,"%d.25","USD","%016x",%d,0,1,%d]`,
				date, benchSellers[n%2], benchChannels[n/2%4], n%5000, benchProducts[n%5], benchRegions[n%3], n%100000, n, n+1, 1+dn*8+n%8)
			args = append(args, "evt-"+strconv.Itoa(n), data)
			if n%insertRows == 0 {
				if _, err := st.Exec(args...); err != nil {
					return err
				}
				args = args[:0]
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := d.Close(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// childResult is what TestImportBenchChild prints.
type childResult struct {
	Seconds float64
	Result  ledger.ImportResult
}

// TestImportBenchChild is the benchmark's child process; it does nothing
// unless REVSHARE_IMPORT_CHILD names "DB CSV".
func TestImportBenchChild(t *testing.T) {
	db, file := os.Getenv("REVSHARE_IMPORT_CHILD_DB"), os.Getenv("REVSHARE_IMPORT_CHILD_CSV")
	if db == "" {
		t.Skip("benchmark child: run by BenchmarkImportUsage1M")
	}
	if n := os.Getenv("REVSHARE_IMPORT_CHILD_RAW"); n != "" {
		rows, _ := strconv.Atoi(n)
		insert := rawInsert
		if os.Getenv("REVSHARE_IMPORT_CHILD_EVENTS") != "" {
			insert = rawInsertEvents
		}
		d, err := insert(db, rows)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(childResult{Seconds: d.Seconds()})
		fmt.Printf("CHILD %s\n", out)
		return
	}
	ctx := context.Background()
	start := time.Now()
	open := Open
	if os.Getenv("REVSHARE_IMPORT_CHILD_NEW_BOOK") != "" {
		open = OpenNewBook // the command line's first import into a missing file
	}
	d, err := open(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("REVSHARE_IMPORT_CHILD_CONTRACT") != "" {
		// The demo contract's usage set is kept by the import.
		storetest.SaveContract(t, d, string(demo.ContractYAML), false)
	}
	if x := os.Getenv("REVSHARE_IMPORT_CHILD_SQL"); x != "" {
		if _, err := d.w.Exec(x); err != nil { // experiments only
			t.Fatal(err)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	res, err := d.ImportUsage(ctx, bufio.NewReaderSize(f, 1<<20), usage.ImportOptions{FileName: file})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(childResult{time.Since(start).Seconds(), res})
	fmt.Printf("CHILD %s\n", out)
}

// childRun is one child process's figures.
type childRun struct {
	childResult
	CPU    float64 // user + system seconds of the whole child
	MaxRSS int64   // bytes
}

func runChild(b *testing.B, env ...string) childRun {
	cmd := exec.Command(os.Args[0], "-test.run", "^TestImportBenchChild$", "-test.v")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	var res childRun
	for _, line := range splitLines(string(out)) {
		if len(line) > 6 && line[:6] == "CHILD " {
			if err := json.Unmarshal([]byte(line[6:]), &res.childResult); err != nil {
				b.Fatal(err)
			}
		}
	}
	ps := cmd.ProcessState
	res.CPU = (ps.UserTime() + ps.SystemTime()).Seconds()
	res.MaxRSS = ps.SysUsage().(*syscall.Rusage).Maxrss * 1024 // Linux reports KiB
	return res
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		out = append(out, s[:i])
		if i < len(s) {
			i++
		}
		s = s[i:]
	}
	return out
}

func BenchmarkImportUsage1M(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv(benchRowsEnv); v != "" {
		rows, _ = strconv.Atoi(v)
	}
	dir := b.TempDir()
	if d := os.Getenv("REVSHARE_BENCH_DIR"); d != "" {
		dir = d // keep the files (for profiling the child by hand)
	}
	file := filepath.Join(dir, "usage.csv")
	size, err := writeBenchCSV(file, rows)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		raw := runChild(b, "REVSHARE_IMPORT_CHILD_DB="+filepath.Join(dir, fmt.Sprintf("raw%d.db", i)), "REVSHARE_IMPORT_CHILD_RAW="+strconv.Itoa(rows))
		rawEvents := runChild(b, "REVSHARE_IMPORT_CHILD_DB="+filepath.Join(dir, fmt.Sprintf("rawevents%d.db", i)),
			"REVSHARE_IMPORT_CHILD_RAW="+strconv.Itoa(rows), "REVSHARE_IMPORT_CHILD_EVENTS=1")
		db := filepath.Join(dir, fmt.Sprintf("import%d.db", i))
		first := runChild(b, "REVSHARE_IMPORT_CHILD_DB="+db, "REVSHARE_IMPORT_CHILD_CSV="+file)
		newBook := runChild(b, "REVSHARE_IMPORT_CHILD_DB="+filepath.Join(dir, fmt.Sprintf("newbook%d.db", i)),
			"REVSHARE_IMPORT_CHILD_CSV="+file, "REVSHARE_IMPORT_CHILD_NEW_BOOK=1")
		again := runChild(b, "REVSHARE_IMPORT_CHILD_DB="+db, "REVSHARE_IMPORT_CHILD_CSV="+file)
		withContract := runChild(b, "REVSHARE_IMPORT_CHILD_DB="+filepath.Join(dir, fmt.Sprintf("contract%d.db", i)),
			"REVSHARE_IMPORT_CHILD_CSV="+file, "REVSHARE_IMPORT_CHILD_CONTRACT=1")
		if first.Result.Posted != rows || newBook.Result.Posted != rows || again.Result.Duplicates != rows || withContract.Result.Posted != rows {
			b.Fatalf("first %+v, new book %+v, again %+v, with a contract %+v", first.Result, newBook.Result, again.Result, withContract.Result)
		}
		n := float64(rows)
		rawRate, r1, r2 := n/raw.Seconds, n/first.Seconds, n/again.Seconds
		b.ReportMetric(rawRate, "raw-rows/s")
		b.ReportMetric(r1, "import-rows/s")
		b.ReportMetric(r2, "reimport-rows/s")
		b.ReportMetric(r1/rawRate, "import/raw")
		b.ReportMetric(n/newBook.Seconds/rawRate, "newbook/raw")
		b.ReportMetric(raw.Seconds/rawEvents.Seconds, "raw-events/raw")
		b.ReportMetric(r2/rawRate, "reimport/raw")
		b.ReportMetric(float64(max(first.MaxRSS, again.MaxRSS))/(1<<20), "peak-RSS-MB")
		b.Logf("%d rows, %.1f MB CSV", rows, float64(size)/1e6)
		b.Logf("%-30s %12s %12s %10s %14s %8s", "", "wall s", "rows/s", "vs raw", "CPU rows/s", "RSS MB")
		for _, r := range []struct {
			name string
			c    childRun
		}{{"raw insert (flat table)", raw}, {"raw insert (events table)", rawEvents}, {"import (fresh db)", first},
			{"first import (OpenNewBook)", newBook},
			{"re-import (all duplicates)", again}, {"import, demo contract stored", withContract}} {
			b.Logf("%-30s %12.2f %12.0f %10.2f %14.0f %8.0f", r.name, r.c.Seconds, n/r.c.Seconds, raw.Seconds/r.c.Seconds,
				n/r.c.CPU, float64(r.c.MaxRSS)/(1<<20))
		}
	}
}

// BenchmarkEachEvent streams every event of a database made by
// BenchmarkImportUsage1M (REVSHARE_BENCH_DB names it):
//
//	REVSHARE_BENCH_DB=/path/import0.db go test ./ledger/sqlite -run '^$' -bench EachEvent -benchtime 1x
func BenchmarkEachEvent(b *testing.B) {
	path := os.Getenv("REVSHARE_BENCH_DB")
	if path == "" {
		b.Skip("set REVSHARE_BENCH_DB to a database with events")
	}
	db, err := Open(context.Background(), path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for i := 0; i < b.N; i++ {
		n := 0
		start := time.Now()
		if err := db.EachEvent(context.Background(), ledger.EventFilter{}, func(*ledger.Event) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "events/s")
	}
}

// BenchmarkImportPerEvent imports, in process, a book where each event
// posts its own entry (issue #15's shape; 100 sellers × 2 channels × 100
// days = 20,000 events unless REVSHARE_BENCH_ROWS names another count,
// rounded to whole days of 1,000 events). For profiling the posting path:
//
//	go test ./ledger/sqlite -run '^$' -bench ImportPerEvent -benchtime 1x -cpuprofile /tmp/cpu.out
//	go tool pprof -top -cum ledger/sqlite.test /tmp/cpu.out
func BenchmarkImportPerEvent(b *testing.B) {
	sellers, days := 100, 100
	if v := os.Getenv(benchRowsEnv); v != "" {
		n, _ := strconv.Atoi(v)
		sellers, days = 500, max(1, n/1000)
	}
	var csv bytes.Buffer
	if err := storetest.WritePerEventCSV(&csv, sellers, days); err != nil {
		b.Fatal(err)
	}
	rows := sellers * 2 * days
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := Open(context.Background(), filepath.Join(b.TempDir(), "db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := db.ImportUsage(context.Background(), bytes.NewReader(csv.Bytes()), usage.ImportOptions{FileName: "book.csv"})
		if err != nil || res.Posted != rows || res.Entries != rows {
			b.Fatalf("import = %+v, %v", res, err)
		}
		b.StopTimer()
		db.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
