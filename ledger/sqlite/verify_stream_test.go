package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
	"github.com/revshare/revshare/ledger/usage"
)

// TestEventIndexStreamedAsGathered: verifyEventIndex compares each stored
// row's IDs with the events' as it reads them (indexCursor) and gathers a
// value's IDs only once a row differs; it names what gathering every row
// first (verifyEventIndexUnordered) names, for differences in the first,
// a middle and the last row of values listed over several rows (one per
// import).
func TestEventIndexStreamedAsGathered(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewSource(15))
	type row struct {
		dim            int64
		value          string
		first, last, n int64
		ids            []int64
	}
	// rowsOf reads the rows of the values listed over three rows or more,
	// by value and first_id.
	rowsOf := func(t *testing.T, db *DB) []row {
		var out []row
		rows, err := db.w.Query(`SELECT dim, value, first_id, last_id, n, ids FROM event_index
			WHERE (dim, value) IN (SELECT dim, value FROM event_index GROUP BY dim, value HAVING count(*) >= 3)
			ORDER BY dim, value, first_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			var b []byte
			if err := rows.Scan(&r.dim, &r.value, &r.first, &r.last, &r.n, &b); err != nil {
				t.Fatal(err)
			}
			if r.ids, err = decodeIDs(b, nil); err != nil {
				t.Fatal(err)
			}
			out = append(out, r)
		}
		return out
	}
	set := func(r row, column string, v any) string {
		if b, ok := v.([]int64); ok {
			v = fmt.Sprintf("x'%x'", appendIDs(nil, b))
		}
		return fmt.Sprintf(`UPDATE event_index SET %s = %v WHERE dim = %d AND value = '%s' AND first_id = %d`, column, v, r.dim, r.value, r.first)
	}
	edits := map[string]func(rs []row, i int) string{
		"an ID changed": func(rs []row, i int) string {
			ids := append([]int64(nil), rs[i].ids...)
			ids[len(ids)/2]++
			return set(rs[i], "ids", ids)
		},
		"an ID left out": func(rs []row, i int) string {
			ids := append([]int64(nil), rs[i].ids...)
			return set(rs[i], "ids", append(ids[:len(ids)/2], ids[len(ids)/2+1:]...))
		},
		"an ID added": func(rs []row, i int) string {
			return set(rs[i], "ids", append(append([]int64(nil), rs[i].ids...), rs[i].last+100000))
		},
		"n":       func(rs []row, i int) string { return set(rs[i], "n", rs[i].n+1) },
		"last_id": func(rs []row, i int) string { return set(rs[i], "last_id", rs[i].last-1) },
		"row lost": func(rs []row, i int) string {
			return fmt.Sprintf(`DELETE FROM event_index WHERE dim = %d AND value = '%s' AND first_id = %d`, rs[i].dim, rs[i].value, rs[i].first)
		},
		"undecodable": func(rs []row, i int) string { return set(rs[i], "ids", "x'ffff'") },
	}
	for name, edit := range edits {
		for _, at := range []string{"first", "middle", "last"} {
			t.Run(name+" in the "+at+" row", func(t *testing.T) {
				db := openTestDB(t, nil)
				for i := range 4 {
					importCSV(t, db, fmt.Sprintf("i%d.csv", i), randomEventsCSV(rng, 40*i, 40), usage.ImportOptions{})
				}
				rs := rowsOf(t, db)
				if len(rs) < 3 {
					t.Fatalf("%d rows of values over three rows", len(rs))
				}
				// A value's rows: the one picked and those of its value.
				v := rng.Intn(len(rs))
				lo, hi := v, v
				for lo > 0 && rs[lo-1].dim == rs[v].dim && rs[lo-1].value == rs[v].value {
					lo--
				}
				for hi+1 < len(rs) && rs[hi+1].dim == rs[v].dim && rs[hi+1].value == rs[v].value {
					hi++
				}
				i := map[string]int{"first": lo, "middle": (lo + hi + 1) / 2, "last": hi}[at]
				if _, err := db.w.Exec(edit(rs, i)); err != nil {
					t.Fatal(err)
				}
				tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				s, err := scanEvents(ctx, tx, true, nil)
				if err != nil {
					t.Fatal(err)
				}
				streamed := verifyEventIndex(ctx, tx, s.index)
				gathered := verifyEventIndexUnordered(ctx, tx, s.index)
				if streamed == nil || gathered == nil || streamed.Error() != gathered.Error() {
					t.Fatalf("streamed: %v\ngathered: %v", streamed, gathered)
				}
				if want := fmt.Sprintf("%q disagrees", rs[i].value); !strings.Contains(streamed.Error(), want) {
					t.Fatalf("%v, want the value %s named", streamed, want)
				}
			})
		}
	}
}

// groupsBook imports events grouped several to an import group (a seller,
// channel and day each) in three batches.
func groupsBook(t *testing.T) *DB {
	db := openTestDB(t, nil)
	for b := range 3 {
		var csv strings.Builder
		csv.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
		for i := range 60 {
			fmt.Fprintf(&csv, "e%d-%d,2026-01-%02d,s%d,c%d,%d.25,USD\n", b, i, 1+i/12, i%3, i%2, 1+i)
		}
		importCSV(t, db, fmt.Sprintf("b%d.csv", b), csv.String(), usage.ImportOptions{})
	}
	var groups, multi int
	if err := db.w.QueryRow(`SELECT count(*), sum(events > 1) FROM import_groups`).Scan(&groups, &multi); err != nil || multi == 0 {
		t.Fatalf("%d groups, %d of several events: %v", groups, multi, err)
	}
	return db
}

// TestGroupStreamHoldsFew: verify matches each import group with its
// events while it reads them (groupStream), holding only the groups whose
// events are still coming, and checks them again the old way only when
// something differs. On one connection (the journal scanned first) a book
// of one event per group holds one group at a time (group numbers from 1:
// the window holds group 0's empty sum until group 1 is checked); fails if the stream
// falls back, or keeps the groups it checked.
func TestGroupStreamHoldsFew(t *testing.T) {
	ctx := context.Background()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	db := openTestDB(t, nil)
	var csv strings.Builder
	csv.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	for i := range 300 {
		fmt.Fprintf(&csv, "e%d,2026-01-%02d,s%d,c,%d.5,USD\n", i, 1+i%28, i, i)
	}
	importCSV(t, db, "e.csv", csv.String(), usage.ImportOptions{})
	before := groupStreamStats.fallbacks.Load()
	groupStreamStats.maxHeld.Store(-1)
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	if n := groupStreamStats.fallbacks.Load() - before; n != 0 {
		t.Fatalf("%d fallback(s) on an intact book", n)
	}
	if n := groupStreamStats.maxHeld.Load(); n < 1 || n > 2 {
		t.Fatalf("the stream held %d group sums at once, want 1 (and group 0, which an import does not number)", n)
	}
	// The grouped book on as many connections as verify takes.
	runtime.GOMAXPROCS(2)
	db = groupsBook(t)
	if _, err := db.VerifyReport(ctx); err != nil {
		t.Fatal(err)
	}
	if n := groupStreamStats.fallbacks.Load() - before; n != 0 {
		t.Fatalf("%d fallback(s) on an intact book", n)
	}
}

// TestGroupStreamTamperNamed: an import group changed in the middle of the
// stream is named by Verify (the stream finds it differs, the groups are
// checked again the old way) as VerifyEvents, which joins the groups to
// their entries in SQL without the stream, names it.
func TestGroupStreamTamperNamed(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, sql string
		ok        bool // no violation: the stream must not fall back
	}{
		{"count", `UPDATE import_groups SET events = events + 1 WHERE entry_id = %[1]d`, false},
		{"last event too early", `UPDATE import_groups SET last_event = first_event WHERE entry_id = %[1]d`, false},
		{"first event too late", `UPDATE import_groups SET first_event = last_event WHERE entry_id = %[1]d`, false},
		{"group lost", `DELETE FROM import_groups WHERE entry_id = %[1]d`, false},
		{"entries swapped", `UPDATE import_groups SET entry_id = -1 WHERE entry_id = %[1]d;
			UPDATE import_groups SET entry_id = %[1]d WHERE entry_id = %[1]d + 1;
			UPDATE import_groups SET entry_id = %[1]d + 1 WHERE entry_id = -1`, false},
		{"entry past the journal", `UPDATE import_groups SET entry_id = 100000 WHERE entry_id = %[1]d`, false},
		// The group's range still holds its events: no violation, the
		// group is held until the events end.
		{"last event past the events", `UPDATE import_groups SET last_event = 100000 WHERE entry_id = %[1]d`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := groupsBook(t)
			var middle int64
			if err := db.w.QueryRow(`SELECT entry_id FROM import_groups WHERE events > 1 ORDER BY entry_id LIMIT 1 OFFSET 10`).Scan(&middle); err != nil {
				t.Fatal(err)
			}
			restore := sqlitetest.DropTriggers(t, db.w, "import_groups")
			if _, err := db.w.Exec(`PRAGMA foreign_keys = OFF; ` + fmt.Sprintf(tc.sql, middle) + `; PRAGMA foreign_keys = ON`); err != nil {
				t.Fatal(err)
			}
			restore()
			want := db.VerifyEvents(ctx)
			var ve *VerifyError
			if tc.ok != (want == nil) || (want != nil && !errors.As(want, &ve)) {
				t.Fatalf("VerifyEvents = %v", want)
			}
			before := groupStreamStats.fallbacks.Load()
			_, err := db.VerifyReport(ctx)
			if fmt.Sprint(err) != fmt.Sprint(want) {
				t.Fatalf("Verify = %v\nwant %v", err, want)
			}
			if fell := groupStreamStats.fallbacks.Load() != before; fell == tc.ok {
				t.Fatalf("the stream fell back: %v, want %v", fell, !tc.ok)
			}
		})
	}
}
