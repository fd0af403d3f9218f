package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/revshare/revshare/ledger"
)

// Writers serialize on SQLite's write lock (BEGIN IMMEDIATE). A writer that
// finds the lock taken waits for it in steps of lockStep, up to the DB's
// lock timeout (DefaultLockTimeout unless SetLockTimeout says otherwise),
// and then fails with EUNAVAILABLE naming what holds the lock. What holds
// it is told by the holder file next to the database (PATH-writer): the
// writer that has the lock writes there what it is doing (its Activity), and
// removes it before it commits or rolls back, so the file only ever names
// the current holder. A holder killed with the lock leaves the file behind;
// its process is gone, so the file is ignored (and SQLite has released the
// lock with the process).

// DefaultLockTimeout is how long a writer waits for another one by
// default. revshare's commands take --lock-timeout (or
// REVSHARE_LOCK_TIMEOUT); the server waits ServerLockTimeout and answers
// 503 with Retry-After.
const DefaultLockTimeout = 10 * time.Minute

// lockStep is SQLite's busy timeout on the writer connection: one wait
// between two looks at the holder file and the caller's context.
const lockStep = 500 * time.Millisecond

// Activity says what a writer is doing, for the writers that wait behind it
// (its String: "another import is running: batch 12 (march.csv), started
// 14:02:05 UTC (pid 4242)"), in words both backends share.
type Activity = ledger.WriterActivity

type activityKey struct{}

// activityBox is the Activity of an operation; the operation may fill in
// Detail once it knows it (an import's batch ID).
type activityBox struct {
	mu sync.Mutex
	a  Activity
}

// WithActivity returns ctx carrying what the writes made with it do; the
// DB's write transactions under ctx name it to writers that wait.
func (db *DB) WithActivity(ctx context.Context, op, detail string) context.Context {
	return context.WithValue(ctx, activityKey{}, &activityBox{a: Activity{Op: op, Detail: detail, Since: db.clock.Now().UTC()}})
}

// activity is ctx with an Activity for op, unless it has one already (the
// caller's, which says more).
func (db *DB) activity(ctx context.Context, op, detail string) context.Context {
	if _, ok := ctx.Value(activityKey{}).(*activityBox); ok {
		return ctx
	}
	return db.WithActivity(ctx, op, detail)
}

// setActivityDetail changes the Detail of ctx's Activity, if it has one.
func setActivityDetail(ctx context.Context, detail string) {
	if b, ok := ctx.Value(activityKey{}).(*activityBox); ok {
		b.mu.Lock()
		b.a.Detail = detail
		b.mu.Unlock()
	}
}

func (db *DB) activityOf(ctx context.Context) Activity {
	if b, ok := ctx.Value(activityKey{}).(*activityBox); ok {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.a
	}
	return Activity{Op: "write", Since: db.clock.Now().UTC()}
}

// SetLockTimeout sets how long a writer waits for the lock (0 or less: the
// default). onWait, when not nil, is called once per wait that lasts more
// than a lockStep, with what holds the lock (commands print it).
func (db *DB) SetLockTimeout(d time.Duration, onWait func(holder string)) {
	if d <= 0 {
		d = DefaultLockTimeout
	}
	db.lockTimeout, db.onLockWait = d, onWait
}

func (db *DB) holderPath() string { return db.path + "-writer" }

// writeHolder records a as the lock's holder; failing to is not an error
// (the file only helps a waiter's message).
func (db *DB) writeHolder(a Activity) {
	a.PID, a.Host = os.Getpid(), hostname()
	b, err := json.Marshal(a)
	if err != nil {
		return
	}
	os.WriteFile(db.holderPath(), b, 0o644)
}

func (db *DB) removeHolder() { os.Remove(db.holderPath()) }

// holder describes what holds the write lock, as well as it can tell.
func (db *DB) holder(ctx context.Context) string {
	if b, err := os.ReadFile(db.holderPath()); err == nil {
		var a Activity
		if json.Unmarshal(b, &a) == nil && a.Op != "" && (a.Host != hostname() || processAlive(a.PID)) {
			return a.String()
		}
	}
	// An import of an older binary, or one whose holder file could not be
	// written: a batch still running names it.
	if db.r != nil {
		var id int64
		var file, started string
		err := db.r.QueryRowContext(ctx, `SELECT id, file_name, started_at FROM import_batches WHERE status = 'running' ORDER BY id DESC LIMIT 1`).Scan(&id, &file, &started)
		if err == nil {
			a := Activity{Op: "import", Detail: fmt.Sprintf("batch %d (%s)", id, file)}
			if t, err := parseTime(started); err == nil {
				a.Since = t
			}
			return a.String() + " or was interrupted"
		}
	}
	return "another process is writing to the database"
}

var hostname = sync.OnceValue(func() string { h, _ := os.Hostname(); return h })

// isBusy says whether err is SQLite's "database is locked" (or busy).
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// beginWrite starts a write transaction (BEGIN IMMEDIATE) on the writer's
// connection, pinned (rawWriter binds the write path's multi-row
// statements through it), waiting for the write lock as SetLockTimeout
// says, and records ctx's Activity as the holder. The caller ends the
// transaction with endWrite, then Commit or Rollback, then closes conn.
func (db *DB) beginWrite(ctx context.Context) (*sql.Conn, *sql.Tx, error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", mapError(err))
	}
	tx, err := db.beginOn(ctx, conn)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, tx, nil
}

func (db *DB) beginOn(ctx context.Context, conn *sql.Conn) (*sql.Tx, error) {
	timeout := db.lockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	start := time.Now()
	told := false
	for {
		tx, err := conn.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock=immediate)
		if err == nil {
			db.writeHolder(db.activityOf(ctx))
			return tx, nil
		}
		if !isBusy(err) {
			if cerr := ctx.Err(); cerr != nil {
				return nil, fmt.Errorf("begin: %w", cerr)
			}
			return nil, fmt.Errorf("begin: %w", mapError(err))
		}
		waited := time.Since(start)
		if waited >= timeout {
			return nil, ledger.Errorf(ledger.EUNAVAILABLE, "the database is busy: %s (gave up after waiting %s)", db.holder(ctx), waited.Round(time.Second))
		}
		if !told && db.onLockWait != nil {
			told = true
			db.onLockWait(db.holder(ctx))
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("begin: %w", err)
		}
	}
}

// endWrite removes the holder file; the lock holder calls it just before
// its COMMIT or ROLLBACK.
func (db *DB) endWrite() { db.removeHolder() }
