package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// groupedFile is 7 events in 3 import groups: seller a's events 1, 3 and 5
// (group 1, 6.00), seller b's 2, 4 and 6 (group 2, 60.00) and seller c's
// 7 alone (group 3, 0.70).
func groupedFile() []byte {
	var b bytes.Buffer
	b.WriteString("event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	for i, a := range []string{"1.00", "10.00", "2.00", "20.00", "3.00", "30.00", "0.70"} {
		seller := []string{"a", "b"}[i%2]
		if i == 6 {
			seller = "c"
		}
		fmt.Fprintf(&b, "e%d,2026-03-02,%s,web,cust,prod,EU,%s,EUR\n", i+1, seller, a)
	}
	return b.Bytes()
}

// Verify sums the import groups while it reads the events, beside the
// journal: an intact book passes without the query over the groups, and
// each group that differs is named as that query names it, whether the
// events are read ahead of the journal or behind it (pages of 1 and 2,
// against the 2,000 of a run).
func TestVerifyImportGroups(t *testing.T) {
	needServer(t)
	ctx := context.Background()
	for _, page := range []int{0, 1, 2} {
		for _, c := range []struct{ name, sql, want string }{
			{"intact", ``, ``},
			// The events of groups 1 and 2 swapped: as many in each, other sums.
			{"events swapped", `UPDATE events SET group_no = 3 - group_no WHERE id IN (3, 4)`,
				`verify: import batch 1 group 1: its events do not add up to entry 1`},
			// Event 1 into group 2, before that group's range: not counted.
			{"event out of range", `UPDATE events SET group_no = 2 WHERE id = 1`,
				`verify: import batch 1 group 1: its events do not add up to entry 1`},
			// Group 1 ends before its last event: it is never completed.
			{"range shrunk", `UPDATE import_groups SET last_event = 4 WHERE group_no = 1`,
				`verify: import batch 1 group 1: its events do not add up to entry 1`},
			{"count changed", `UPDATE import_groups SET events = 4 WHERE group_no = 2`,
				`verify: import batch 1 group 2: its events do not add up to entry 2`},
			// Group 3 without its event: never met by the scan.
			{"group without events", `DELETE FROM events WHERE id = 7`,
				`verify: import batch 1 group 3: its events do not add up to entry 3`},
			// An event changed and an entry too: the journal's problem first,
			// though the events scan met event 2 before the journal's end.
			{"event and entry changed", `UPDATE events SET amount = 11 WHERE id = 2; UPDATE entries SET prev_hash = decode(repeat('00', 32), 'hex') WHERE id = 3`,
				`verify: entry 3: prev_hash does not match the hash of entry 2`},
		} {
			t.Run(fmt.Sprintf("page %d %s", page, c.name), func(t *testing.T) {
				db := groupedBookTampered(t, page, c.sql)
				runs := postgres.DifferingGroupRuns()
				_, err := db.Verify(ctx)
				if got := ledger.ErrorMessage(err); got != c.want {
					t.Errorf("verify: %v\nwant %s", err, c.want)
				}
				if c.sql == "" && postgres.DifferingGroupRuns() != runs {
					t.Errorf("an intact book ran the query over the groups")
				}
			})
		}
	}
}

