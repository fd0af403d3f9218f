package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// rejectsFile has three bad rows: line 3 (two errors) in the first chunk of
// three rows, lines 5 (a conflict with c1 as imported before) and 6 (a
// field short) in the second.
const rejectsFile = usageHead +
	"r1,2026-01-05,openai,azure,gpt,1.00,USD,\n" +
	"r2,2026-02-30,openai,azure,gpt,ten,USD,\n" +
	"r3,2026-01-06,openai,aws,gpt,3.00,USD,\n" +
	"c1,2026-01-05,openai,azure,gpt,2.00,USD,x\n" +
	"r4,2026-01-06,openai,aws,gpt,4.00,USD\n" +
	"r5,2026-01-07,openai,aws,gpt,5.00,USD,\n"

// wantRejects are rejectsFile's rejects once c1 is stored by batch 1.
var wantRejects = []ledger.ImportReject{
	{Line: 3, Errors: []ledger.RejectError{
		{Column: "occurred_at", Value: "2026-02-30", Reason: "no such date"},
		{Column: "amount", Value: "ten", Reason: "not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)"}},
		Record: []string{"r2", "2026-02-30", "openai", "azure", "gpt", "ten", "USD", ""}},
	{Line: 5, Errors: []ledger.RejectError{
		{Column: "event_id", Value: "c1", Reason: `conflicts with the version imported in batch 1 (line 2): amount "1.00" -> "2.00"`}},
		Record: []string{"c1", "2026-01-05", "openai", "azure", "gpt", "2.00", "USD", "x"}},
	{Line: 6, Errors: []ledger.RejectError{
		{Reason: "wrong number of fields: want 8 as in the header"}},
		Record: []string{"r4", "2026-01-06", "openai", "aws", "gpt", "4.00", "USD"}},
}

