package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/sqlite/sqlitetest"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestVerifyReportsTheReadersError: when the postings reader fails part way
// (a stored row it cannot read), verify names that failure; before, the
// entries reader, stopped by the cancel that followed, was asked first and
// verify said "context canceled".
func TestVerifyReportsTheReadersError(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "v.db"), storetest.NewClock(storetest.T0))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Five ranges of entries, so that the entries reader runs ahead of
	// the postings reader's failure in the second.
	const n = 5 * verifyChunk
	for lo := 0; lo < n; lo += 2048 {
		es := make([]ledger.Entry, 0, 2048)
		for i := lo; i < lo+2048; i++ {
			es = append(es, storetest.Sale(fmt.Sprint(i), "2026-02-01", "1.50", "USD"))
		}
		if _, err := db.Post(ctx, es); err != nil {
			t.Fatal(err)
		}
	}
	// A posting's seq that does not scan as a number, behind the
	// triggers' back.
	sqlitetest.DropTriggers(t, db.w)
	for _, q := range []string{`PRAGMA ignore_check_constraints = ON`, fmt.Sprintf(`UPDATE postings SET seq = 'x' WHERE entry_id = %d AND seq = 1`, verifyChunk+10)} {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	_, err = db.VerifyReport(ctx)
	if err == nil || strings.Contains(err.Error(), "context canceled") || !strings.Contains(err.Error(), "seq") {
		t.Errorf("VerifyReport: %v; want the postings reader's error about seq", err)
	}
}
