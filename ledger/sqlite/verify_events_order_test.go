package sqlite

import (
	"context"
	"testing"

	"github.com/revshare/revshare/ledger/usage"
)

// TestVerifyEventsAndIndexOrder: verify reads the events once for the
// event index check and verifyEvents, and still names the violation the
// index check, which comes first, would: an undecodable event or an index
// difference wins over an earlier event's broken digest.
func TestVerifyEventsAndIndexOrder(t *testing.T) {
	const csv = "event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n" +
		"a,2026-01-05,s,c,acme,p,us,1,USD\nb,2026-01-06,s,c,acme,p,us,2,USD\nc,2026-01-07,s,c,beta,p,us,3,USD\n"
	const digest = "event 1: content does not match its digest: altered after import"
	for _, tc := range []struct{ name, sql, want string }{
		{"digest only", `UPDATE events SET data = replace(data, '"1"', '"7"') WHERE id = 1`, digest},
		{"digest, then an undecodable event", `UPDATE events SET data = replace(data, '"1"', '"7"') WHERE id = 1;
			UPDATE events SET data = '[1,2' WHERE id = 3`, "event 3: event data ends early"},
		{"unknown source, then an undecodable event", `UPDATE events SET source_id = 9 WHERE id = 1;
			UPDATE events SET data = '[1,2' WHERE id = 3`, "event 3: event data ends early"},
		{"digest and the index", `UPDATE events SET data = replace(data, '"1"', '"7"') WHERE id = 1;
			DELETE FROM event_index WHERE dim = 6 AND value = '2026-01-07'`,
			`event index of date "2026-01-07" disagrees with the events: it lists 0 event(s), 1 have that date; first difference: it lists none where the events give event 3`},
		// A value stored as a blob: SQLite orders it after the texts, Go
		// before "s" (verifyEventIndexUnordered).
		{"blob value", `INSERT INTO event_index VALUES (1, x'61', 2, 2, 1, x'04')`,
			`event index of seller "a" disagrees with the events: it lists 1 event(s), 0 have that seller; first difference: it lists event 2 where the events give none`},
		{"last value lost", `DELETE FROM event_index WHERE dim = 6 AND value = '2026-01-07'`,
			`event index of date "2026-01-07" disagrees with the events: it lists 0 event(s), 1 have that date; first difference: it lists none where the events give event 3`},
		{"a row's n", `UPDATE event_index SET n = 2 WHERE dim = 5`,
			`event index of region "us" disagrees with the events: it lists 3 event(s), 3 have that region; first difference: it lists none where the events give none`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTestDB(t, nil)
			importCSV(t, db, "t.csv", csv, usage.ImportOptions{})
			if _, err := db.w.Exec(`DROP TRIGGER events_no_update; ` + tc.sql); err != nil {
				t.Fatal(err)
			}
			if _, err := db.VerifyReport(ctx); err == nil || err.Error() != tc.want {
				t.Fatalf("Verify = %v\nwant %s", err, tc.want)
			}
		})
	}
}

// A batch's group sums are held by group number while the numbers are
// small and in a map past that; either way each number has one sum and
// the first group left is the smallest.
func TestBatchGroupsDenseAndSparse(t *testing.T) {
	var bc batchCounts
	for _, n := range []int64{0, 5, 1 << 40, 3, -7, 2000} {
		g := bc.group(n, true)
		if g.events != 0 {
			t.Fatalf("group %d: new sum has %d events", n, g.events)
		}
		g.events, g.first = 1, n
	}
	for _, n := range []int64{0, 5, 1 << 40, 3, -7, 2000} {
		if g := bc.group(n, false); g == nil || g.first != n {
			t.Fatalf("group %d: got %+v", n, g)
		}
	}
	if g := bc.group(4, false); g == nil || g.events != 0 {
		t.Fatalf("group 4: got %+v, want an empty slot", g)
	}
	if g := bc.group(1<<41, false); g != nil {
		t.Fatalf("group 2^41: got %+v, want none", g)
	}
	for _, want := range []int64{-7, 0, 3, 5, 2000, 1 << 40} {
		n, g := bc.groupLeft()
		if g == nil || n != want {
			t.Fatalf("groupLeft = %d %v, want %d", n, g, want)
		}
		*g = groupSum{}
	}
	if _, g := bc.groupLeft(); g != nil {
		t.Fatalf("groupLeft after taking all = %+v", g)
	}
}