var wantColumns = []string{"event_id", "occurred_at", "seller", "channel", "product", "amount", "currency", "note"}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// storedRejects counts every stored reject, of any batch.
func storedRejects(t *testing.T, db *sqlite.DB) int {
	t.Helper()
	raw := rawDB(t, db)
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM import_rejects`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rawDB opens db's file again for writes in raw SQL, past the Go code,
// with the schema's triggers and foreign keys on.
func rawDB(t *testing.T, db *sqlite.DB) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite3", "file:"+db.Path()+"?_foreign_keys=on&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

// seedC1 stores c1 as batch 1, in the default mode.
func seedC1(t *testing.T, db *sqlite.DB) {
	t.Helper()
	if _, _, err := importString(t, db, "c1.csv", usageHead+"c1,2026-01-05,openai,azure,gpt,1.00,USD,x\n", usage.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestImportRejectsStored(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	seedC1(t, db)

	// Neither a default-mode import with bad rows nor a dry run stores rejects.
	if _, _, err := importString(t, db, "r.csv", rejectsFile, usage.ImportOptions{}); !errors.Is(err, usage.ErrBadRows) {
		t.Fatalf("default mode: %v", err)
	}
	res, rejects, err := importString(t, db, "r.csv", rejectsFile, usage.ImportOptions{AllowPartial: true, DryRun: true, ChunkRows: 3})
	if !errors.Is(err, usage.ErrBadRows) || len(rejects) != 4 || res.BatchID != 0 {
		t.Fatalf("dry run: %+v %q %v", res, rejects, err)
	}
	if n := storedRejects(t, db); n != 0 {
		t.Fatalf("%d rejects stored by a default-mode import and a dry run", n)
	}

	sha := sha256Hex(rejectsFile)
	res, _, err = importString(t, db, "r.csv", rejectsFile, usage.ImportOptions{AllowPartial: true, ChunkRows: 3, SHA256: sha})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ledger.ImportResult{BatchID: 2, Rows: 6, Posted: 3, Rejected: 3, Entries: 3}); res != want {
		t.Fatalf("partial %+v, want %+v", res, want)
	}
	got, err := db.ImportRejects(ctx, 2, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := jsonOf(t, got), jsonOf(t, wantRejects); g != w {
		t.Errorf("rejects\n got %s\nwant %s", g, w)
	}
	cols, err := db.ImportRejectColumns(ctx, 2)
	if err != nil || jsonOf(t, cols) != jsonOf(t, wantColumns) {
		t.Errorf("columns %q %v", cols, err)
	}
	if n := storedRejects(t, db); n != 3 {
		t.Errorf("%d rejects stored, want 3", n)
	}
	mustVerify(t, db)

	// Pages: after a line, at most limit.
	for _, tc := range []struct {
		after, limit int
		want         []ledger.ImportReject
	}{
		{0, 1, wantRejects[:1]},
		{3, 1, wantRejects[1:2]},
		{3, 0, wantRejects[1:]},
		{4, 5, wantRejects[1:]},
		{6, 0, nil},
	} {
		got, err := db.ImportRejects(ctx, 2, tc.after, tc.limit)
		if err != nil || jsonOf(t, got) != jsonOf(t, tc.want) {
			t.Errorf("after %d limit %d: %s %v", tc.after, tc.limit, jsonOf(t, got), err)
		}
	}
	// A batch without rejects has none; an unknown batch is not found.
	if got, err := db.ImportRejects(ctx, 1, 0, 0); got != nil || err != nil {
		t.Errorf("batch 1: %v %v", got, err)
	}
	if cols, err := db.ImportRejectColumns(ctx, 1); cols != nil || err != nil {
		t.Errorf("batch 1 columns: %v %v", cols, err)
	}
	for _, f := range []func() error{
		func() error { _, err := db.ImportRejects(ctx, 3, 0, 0); return err },
		func() error { _, err := db.ImportRejectColumns(ctx, 3); return err },
	} {
		storetest.WantError(t, f(), ledger.ENOTFOUND, "import 3 not found")
	}
}

// TestImportRejectsRerun interrupts a partial import in its second chunk:
// the first chunk's reject stays with the interrupted batch, and the re-run,
// a new batch, stores every reject again under its own ID.
func TestImportRejectsRerun(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	seedC1(t, db)
	stop := errors.New("stop")
	opts := usage.ImportOptions{FileName: "r.csv", AllowPartial: true, ChunkRows: 3, SHA256: sha256Hex(rejectsFile),
		OnReject: func(row *usage.Row) error {
			if row.Line == 5 {
				return stop
			}
			return nil
		}}
	if _, err := db.ImportUsage(ctx, strings.NewReader(rejectsFile), opts); !errors.Is(err, stop) {
		t.Fatalf("interrupted import: %v", err)
	}
	b, err := db.ImportBatch(ctx, 2)
	if err != nil || b.Status != "running" || b.Rows != 3 || b.Rejected != 1 {
		t.Fatalf("interrupted batch: %+v %v", b, err)
	}
	if got, err := db.ImportRejects(ctx, 2, 0, 0); err != nil || jsonOf(t, got) != jsonOf(t, wantRejects[:1]) {
		t.Errorf("interrupted batch's rejects: %s %v", jsonOf(t, got), err)
	}
	opts.OnReject = nil
	res, err := db.ImportUsage(ctx, strings.NewReader(rejectsFile), opts)
	if err != nil {
		t.Fatal(err)
	}
	if want := (ledger.ImportResult{BatchID: 3, Rows: 6, Posted: 1, Duplicates: 2, Rejected: 3, Entries: 1}); res != want {
		t.Errorf("re-run %+v, want %+v", res, want)
	}
	if got, err := db.ImportRejects(ctx, 3, 0, 0); err != nil || jsonOf(t, got) != jsonOf(t, wantRejects) {
		t.Errorf("re-run's rejects: %s %v", jsonOf(t, got), err)
	}
	if n := storedRejects(t, db); n != 4 {
		t.Errorf("%d rejects stored, want 4", n)
	}
	mustVerify(t, db)
}

func TestImportRejectsImmutable(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	seedC1(t, db)
	if _, _, err := importString(t, db, "r.csv", rejectsFile, usage.ImportOptions{AllowPartial: true, SHA256: sha256Hex(rejectsFile)}); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, db)
	for _, q := range []string{
		`UPDATE import_rejects SET errors = '[]' WHERE batch_id = 2 AND line = 3`,
		`UPDATE import_rejects SET line = 4 WHERE batch_id = 2 AND line = 3`,
		`DELETE FROM import_rejects WHERE batch_id = 2 AND line = 3`,
		`DELETE FROM import_rejects`,
		`UPDATE import_reject_columns SET columns = '[]'`,
		`DELETE FROM import_reject_columns`,
	} {
		if _, err := raw.Exec(q); err == nil || err.Error() != "import rejects are immutable" {
			t.Errorf("%s: %v", q, err)
		}
	}
	if n := storedRejects(t, db); n != 3 {
		t.Errorf("%d rejects stored, want 3", n)
	}
}
