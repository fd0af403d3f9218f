package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// manyRows is a usage file of n good rows (more than the parser's queue
// holds, so that it is blocked when the writer stops).
func manyRows(n int, extra func(i int) string) string {
	var b strings.Builder
	b.WriteString(usageHead)
	for i := 0; i < n; i++ {
		if x := extra(i); x != "" {
			b.WriteString(x)
			continue
		}
		fmt.Fprintf(&b, "r%d,2026-01-%02d,openai,direct,gpt,%d.25,USD,\n", i, 1+i%28, i)
	}
	return b.String()
}

// TestImportStopsCleanly: when the writer stops early (OnReject fails, or
// the context ends), ImportUsage returns the error, the parser goroutine
// ends, and nothing is written.
func TestImportStopsCleanly(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	file := manyRows(20000, func(i int) string {
		if i == 100 {
			return "bad,2026-01-32,openai,direct,gpt,1,USD,\n"
		}
		return ""
	})
	stop := errors.New("rejects file is full")
	_, err := db.ImportUsage(context.Background(), strings.NewReader(file), usage.ImportOptions{FileName: "f.csv", AllowPartial: false,
		OnReject: func(*usage.Row) error { return stop }})
	if !errors.Is(err, stop) {
		t.Fatalf("import: %v, want %v", err, stop)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_, err = db.ImportUsage(ctx, strings.NewReader(manyRows(20000, func(int) string { return "" })), usage.ImportOptions{FileName: "g.csv",
		OnProgress: func(n int, _ int64) {
			if n >= 4096 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled import: %v", err)
	}
	if evs, err := db.Events(context.Background(), ledger.EventFilter{}); err != nil || len(evs) != 0 {
		t.Fatalf("%d events stored after stopped imports (%v)", len(evs), err)
	}
	if list, err := db.ImportBatches(context.Background(), 0, 0); err != nil || len(list) != 0 {
		t.Fatalf("batches after stopped imports: %+v %v", list, err)
	}
}

// TestImportReadErrorAfterManyRows: a read error found after thousands of
// rows were handed to the writer is returned, and nothing is posted.
func TestImportReadErrorAfterManyRows(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	broken := errors.New("disk went away")
	r := io.MultiReader(strings.NewReader(manyRows(6000, func(int) string { return "" })), iotest.ErrReader(broken))
	_, err := db.ImportUsage(context.Background(), r, usage.ImportOptions{FileName: "f.csv"})
	if !errors.Is(err, broken) {
		t.Fatalf("import: %v", err)
	}
	if evs, _ := db.Events(context.Background(), ledger.EventFilter{}); len(evs) != 0 {
		t.Fatalf("%d events stored", len(evs))
	}
}

// TestImportRepeatsAndOverlaps: an event_id repeated in one INSERT's rows or
// far apart is a duplicate (same content) or a conflict naming the line
// (other content); a later file that overlaps a stored one stores only its
// new rows, found among stored ones, in file order.
func TestImportRepeatsAndOverlaps(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	file := manyRows(100, func(i int) string {
		switch i {
		case 3: // repeats row 2 within the same INSERT
			return "r2,2026-01-03,openai,direct,gpt,2.25,USD,\n"
		case 80: // repeats row 10, three INSERTs later
			return "r10,2026-01-11,openai,direct,gpt,10.25,USD,\n"
		}
		return ""
	})
	res, rejects, err := importString(t, db, "a.csv", file, usage.ImportOptions{})
	if err != nil || res.Posted != 98 || res.Duplicates != 2 || len(rejects) != 0 {
		t.Fatalf("first: %+v %v %v", res, rejects, err)
	}
	conflict := strings.Replace(file, "r10,2026-01-11,openai,direct,gpt,10.25,USD,\n", "r10,2026-01-11,openai,direct,gpt,10.26,USD,\n", 1)
	conflict = strings.Replace(conflict, "r0,", "new0,", 1)
	res, rejects, err = importString(t, db, "b.csv", conflict, usage.ImportOptions{AllowPartial: true, SHA256: sha256Hex(conflict)})
	want := []string{`b.csv:12: column event_id: value "r10": conflicts with the version imported in batch 1 (line 12): amount "10.25" -> "10.26"`}
	if err != nil || res.Posted != 1 || res.Duplicates != 98 || res.Rejected != 1 || strings.Join(rejects, "|") != strings.Join(want, "|") {
		t.Fatalf("overlap: %+v\n%q\n%v", res, rejects, err)
	}
	res, rejects, err = importString(t, db, "c.csv", usageHead+"x1,2026-02-01,openai,direct,gpt,1,USD,\nx1,2026-02-01,openai,direct,gpt,2,USD,\n", usage.ImportOptions{})
	want = []string{`c.csv:3: column event_id: value "x1": conflicts with the version in line 2 of this file: amount "1" -> "2"`}
	if !errors.Is(err, usage.ErrBadRows) || strings.Join(rejects, "|") != strings.Join(want, "|") {
		t.Fatalf("in-file conflict: %+v\n%q\n%v", res, rejects, err)
	}
	mustVerify(t, db)
	evs, err := db.Events(ctx, ledger.EventFilter{Source: "default", EventID: "new0"})
	if err != nil || len(evs) != 1 || evs[0].BatchID != 2 {
		t.Fatalf("new0: %+v %v", evs, err)
	}
}
