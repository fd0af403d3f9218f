package postgres

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
)

// Writers take turns on a transaction-scoped advisory lock (lockSQL). A
// writer that finds it taken waits up to the DB's lock timeout
// (DefaultLockTimeout unless SetLockTimeout says otherwise: PostgreSQL's
// lock_timeout, for that one statement) and then fails with EUNAVAILABLE
// naming the holder. The holder names itself: each write transaction sets
// its application_name (SET LOCAL, so it reverts at commit) to its process
// and host and what it does (its activity: "import", "batch 12
// (march.csv)"), which a waiter reads from pg_stat_activity beside the
// lock in pg_locks and words as SQLite does (ledger.WriterActivity).

// DefaultLockTimeout is how long a writer waits for another one by
// default (as on SQLite).
const DefaultLockTimeout = 10 * time.Minute

// SetLockTimeout sets how long a writer waits for the writer lock (0 or
// less: the default). onWait, when not nil, is called once per wait, with
// what holds the lock (commands print it).
func (db *DB) SetLockTimeout(d time.Duration, onWait func(holder string)) {
	if d <= 0 {
		d = DefaultLockTimeout
	}
	db.lockTimeout, db.onLockWait = d, onWait
}

// lockWriter takes the writer lock in tx, waiting as SetLockTimeout says,
// and names the transaction as the holder.
func (db *DB) lockWriter(ctx context.Context, tx pgx.Tx) error {
	var got bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema()))`, writerLockClass).Scan(&got); err != nil {
		return err
	}
	if !got {
		if err := db.waitForWriter(ctx, tx); err != nil {
			return err
		}
	}
	return nameWriter(ctx, tx, "")
}

type activityKey struct{}

// activity is what a write transaction does: its operation ("import",
// "close", "run") and what it works on.
type activity struct{ op, detail string }

// withActivity returns ctx naming the writes made with it op and detail,
// unless ctx names them already (the caller's says more).
func withActivity(ctx context.Context, op, detail string) context.Context {
	if _, ok := ctx.Value(activityKey{}).(activity); ok || op == "" {
		return ctx
	}
	return context.WithValue(ctx, activityKey{}, activity{op, detail})
}

// nameWriter sets tx's application_name to what it does: ctx's activity
// ("write" without one), with detail in place of the activity's when not
// "" (an import names its batch once it has one). The server keeps 63
// bytes of printable ASCII: a longer detail is cut.
func nameWriter(ctx context.Context, tx pgx.Tx, detail string) error {
	a, ok := ctx.Value(activityKey{}).(activity)
	if !ok {
		a.op = "write"
	}
	if detail != "" {
		a.detail = detail
	}
	name := fmt.Sprintf("revshare %d@%s %s", os.Getpid(), hostname(), a.op)
	if a.detail != "" {
		name += ": " + a.detail
	}
	if len(name) > maxAppName {
		name = name[:maxAppName-3] + "..."
	}
	_, err := tx.Exec(ctx, `SELECT set_config('application_name', $1, true)`, name)
	return err
}

// maxAppName is the most of an application_name the server keeps.
const maxAppName = 63

// parseWriterName reads what nameWriter wrote.
func parseWriterName(app string) (ledger.WriterActivity, bool) {
	rest, ok := strings.CutPrefix(app, "revshare ")
	who, what, ok2 := strings.Cut(rest, " ")
	pid, host, ok3 := strings.Cut(who, "@")
	n, err := strconv.Atoi(pid)
	if !ok || !ok2 || !ok3 || err != nil {
		return ledger.WriterActivity{}, false
	}
	op, detail, _ := strings.Cut(what, ": ")
	return ledger.WriterActivity{Op: op, Detail: detail, PID: n, Host: host}, true
}

// waitForWriter waits for the writer lock up to the lock timeout.
func (db *DB) waitForWriter(ctx context.Context, tx pgx.Tx) error {
	timeout := db.lockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	if db.onLockWait != nil {
		db.onLockWait(db.writerHolder(ctx))
	}
	start := time.Now()
	if _, err := tx.Exec(ctx, `SELECT set_config('lock_timeout', $1, true)`, strconv.FormatInt(timeout.Milliseconds(), 10)); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, lockSQL(writerLockClass))
	if errorCode(err) == "55P03" { // lock_not_available: lock_timeout ran out
		return ledger.Errorf(ledger.EUNAVAILABLE, "the database is busy: %s (gave up after waiting %s)",
			db.writerHolder(ctx), time.Since(start).Round(time.Second))
	}
	if err != nil {
		return err
	}
	// Other locks of the transaction wait as the server is configured.
	_, err = tx.Exec(ctx, `SET LOCAL lock_timeout TO DEFAULT`)
	return err
}

// writerHolder describes what holds the writer lock of this schema, as well
// as the server tells (pg_stat_activity shows another role's sessions only
// to members of pg_read_all_stats).
func (db *DB) writerHolder(ctx context.Context) string {
	var app string
	var since *time.Time
	var pid int32
	err := db.pool.QueryRow(ctx, `SELECT a.pid, coalesce(a.application_name, ''), a.xact_start
		FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
		WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
			AND l.classid = $1::bigint::oid AND l.objid = hashtext(current_schema())::oid AND l.objsubid = 2
		LIMIT 1`, writerLockClass).Scan(&pid, &app, &since)
	a, ok := parseWriterName(app)
	if err != nil || !ok {
		return "another process is writing to the database"
	}
	if since != nil {
		a.Since = *since
	}
	a.ServerPID = int(pid)
	return a.String()
}

var hostname = sync.OnceValue(func() string { h, _ := os.Hostname(); return h })