// Verify reads the import groups beside the events, in key order, and hands
// the scan to the cursor that joins each event to its group when an event's
// group is not among them: every book gets the same answer with the groups
// read beside the events as without, and only a book whose groups are not
// numbered in the order of their first events, or one that differs there,
// falls back.
func TestVerifyGroupsBeside(t *testing.T) {
	needServer(t)
	ctx := context.Background()
	swapGroups := `UPDATE events SET group_no = 9 WHERE group_no = 1; UPDATE events SET group_no = 1 WHERE group_no = 2; UPDATE events SET group_no = 2 WHERE group_no = 9;
		UPDATE import_groups SET group_no = 9 WHERE group_no = 1; UPDATE import_groups SET group_no = 1 WHERE group_no = 2; UPDATE import_groups SET group_no = 2 WHERE group_no = 9`
	for _, page := range []int{0, 1, 2} {
		for _, c := range []struct {
			name, sql, want string
			fallback        bool
		}{
			{"intact", ``, ``, false},
			{"events swapped", `UPDATE events SET group_no = 3 - group_no WHERE id IN (3, 4)`,
				`verify: import batch 1 group 1: its events do not add up to entry 1`, false},
			// Event 1's group starts at event 2: not yet read.
			{"event before its group", `UPDATE events SET group_no = 2 WHERE id = 1`,
				`verify: import batch 1 group 1: its events do not add up to entry 1`, true},
			// Event 7's group 1 ended at event 5: dropped. Event 7 is not
			// counted in group 1, and group 3 has none.
			{"event after its group", `UPDATE events SET group_no = 1 WHERE id = 7`,
				`verify: import batch 1 group 3: its events do not add up to entry 3`, true},
			{"range shrunk", `UPDATE import_groups SET last_event = 4 WHERE group_no = 1`,
				`verify: import batch 1 group 1: its events do not add up to entry 1`, false},
			{"count changed", `UPDATE import_groups SET events = 4 WHERE group_no = 2`,
				`verify: import batch 1 group 2: its events do not add up to entry 2`, false},
			{"group without events", `DELETE FROM events WHERE id = 7`,
				`verify: import batch 1 group 3: its events do not add up to entry 3`, false},
			{"group removed", `DELETE FROM import_groups WHERE group_no = 2`,
				`verify: event 2 (default "e2"): its import group has no entry`, true},
			{"event of no group", `UPDATE events SET group_no = 8 WHERE id = 6`,
				`verify: event 6 (default "e6"): its import group has no entry`, true},
			{"event changed", `UPDATE events SET amount = 11 WHERE id = 2`,
				`verify: event 2 (default "e2"): its content does not match its digest: the event was changed`, false},
			// Groups 1 and 2 numbered the other way round: an intact book,
			// its group 1 read before the group of event 1.
			{"groups numbered otherwise", swapGroups, ``, true},
		} {
			t.Run(fmt.Sprintf("page %d %s", page, c.name), func(t *testing.T) {
				db := groupedBookTampered(t, page, c.sql)
				fallbacks := postgres.GroupsBesideFallbacks()
				_, err := db.Verify(ctx)
				if got := ledger.ErrorMessage(err); got != c.want {
					t.Errorf("verify: %v\nwant %s", err, c.want)
				}
				if fell := postgres.GroupsBesideFallbacks() != fallbacks; fell != c.fallback {
					t.Errorf("fell back to the joined cursor: %v, want %v", fell, c.fallback)
				}
				postgres.WithoutGroupsBeside(t)
				fallbacks = postgres.GroupsBesideFallbacks()
				_, err = db.Verify(ctx)
				if got := ledger.ErrorMessage(err); got != c.want {
					t.Errorf("verify, joined cursor: %v\nwant %s", err, c.want)
				}
				if postgres.GroupsBesideFallbacks() != fallbacks {
					t.Errorf("the joined cursor fell back")
				}
			})
		}
	}
}

// groupedBookTampered imports groupedFile into a new book, changes it by
// sql (if not ""), and has verify read pages of page events (if not 0).
func groupedBookTampered(t *testing.T, page int, sql string) *postgres.DB {
	t.Helper()
	if page > 0 {
		postgres.WithVerifyPage(t, page)
	}
	url := schemaURL(t)
	db := openURL(t, url, storetest.NewClock(storetest.T0))
	if _, err := db.ImportUsage(context.Background(), bytes.NewReader(groupedFile()), usage.ImportOptions{FileName: "g.csv"}); err != nil {
		t.Fatal(err)
	}
	if sql != "" {
		tamper(t, url, sql)
	}
	return db
}
