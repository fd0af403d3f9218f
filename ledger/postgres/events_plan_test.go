package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// Every filter of GET /events by seller, channel, customer, product or
// dates can read events through an index (migration 0070's events_dims,
// or the BRIN index on date) rather than a scan of the table. A table of
// this size is cheaper to scan, so the planner is told to avoid scans.
func TestEventFiltersIndexed(t *testing.T) {
	url := schemaURL(t)
	db := openURL(t, url, storetest.NewClock(storetest.T0))
	ctx := context.Background()
	if _, err := db.ImportUsage(ctx, strings.NewReader(string(usageFile(30000, eventID))), usage.ImportOptions{FileName: "a.csv"}); err != nil {
		t.Fatal(err)
	}
	conn := connect(t, url)
	// As autovacuum would: GIN's pending list merged, statistics taken.
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE events"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f     ledger.EventFilter
		index string
	}{
		{ledger.EventFilter{Seller: "seller1"}, "events_dims"},
		{ledger.EventFilter{Channel: "ch0"}, "events_dims"},
		{ledger.EventFilter{Customer: "cust5"}, "events_dims"},
		{ledger.EventFilter{Product: "prod3", Limit: 5}, "events_dims"},
		{ledger.EventFilter{Seller: "seller2", Channel: "ch1", From: storetest.D("2026-03-05"), To: storetest.D("2026-03-06")}, "events_dims"},
		{ledger.EventFilter{From: storetest.D("2026-03-05"), To: storetest.D("2026-03-05")}, "events_date"},
	} {
		f := c.f
		query, args := postgres.EventsQuery(f)
		rows, err := conn.Query(ctx, "EXPLAIN "+query, args...)
		if err != nil {
			t.Fatal(err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		plan := strings.Join(lines, "\n")
		if strings.Contains(plan, "Seq Scan on events") || !strings.Contains(plan, " on "+c.index+" ") {
			t.Errorf("filter %+v: not through %s:\n%s", f, c.index, plan)
		}
	}
}
