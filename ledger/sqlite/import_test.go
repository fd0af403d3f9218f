package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

const usageHead = "event_id,occurred_at,seller,channel,product,amount,currency,note\n"

var usageFile = usageHead +
	"e1,2026-01-05,openai,azure,gpt,10.50,USD,a\n" +
	"e2,2026-01-05T12:00:00Z,openai,azure,gpt,-0.50,USD,\n" +
	"e3,2026-01-06,openai,aws,gpt,7,USD,\n" +
	"e4,2026-01-05,Microsoft,azure,gpt,100,EUR,\n" +
	"e1,2026-01-05,openai,azure,gpt,10.5,USD,a\n" // identical repeat: a duplicate

func importString(t *testing.T, db *sqlite.DB, name, data string, opts usage.ImportOptions) (ledger.ImportResult, []string, error) {
	t.Helper()
	var rejects []string
	opts.FileName = name
	opts.OnReject = func(row *usage.Row) error {
		for _, e := range row.Errors {
			rejects = append(rejects, e.Error())
		}
		return nil
	}
	res, err := db.ImportUsage(context.Background(), strings.NewReader(data), opts)
	return res, rejects, err
}

func balances(t *testing.T, db *sqlite.DB) string {
	t.Helper()
	bs, err := db.TrialBalance(context.Background(), ledger.BalanceQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, b := range bs {
		lines = append(lines, fmt.Sprintf("%s %s %s", b.Account, ledger.FormatMoney(b.Amount, b.Currency), b.Currency))
	}
	return strings.Join(lines, "\n")
}

func mustVerify(t *testing.T, db *sqlite.DB) {
	t.Helper()
	if _, err := db.VerifyReport(context.Background()); err != nil {
		t.Fatalf("verify: %v", err)
	}
}

func TestImportUsage(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	res, rejects, err := importString(t, db, "u.csv", usageFile, usage.ImportOptions{})
	if err != nil || len(rejects) > 0 {
		t.Fatalf("import: %v %q", err, rejects)
	}
	want := ledger.ImportResult{BatchID: 1, Rows: 5, Posted: 4, Duplicates: 1, Entries: 3}
	if res != want {
		t.Fatalf("result %+v, want %+v", res, want)
	}
	wantBal := strings.Join([]string{
		"assets:receivable:microsoft:azure 100.00 EUR",
		"assets:receivable:openai:aws 7.00 USD",
		"assets:receivable:openai:azure 10.00 USD",
		"income:revenue:microsoft:azure -100.00 EUR",
		"income:revenue:openai:aws -7.00 USD",
		"income:revenue:openai:azure -10.00 USD",
	}, "\n")
	if got := balances(t, db); got != wantBal {
		t.Errorf("balances:\n%s\nwant:\n%s", got, wantBal)
	}
	mustVerify(t, db)

	// Entry -> events and event -> entry.
	evs, err := db.Events(ctx, ledger.EventFilter{EntryID: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].EventID != "e1" || evs[1].EventID != "e2" || evs[0].EntryID != 1 || evs[0].BatchID != 1 ||
		evs[0].Meta["note"] != "a" || ledger.FormatAmount(evs[0].Amount) != "10.50" || evs[0].Product != "gpt" || !evs[0].DateOnly {
		t.Errorf("events of entry 1: %+v", evs)
	}
	e, err := db.Entry(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if e.Date.String() != "2026-01-05" || e.Meta["events"] != "2" || e.Meta["batch"] != "1" || e.Meta["late"] != "false" || e.Key.Source != "import" {
		t.Errorf("entry 1: %+v", e)
	}

	// The same events under another file name: all duplicates.
	res, _, err = importString(t, db, "again.csv", usageFile, usage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ledger.ImportResult{BatchID: 2, Rows: 5, Duplicates: 5}); res != want {
		t.Errorf("re-import %+v, want %+v", res, want)
	}
	// Another source: new events.
	res, _, err = importString(t, db, "u.csv", usageFile, usage.ImportOptions{Source: "billing"})
	if err != nil || res.Posted != 4 {
		t.Errorf("other source: %+v %v", res, err)
	}
	mustVerify(t, db)
	bs, err := db.ImportBatches(ctx, 0, 10)
	if err != nil || len(bs) != 3 || bs[1].Duplicates != 5 || bs[1].Status != "complete" || bs[0].SHA256 == "pending" || len(bs[0].SHA256) != 64 {
		t.Errorf("imports: %+v %v", bs, err)
	}
	if _, err := db.ImportBatch(ctx, 99); ledger.ErrorCode(err) != ledger.ENOTFOUND {
		t.Errorf("Import(99) = %v", err)
	}
	n := 0
	if err := db.EachEvent(ctx, ledger.EventFilter{Source: "billing"}, func(*ledger.Event) error { n++; return nil }); err != nil || n != 4 {
		t.Errorf("EachEvent: %d %v", n, err)
	}
}

func TestImportConflictPostsNothing(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if _, _, err := importString(t, db, "u.csv", usageFile, usage.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before := balances(t, db)
	bad := usageHead +
		"e9,2026-01-07,openai,azure,gpt,1,USD,\n" +
		"e1,2026-01-05,openai,gcp,gpt,11,USD,b\n" +
		"e9,2026-01-07,openai,azure,gpt,2,USD,\n"
	res, rejects, err := importString(t, db, "bad.csv", bad, usage.ImportOptions{})
	want := []string{
		`bad.csv:3: column event_id: value "e1": conflicts with the version imported in batch 1 (line 2): channel "azure" -> "gcp"; amount "10.50" -> "11"; note "a" -> "b"`,
		`bad.csv:4: column event_id: value "e9": conflicts with the version in line 2 of this file: amount "1" -> "2"`,
	}
	if strings.Join(rejects, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejects:\n%s\nwant:\n%s", strings.Join(rejects, "\n"), strings.Join(want, "\n"))
	}
	if !errors.Is(err, usage.ErrBadRows) || ledger.ErrorCode(err) != ledger.EINVALID || err.Error() != "bad.csv: 2 bad row(s) of 3; nothing imported" {
		t.Errorf("err = %v", err)
	}
	if res.BatchID != 0 || res.Rejected != 2 {
		t.Errorf("res = %+v", res)
	}
	if got := balances(t, db); got != before {
		t.Errorf("balances changed:\n%s", got)
	}
	bs, _ := db.ImportBatches(context.Background(), 0, 0)
	if len(bs) != 1 {
		t.Errorf("a failed import left a batch: %+v", bs)
	}
	mustVerify(t, db)
}

func TestImportLate(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	if _, _, err := importString(t, db, "feb.csv", usageHead+"f1,2026-02-03,openai,azure,,1,USD,\n", usage.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := db.ClosePeriods(ctx, ledger.Date{Year: 2026, Month: 1, Day: 31}); err != nil {
		t.Fatal(err)
	}
	data := usageHead + "l1,2026-01-05,openai,azure,,5,USD,\nl2,2026-02-01,openai,azure,,6,USD,\nl3,2026-01-31T23:59:59-01:00,openai,azure,,7,USD,\n"
	res, _, err := importString(t, db, "late.csv", data, usage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ledger.ImportResult{BatchID: 2, Rows: 3, Posted: 3, Late: 1, Entries: 2}); res != want {
		t.Fatalf("res %+v, want %+v", res, want)
	}
	e1, _ := db.Entry(ctx, 2)
	e2, _ := db.Entry(ctx, 3)
	if e1.Date.String() != "2026-02-01" || e1.Meta["late"] != "true" || e2.Date.String() != "2026-02-01" || e2.Meta["late"] != "false" || e2.Meta["events"] != "2" {
		t.Errorf("entries: %+v / %+v", e1, e2)
	}
	evs, _ := db.Events(ctx, ledger.EventFilter{EventID: "l1", Source: "default"})
	if len(evs) != 1 || !evs[0].Late || evs[0].AccountingDate().String() != "2026-01-05" {
		t.Errorf("late event: %+v", evs)
	}
	mustVerify(t, db)
}

func TestImportPartialAndDryRun(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	var b strings.Builder
	b.WriteString(usageHead)
	for i := 1; i <= 25; i++ {
		amount := fmt.Sprintf("%d.25", i)
		if i%10 == 0 {
			amount = "oops"
		}
		fmt.Fprintf(&b, "p%d,2026-03-%02d,openai,direct,,%s,USD,\n", i, i, amount)
	}
	data := b.String()

	res, rejects, err := importString(t, db, "p.csv", data, usage.ImportOptions{DryRun: true})
	if !errors.Is(err, usage.ErrBadRows) || len(rejects) != 2 || res.BatchID != 0 {
		t.Fatalf("dry run: %+v %q %v", res, rejects, err)
	}
	if bs, _ := db.ImportBatches(ctx, 0, 0); len(bs) != 0 {
		t.Fatalf("dry run left a batch")
	}
	sha := sha256Hex(data)
	res, rejects, err = importString(t, db, "p.csv", data, usage.ImportOptions{AllowPartial: true, ChunkRows: 7, SHA256: sha})
	if err != nil {
		t.Fatal(err)
	}
	if want := (ledger.ImportResult{BatchID: 1, Rows: 25, Posted: 23, Rejected: 2, Entries: 23}); res != want {
		t.Errorf("partial %+v, want %+v", res, want)
	}
	want := []string{`p.csv:11: column amount: value "oops": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`, `p.csv:21: column amount: value "oops": not a decimal number (want digits, an optional leading '-' and one '.', as in -1234.50)`}
	if strings.Join(rejects, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejects %q", rejects)
	}
	bt, err := db.ImportBatch(ctx, 1)
	if err != nil || bt.Status != "complete" || bt.Mode != "partial" || bt.SHA256 != sha || bt.Posted != 23 || bt.Rejected != 2 {
		t.Errorf("batch %+v %v", bt, err)
	}
	mustVerify(t, db)
	// Dry run of a good file reports the would-be counts and writes nothing.
	res, _, err = importString(t, db, "p.csv", data, usage.ImportOptions{DryRun: true})
	if !errors.Is(err, usage.ErrBadRows) || res.Duplicates != 23 {
		t.Errorf("dry run again: %+v %v", res, err)
	}
}

func TestImportFileErrors(t *testing.T) {
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	_, _, err := importString(t, db, "h.csv", usageHead, usage.ImportOptions{})
	var es usage.RowErrors
	if !errors.As(err, &es) || err.Error() != "h.csv:1: no data rows: the file has a header only" {
		t.Errorf("err = %v", err)
	}
	if bs, _ := db.ImportBatches(context.Background(), 0, 0); len(bs) != 0 {
		t.Errorf("batch left: %+v", bs)
	}
}

func TestImportRates(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	imp := func(data string) (ledger.RateImportResult, []string, error) {
		var rejects []string
		res, err := db.ImportRates(ctx, strings.NewReader(data), usage.RateImportOptions{FileName: "r.csv", OnReject: func(row *usage.RateRow) error {
			for _, e := range row.Errors {
				rejects = append(rejects, e.Error())
			}
			return nil
		}})
		return res, rejects, err
	}
	res, rej, err := imp("date,from,to,rate\n2026-01-01,EUR,USD,1.0850\n2026-02-01,EUR,USD,1.09\n")
	if err != nil || len(rej) > 0 || res != (ledger.RateImportResult{BatchID: 1, Rows: 2, Added: 2}) {
		t.Fatalf("%+v %q %v", res, rej, err)
	}
	res, rej, err = imp("date,from,to,rate\n2026-01-01,EUR,USD,1.08500\n2026-02-01,EUR,USD,1.1\n2026-03-01,GBP,USD,1.3\n2026-03-01,GBP,USD,1.4\n")
	want := []string{
		`r.csv:3: column rate: value "1.1": conflicts with the rate 1.09 for EUR->USD on 2026-02-01 imported in batch 1`,
		`r.csv:5: column rate: value "1.4": conflicts with the rate 1.3 for GBP->USD on 2026-03-01 imported in this file`,
	}
	if !errors.Is(err, usage.ErrBadRows) || strings.Join(rej, "\n") != strings.Join(want, "\n") {
		t.Errorf("conflicts: %q %v", rej, err)
	}
	rates, err := db.FXRates(ctx)
	if err != nil || len(rates) != 2 || ledger.FormatAmount(rates[0].Rate) != "1.0850" || rates[1].Date.String() != "2026-02-01" {
		t.Errorf("rates %+v %v", rates, err)
	}
	res, _, err = imp("date,from,to,rate\n2026-01-01,EUR,USD,1.085\n")
	if err != nil || res.Duplicates != 1 || res.Added != 0 {
		t.Errorf("duplicate: %+v %v", res, err)
	}
}

// TestImportManyGroups: more groups than the importer holds at once (10,000)
// are booked in several segments of one transaction, each event still
// linked to the entry that carries it.
func TestImportManyGroups(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	var b strings.Builder
	b.WriteString(usageHead)
	const n = 10050
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "g%d,2026-01-05,seller%d,direct,,%d.00,USD,\n", i, i, i+1)
	}
	b.WriteString("again,2026-01-05,seller0,direct,,5.00,USD,\n") // back to the first group, after the flush
	res, _, err := importString(t, db, "g.csv", b.String(), usage.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Posted != n+1 || res.Entries != n+1 {
		t.Fatalf("res %+v", res)
	}
	mustVerify(t, db)
	evs, err := db.Events(ctx, ledger.EventFilter{Source: "default", EventID: "again"})
	if err != nil || len(evs) != 1 || evs[0].EntryID != n+1 {
		t.Fatalf("event again: %+v %v", evs, err)
	}
	e, err := db.Entry(ctx, n+1)
	if err != nil || e.Meta["seller"] != "seller0" || ledger.FormatAmount(e.Postings[0].Amount) != "5.00" ||
		!strings.Contains(e.Key.ExternalID, ":0.1:seller0:") {
		t.Fatalf("entry %d: %+v %v", n+1, e, err)
	}
}
