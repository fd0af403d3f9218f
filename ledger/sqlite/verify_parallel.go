package sqlite

import (
	"context"
	"database/sql"
	"runtime"
	"sync"
)

// Verify's checks are independent reads of one committed state of the file,
// so they run on several connections at once (docs/design/speed.md,
// section 4), each connection in its own read transaction. Those
// transactions see the same state when no commit happened while they
// began: SQLite's PRAGMA data_version, read on one more connection before
// and after, changes exactly when another connection committed in between
// (in WAL mode a read transaction's snapshot is the last commit when it
// first reads). If it changed, the transactions are begun again; after a
// few tries verify runs on one connection. Unlike holding the write lock,
// this never makes a writer wait for verify.

// snapshotTries is how often verify tries to begin its parallel
// transactions on one state before it falls back to one connection.
const snapshotTries = 3

// readSnapshot begins up to n read transactions on db.r that see the same
// committed state (one when that cannot be had).
func (db *DB) readSnapshot(ctx context.Context, n int) ([]*sql.Tx, error) {
	if n > 1 {
		mon, err := db.r.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer mon.Close()
		for range snapshotTries {
			before, err := dataVersion(ctx, mon)
			if err != nil {
				return nil, err
			}
			txs, err := beginReads(ctx, db.r, n)
			if err != nil {
				return nil, err
			}
			after, err := dataVersion(ctx, mon)
			if err == nil && after == before {
				return txs, nil
			}
			rollbackAll(txs)
			if err != nil {
				return nil, err
			}
		}
	}
	return beginReads(ctx, db.r, 1)
}

func dataVersion(ctx context.Context, c *sql.Conn) (int64, error) {
	var v int64
	err := c.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v)
	return v, err
}

// beginReads begins n read transactions, each on its own connection, and
// makes each take its snapshot (a read transaction takes it at its first
// read).
func beginReads(ctx context.Context, r *sql.DB, n int) ([]*sql.Tx, error) {
	txs := make([]*sql.Tx, 0, n)
	for range n {
		tx, err := r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
		if err == nil {
			var tables int
			if err = tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master`).Scan(&tables); err != nil {
				tx.Rollback()
			}
		}
		if err != nil {
			rollbackAll(txs)
			return nil, err
		}
		txs = append(txs, tx)
	}
	return txs, nil
}

func rollbackAll(txs []*sql.Tx) {
	for _, tx := range txs {
		tx.Rollback()
	}
}

// verifyWorkers is how many connections verify reads on at once.
func verifyWorkers(tasks int) int {
	return max(1, min(runtime.GOMAXPROCS(0), tasks))
}

// verifyTask is one of verify's checks, reading through tx.
type verifyTask func(ctx context.Context, tx *sql.Tx) error

// runInOrder runs tasks on the transactions txs, one worker per
// transaction, each taking the next task in order, and returns the error of
// the first task in that order that failed: the one running them one after
// the other would return. Once a task fails, the tasks after it are
// cancelled; those before it still run.
func runInOrder(ctx context.Context, txs []*sql.Tx, tasks []verifyTask) error {
	ctxs := make([]context.Context, len(tasks))
	cancels := make([]context.CancelFunc, len(tasks))
	for i := range tasks {
		ctxs[i], cancels[i] = context.WithCancel(ctx)
		defer cancels[i]()
	}
	errs := make([]error, len(tasks))
	var mu sync.Mutex
	next, failed := 0, len(tasks) // the next task to take; the first failed
	take := func() (int, bool) {
		mu.Lock()
		defer mu.Unlock()
		for next < len(tasks) && next > failed {
			next++ // cancelled: not started
		}
		if next >= len(tasks) {
			return 0, false
		}
		next++
		return next - 1, true
	}
	fail := func(i int, err error) {
		mu.Lock()
		defer mu.Unlock()
		errs[i] = err
		if i < failed {
			failed = i
			for _, cancel := range cancels[i+1:] {
				cancel()
			}
		}
	}
	var wg sync.WaitGroup
	for _, tx := range txs {
		wg.Go(func() {
			for i, ok := take(); ok; i, ok = take() {
				if err := tasks[i](ctxs[i], tx); err != nil {
					fail(i, err)
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
