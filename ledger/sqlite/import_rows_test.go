package sqlite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// TestImportGroupSumOverJournalLimit: rows of the largest input amounts
// (18 integer and 18 fractional digits) of one seller, channel, currency
// and day import into one entry whose posting, their exact sum, passes
// 10^18 (the journal used to refuse a posting of more than 14 integer
// digits, and the importer split such a group into ":part2" entries).
func TestImportGroupSumOverJournalLimit(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	const max = "999999999999999999.999999999999999999"
	var csv strings.Builder
	csv.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	for i := 0; i < 1000; i++ {
		fmt.Fprintf(&csv, "x%d,2026-01-10,a,direct,%s,IDR\n", i, max)
	}
	res, err := db.ImportUsage(ctx, strings.NewReader(csv.String()), usage.ImportOptions{FileName: "big.csv"})
	if err != nil || res.Posted != 1000 || res.Entries != 1 {
		t.Fatalf("import: %+v, %v; want 1000 posted in 1 entry", res, err)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	const sum = "999999999999999999999.999999999999999000" // 1000 × max
	e, err := db.Entry(ctx, 1)
	if err != nil || !strings.HasSuffix(e.Key.ExternalID, ":2026-01-10:false") || ledger.FormatAmount(e.Postings[0].Amount) != sum {
		t.Fatalf("entry: %+v, %v; want one posting of %s", e, err, sum)
	}
	bs, err := db.TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil || len(bs) != 2 || bs[0].Amount.String() != "999999999999999999999.999999999999999" {
		t.Fatalf("trial balance: %+v, %v", bs, err)
	}
}

// importWithLayout imports one row whose occurred_at is v, read through a
// mapping with the date layout layout in Europe/Paris, and returns the
// stored event's instant.
func importWithLayout(t *testing.T, layout, v string) time.Time {
	t.Helper()
	ctx := context.Background()
	db := openUsageDB(t)
	m, err := usage.ParseMapping("m.yaml", strings.NewReader("dates:\n  layouts: [\""+layout+"\"]\n  timezone: Europe/Paris\n"))
	if err != nil {
		t.Fatal(err)
	}
	var reasons []string
	res, err := db.ImportUsage(ctx, strings.NewReader("event_id,occurred_at,seller,channel,amount,currency\ne1,"+v+",a,direct,1.00,USD\n"),
		usage.ImportOptions{FileName: "m.csv", Mapping: m, OnReject: func(r *usage.Row) error {
			for _, e := range r.Errors {
				reasons = append(reasons, e.Error())
			}
			return nil
		}})
	if err != nil || res.Posted != 1 {
		t.Fatalf("import: %+v, %v %q; want 1 posted", res, err, reasons)
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	var at time.Time
	if err := db.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error { at = e.OccurredAt; return nil }); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestImportLayoutLikeRFC3339: a mapping's layout "2006-01-02T15:04" reads
// "2026-01-05T10:00" as 10:00 in Paris. The event must be stored in
// canonical form (2026-01-05T10:00:00+01:00). (It used to be stored as
// written, since it starts like RFC 3339; the stored event could then not
// be decoded, and Verify and EachEvent failed for the whole database.)
func TestImportLayoutLikeRFC3339(t *testing.T) {
	if at := importWithLayout(t, "2006-01-02T15:04", "2026-01-05T10:00"); !at.Equal(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("stored at %s, want 2026-01-05T09:00:00Z", at)
	}
}

// TestImportLayoutWithoutOffset: a mapping's layout "2006-01-02T15:04:05"
// with a time zone is how an export of local times without an offset is
// read (docs/import.md: layouts are tried after the canonical forms). (It
// used to be refused: "RFC 3339 timestamp without a time zone offset" was
// returned before the layouts were tried.)
func TestImportLayoutWithoutOffset(t *testing.T) {
	if at := importWithLayout(t, "2006-01-02T15:04:05", "2026-01-05T10:00:00"); !at.Equal(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("stored at %s, want 2026-01-05T09:00:00Z", at)
	}
}

// TestImportStoredKeysInsideAStatement: a file whose 50 stored keys sit
// inside the second of its insertRows-row statements. The statement
// stores the rest; the importer looks its rows up, counts the 50 as
// duplicates and gives the new events their IDs in file order.
func TestImportStoredKeysInsideAStatement(t *testing.T) {
	ctx := context.Background()
	db := openUsageDB(t)
	row := func(b *strings.Builder, key string, i int) {
		fmt.Fprintf(b, "%s,2026-01-10,a,direct,%d.25,USD\n", key, i)
	}
	var a, b strings.Builder
	a.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	b.WriteString(a.String())
	for i := 0; i < 300; i++ {
		row(&a, fmt.Sprintf("k%d", i), i)
	}
	const first, stored = insertRows + 144, 50 // inside the second statement
	for i := 0; i < 700; i++ {
		if i >= first && i < first+stored {
			row(&b, fmt.Sprintf("k%d", i-first), i-first) // as in a: a duplicate
		} else {
			row(&b, fmt.Sprintf("n%d", i), i)
		}
	}
	if res, err := db.ImportUsage(ctx, strings.NewReader(a.String()), usage.ImportOptions{FileName: "a.csv"}); err != nil || res.Posted != 300 {
		t.Fatalf("import a: %+v, %v", res, err)
	}
	res, err := db.ImportUsage(ctx, strings.NewReader(b.String()), usage.ImportOptions{FileName: "b.csv"})
	if err != nil || res.Rows != 700 || res.Posted != 700-stored || res.Duplicates != stored {
		t.Fatalf("import b: %+v, %v; want %d posted, %d duplicates", res, err, 700-stored, stored)
	}
	var keys []string
	next := int64(1)
	err = db.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error {
		if e.ID != next {
			return fmt.Errorf("event %s has ID %d, want %d", e.EventID, e.ID, next)
		}
		next++
		keys = append(keys, e.EventID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1000-stored || keys[299] != "k299" || keys[300] != "n0" || keys[300+first] != fmt.Sprintf("n%d", first+stored) || keys[len(keys)-1] != "n699" {
		t.Fatalf("%d events, keys around the stored ones %q, last %q", len(keys), keys[300+first-1:300+first+1], keys[len(keys)-1])
	}
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
}
