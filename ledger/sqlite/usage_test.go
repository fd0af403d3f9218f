package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

const usageContract = `id: u
currency: USD
timezone: America/New_York
period: month
parties: [a, b]
rules:
  - id: r1
    payer: a
    payee: b
    match: {seller: a}
    rate: "0.20"
    from: 2026-01-01
    cap: {total: "60.00"}
  - id: r2
    payer: b
    payee: a
    match: {seller: b, channel: azure}
    rate: "0.10"
    until: 2026-02-15
`

// usageCSV: events on both sides of a New York month boundary, a refund,
// EUR events (converted at run time, with rates imported after them), a
// duplicate row and an event no rule matches.
const usageCSV = `event_id,occurred_at,seller,channel,product,amount,currency
a1,2026-01-10,a,direct,api,100.00,USD
a2,2026-02-01T03:00:00Z,a,aws,chat,50.5,USD
a3,2026-02-01T06:00:00Z,a,aws,chat,10,EUR
b1,2026-01-20T10:00:00Z,b,azure,api,40.00,USD
b2,2026-02-20,b,azure,api,50.00,USD
b3,2026-01-31,b,gcp,api,7.00,USD
a4,2026-03-02,a,direct,api,-20.00,USD
`

const usageRates = "date,from,to,rate\n2026-01-01,EUR,USD,1.10\n2026-02-01,EUR,USD,1.20\n"

func openUsageDB(t *testing.T) *DB { return openTestDB(t, nil) }

