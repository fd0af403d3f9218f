package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
)

// TestRunInOrder: whatever finishes first, the error returned is that of
// the first failing task in order; tasks after a failure are cancelled or
// not started, tasks before it run to their end.
func TestRunInOrder(t *testing.T) {
	ctx := context.Background()
	var ran atomic.Int64
	slowFail := func(ctx context.Context, _ *sql.Tx) error {
		time.Sleep(50 * time.Millisecond)
		ran.Add(1)
		return errors.New("task 1")
	}
	fastFail := func(ctx context.Context, _ *sql.Tx) error { ran.Add(1); return errors.New("task 2") }
	waitCancel := func(ctx context.Context, _ *sql.Tx) error {
		ran.Add(1)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return errors.New("not cancelled")
		}
	}
	ok := func(ctx context.Context, _ *sql.Tx) error { ran.Add(1); return nil }
	for _, workers := range []int{1, 2, 3} {
		ran.Store(0)
		txs := make([]*sql.Tx, workers)
		err := runInOrder(ctx, txs, []verifyTask{ok, slowFail, fastFail, waitCancel, ok})
		if err == nil || err.Error() != "task 1" {
			t.Errorf("%d workers: %v, want task 1", workers, err)
		}
		if n := ran.Load(); n < 2 || n > 4 {
			t.Errorf("%d workers: %d tasks ran", workers, n)
		}
	}
	if err := runInOrder(ctx, make([]*sql.Tx, 2), []verifyTask{ok, ok, ok}); err != nil {
		t.Errorf("all pass: %v", err)
	}
}

// TestVerifyReadsOneState: verify's transactions see one committed state
// while a writer commits all along: the journal and its totals, read on
// different connections, always agree.
func TestVerifyReadsOneState(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			if _, err := db.Post(ctx, []ledger.Entry{storetest.Sale(fmt.Sprintf("w%d", i), "2026-02-01", "1", "USD")}); err != nil {
				done <- err
				return
			}
		}
	}()
	for range 20 {
		txs, err := db.readSnapshot(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		var counts []int64
		for _, tx := range txs {
			var n int64
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM entries`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			counts = append(counts, n)
		}
		rollbackAll(txs)
		for _, n := range counts[1:] {
			if n != counts[0] {
				t.Fatalf("transactions of one snapshot see %v entries", counts)
			}
		}
	}
	close(stop)
	if err := <-done; err != nil && !strings.Contains(err.Error(), "locked") {
		t.Fatal(err)
	}
}
