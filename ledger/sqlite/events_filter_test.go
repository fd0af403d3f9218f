package sqlite_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/tempdb"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// TestEventsByIDChunks reads more IDs than one query asks for.
func TestEventsByIDChunks(t *testing.T) {
	ctx := context.Background()
	db := tempdb.Open(t, storetest.NewClock(storetest.T0))
	var b strings.Builder
	b.WriteString("event_id,occurred_at,seller,channel,amount,currency\n")
	const n = 1203
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "c%d,2026-01-%02d,openai,azure,%d,USD\n", i, 1+i%28, i)
	}
	if _, rejects, err := importString(t, db, "c.csv", b.String(), usage.ImportOptions{}); err != nil || len(rejects) > 0 {
		t.Fatalf("import: %v %q", err, rejects)
	}
	all, err := db.Events(ctx, ledger.EventFilter{})
	if err != nil || len(all) != n {
		t.Fatalf("events: %d %v", len(all), err)
	}
	// Every ID, newest first.
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(n - i)
	}
	evs, err := db.EventsByID(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n {
		t.Fatalf("EventsByID returned %d events, want %d", len(evs), n)
	}
	for i, e := range evs {
		if want := all[n-1-i]; !reflect.DeepEqual(e, want) {
			t.Fatalf("EventsByID[%d] = %+v, want %+v", i, e, want)
		}
	}
}