func importCSV(t *testing.T, db *DB, name, csv string, opts usage.ImportOptions) ledger.ImportResult {
	t.Helper()
	opts.FileName = name
	res, err := db.ImportUsage(context.Background(), strings.NewReader(csv), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// evaluatedBothWays evaluates c from its usage set and from every event,
// with event tracing, and returns both as JSON.
func evaluatedBothWays(t *testing.T, db *DB, c *contracts.Contract, through string) (fromUsage, fromEvents string) {
	t.Helper()
	ctx := context.Background()
	p, _ := ledger.ParsePeriod(through)
	rates, err := loadRates(ctx, db.r)
	if err != nil {
		t.Fatal(err)
	}
	u, ok, err := evaluateUsage(ctx, db.r, c, p, rates, true)
	if err != nil || !ok {
		t.Fatalf("evaluate from usage: ok %v, %v", ok, err)
	}
	acc, err := contracts.NewAccumulator(c, p, rates, contracts.Options{TraceEvents: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.EachEvent(ctx, ledger.EventFilter{}, acc.Add); err != nil {
		t.Fatal(err)
	}
	e, err := acc.Result()
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(u.Lines)
	b, _ := json.Marshal(e.Lines)
	return string(a), string(b)
}

func countRows(t *testing.T, db *DB, query string) int {
	t.Helper()
	var n int
	if err := db.r.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUsageKeptByImports: a contract saved before the imports gets its
// usage from them; one saved after builds it from the stored events. Both
// evaluate exactly as the events do (event IDs included), late rates too,
// and verify agrees.
func TestUsageKeptByImports(t *testing.T) {
	ctx := context.Background()
	for _, before := range []bool{true, false} {
		db := openUsageDB(t)
		var c *contracts.Contract
		if before {
			c = storetest.SaveContract(t, db, usageContract, false)
		}
		res := importCSV(t, db, "u.csv", usageCSV, usage.ImportOptions{})
		if res.Posted != 7 {
			t.Fatalf("posted %d", res.Posted)
		}
		again := usageCSV + "a5,2026-02-14,a,direct,api,1.25,USD\n"
		importCSV(t, db, "again.csv", again, usage.ImportOptions{AllowPartial: true, ChunkRows: 3, SHA256: fmt.Sprintf("%x", sha256.Sum256([]byte(again)))})
		if !before {
			c = storetest.SaveContract(t, db, usageContract, false)
		}
		if _, err := db.ImportRates(ctx, strings.NewReader(usageRates), usage.RateImportOptions{FileName: "r.csv"}); err != nil {
			t.Fatal(err)
		}
		fromUsage, fromEvents := evaluatedBothWays(t, db, c, "2026-03")
		if fromUsage != fromEvents {
			t.Errorf("saved before imports %v:\nusage  %s\nevents %s", before, fromUsage, fromEvents)
		}
		// r1 in 2026-01 (New York): a1 and a2 (03:00Z is still January 31 there).
		if !strings.Contains(fromUsage, `"rule":"r1","payer":"a","payee":"b","period":"2026-01","base":"150.5","events":2`) {
			t.Errorf("r1 2026-01: %s", fromUsage)
		}
		if n := countRows(t, db, `SELECT count(*) FROM usage_sets`); n != 1 {
			t.Errorf("%d usage sets", n)
		}
		built := countRows(t, db, `SELECT count(*) FROM usage_rows WHERE batch_id = 0`)
		if before && built != 0 || !before && built == 0 {
			t.Errorf("saved before imports %v: %d rows built from stored events", before, built)
		}
		if err := db.VerifyEvents(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyReport(ctx); err != nil {
			t.Fatalf("verify: %v", err)
		}
	}
}

// TestUsageFollowsContractUpdates: an update that changes only rates or
// caps keeps the set; one that changes what a rule counts builds a new one
// and drops the old.
func TestUsageFollowsContractUpdates(t *testing.T) {
	db := openUsageDB(t)
	storetest.SaveContract(t, db, usageContract, false)
	importCSV(t, db, "u.csv", usageCSV, usage.ImportOptions{})
	var first int64
	db.r.QueryRow(`SELECT id FROM usage_sets`).Scan(&first)
	storetest.SaveContract(t, db, strings.Replace(usageContract, `rate: "0.20"`, `rate: "0.25"`, 1), true)
	var id int64
	db.r.QueryRow(`SELECT id FROM usage_sets`).Scan(&id)
	if id != first || countRows(t, db, `SELECT count(*) FROM usage_sets`) != 1 {
		t.Errorf("a rate change rebuilt the usage: set %d, was %d", id, first)
	}
	c := storetest.SaveContract(t, db, strings.Replace(usageContract, `match: {seller: b, channel: azure}`, `match: {seller: b}`, 1), true)
	db.r.QueryRow(`SELECT id FROM usage_sets`).Scan(&id)
	if id == first || countRows(t, db, `SELECT count(*) FROM usage_sets`) != 1 || countRows(t, db, `SELECT count(*) FROM usage_rows WHERE set_id = 1`) != 0 {
		t.Errorf("a match change: set %d (was %d), %d sets", id, first, countRows(t, db, `SELECT count(*) FROM usage_sets`))
	}
	if _, err := db.ImportRates(context.Background(), strings.NewReader(usageRates), usage.RateImportOptions{FileName: "r.csv"}); err != nil {
		t.Fatal(err)
	}
	if u, e := evaluatedBothWays(t, db, c, "2026-03"); u != e {
		t.Errorf("after the update:\nusage  %s\nevents %s", u, e)
	}
}

// TestVerifyCatchesUsageTampering: stored aggregates that differ from the
// events, or a set no contract uses, are violations.
func TestVerifyCatchesUsageTampering(t *testing.T) {
	tests := []struct{ sql, want string }{
		{`UPDATE usage_rows SET amount = '100.01' WHERE rule = 'r1' AND period = '2026-01' AND product = 'api'`,
			`usage set 1 of contract u: stored rule r1, 2026-01, channel "direct", product "api", USD: 100.01 × 1, the events give rule r1, 2026-01, channel "direct", product "api", USD: 100.00 × 1`},
		{`DELETE FROM usage_rows WHERE rule = 'r2'`,
			`usage set 1 of contract u: the events give rule r2, 2026-01, channel "azure", product "api", USD: 40.00 × 1, not stored`},
		{`UPDATE usage_rows SET event_ids = x'02' WHERE rule = 'r2' AND period = '2026-01'`,
			`usage set 1 of contract u: rule r2 2026-01 lists 1 event ID(s)`},
		{`INSERT INTO usage_sets (signature, built_at) VALUES ('feed', 'x')`,
			`usage set 2 (signature feed…) belongs to no current contract`},
	}
	for _, tt := range tests {
		db := openUsageDB(t)
		storetest.SaveContract(t, db, usageContract, false)
		importCSV(t, db, "u.csv", usageCSV, usage.ImportOptions{})
		if _, err := db.VerifyReport(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.Exec(tt.sql); err != nil {
			t.Fatal(err)
		}
		_, err := db.VerifyReport(context.Background())
		var ve *VerifyError
		if !errors.As(err, &ve) || !strings.Contains(ve.Reason, tt.want) {
			t.Errorf("%s:\n got %v\nwant %s", tt.sql, err, tt.want)
		}
	}
}

// TestUsageFlushesBoundMemory: with a writer that writes its aggregates
// every 2 events, an import and a build from stored events store more,
// smaller rows that add up to the same evaluation.
func TestUsageFlushesBoundMemory(t *testing.T) {
	defer func(n int) { usageFlushEvents = n }(usageFlushEvents)
	usageFlushEvents = 2
	for _, before := range []bool{true, false} {
		db := openUsageDB(t)
		var c *contracts.Contract
		if before {
			c = storetest.SaveContract(t, db, usageContract, false)
		}
		importCSV(t, db, "u.csv", "event_id,occurred_at,seller,channel,product,amount,currency\n"+
			"1,2026-01-10,a,direct,api,1,USD\n2,2026-01-11,a,direct,api,2,USD\n3,2026-01-12,a,direct,api,3,USD\n"+
			"4,2026-01-13,a,direct,api,4,USD\n5,2026-01-14,a,direct,api,5,USD\n", usage.ImportOptions{})
		if !before {
			c = storetest.SaveContract(t, db, usageContract, false)
		}
		if u, e := evaluatedBothWays(t, db, c, "2026-03"); u != e || !strings.Contains(u, `"base":"15","events":5`) {
			t.Errorf("saved before %v:\nusage  %s\nevents %s", before, u, e)
		}
		// Five events of one aggregate, written two at a time.
		if n := countRows(t, db, `SELECT count(*) FROM usage_rows`); n != 3 {
			t.Errorf("saved before %v: %d usage rows", before, n)
		}
		if _, err := db.VerifyReport(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEvaluateContractUsesTheSet: a contract that is not stored (a
// scenario's variant with another rate) but has a stored contract's usage
// signature is evaluated from that set, exactly as over the events; one
// with another signature falls back to the events.
func TestEvaluateContractUsesTheSet(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	storetest.SaveContract(t, db, usageContract, false)
	importCSV(t, db, "u.csv", usageCSV, usage.ImportOptions{})
	if _, err := db.ImportRates(ctx, strings.NewReader(usageRates), usage.RateImportOptions{FileName: "r.csv"}); err != nil {
		t.Fatal(err)
	}
	p, _ := ledger.ParsePeriod("2026-03")
	for i, doc := range []string{
		strings.Replace(usageContract, `rate: "0.20"`, `rate: "0.30"`, 1),             // same signature
		strings.Replace(usageContract, `match: {seller: a}`, `match: {seller: b}`, 1), // another
	} {
		c := storetest.ParseContract(t, doc)
		_, stored, err := usageSetID(ctx, db.r, c.UsageSignature())
		if err != nil || stored != (i == 0) {
			t.Fatalf("contract %d: set stored %v, %v", i, stored, err)
		}
		got, err := booksOf(db).EvaluateContract(ctx, c, p)
		if err != nil {
			t.Fatal(err)
		}
		rates, _ := db.FXRates(ctx)
		acc, _ := contracts.NewAccumulator(c, p, rates, contracts.Options{})
		if err := db.EachEvent(ctx, ledger.EventFilter{}, acc.Add); err != nil {
			t.Fatal(err)
		}
		want, _ := acc.Result()
		a, _ := json.Marshal(got.Lines)
		b, _ := json.Marshal(want.Lines)
		if string(a) != string(b) {
			t.Errorf("set stored %v:\n got %s\nwant %s", stored, a, b)
		}
	}
}

// TestUsageBuiltFromIndexedEvents: a contract whose rules match few of the
// stored events builds its set from the events the index names (rule r1's
// seller, rule r2's channel: the rarer of its seller and channel), and the
// set evaluates exactly as every event does; a rule that matches on no
// dimension, or matches many events, reads every event.
func TestUsageBuiltFromIndexedEvents(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	var filler strings.Builder
	filler.WriteString(usageCSV)
	for i := range 100 {
		fmt.Fprintf(&filler, "z%d,2026-01-%02d,z%02d,azure-free,api,%d.00,USD\n", i, 1+i%28, i%10, 1+i)
	}
	importCSV(t, db, "u.csv", filler.String(), usage.ImportOptions{})
	c := storetest.SaveContract(t, db, usageContract, false)
	if _, err := db.ImportRates(ctx, strings.NewReader(usageRates), usage.RateImportOptions{FileName: "r.csv"}); err != nil {
		t.Fatal(err)
	}

	var want []int64 // r1's seller a, r2's channel azure
	err := db.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error {
		if e.Seller == "a" || e.Channel == "azure" {
			want = append(want, e.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids, sparse, err := matchableEventIDs(ctx, db.r, c)
	if err != nil || !sparse || fmt.Sprint(ids) != fmt.Sprint(want) || len(want) != 6 {
		t.Fatalf("matchable events: %v sparse %v (%v), want %v", ids, sparse, err, want)
	}
	fromUsage, fromEvents := evaluatedBothWays(t, db, c, "2026-03")
	if fromUsage != fromEvents {
		t.Errorf("usage  %s\nevents %s", fromUsage, fromEvents)
	}
	if !strings.Contains(fromUsage, `"rule":"r1","payer":"a","payee":"b","period":"2026-01","base":"150.5","events":2`) {
		t.Errorf("r1 2026-01: %s", fromUsage)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatalf("verify: %v", err)
	}

	unmatched := strings.Replace(usageContract, "    match: {seller: a}\n", "", 1)
	dense := strings.Replace(usageContract, "match: {seller: b, channel: azure}", "match: {channel: [azure-free, azure]}", 1)
	for name, doc := range map[string]string{"r1 unmatched": unmatched, "r2 dense": dense} {
		c2 := storetest.ParseContract(t, doc)
		if ids, sparse, err := matchableEventIDs(ctx, db.r, c2); err != nil || sparse || ids != nil {
			t.Errorf("%s: matchable events %v sparse %v (%v), want every event read", name, ids, sparse, err)
		}
	}
}
