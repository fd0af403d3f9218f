package sqlite

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mattn/go-sqlite3"

	"github.com/revshare/revshare/ledger"
)

// Damage detection has two levels (docs/ledger.md, "Damaged files"):
//
//   - QuickCheck reads every page of the file: commands that write run it
//     when they open the database (or beside their work, StartQuickCheck),
//     and verify before its own checks, so that nothing is written to or
//     certified on a malformed file. It costs 1.7-1.9 s of CPU at 1M
//     entries (1.1 GB; 2.7 s while it evaluated the postings' amount_format,
//     4.2 s before migration 0061: docs/design/speed.md, sections 2 and 4,
//     sessions 10 and 11).
//   - Every connection runs with PRAGMA cell_size_check = ON, so each b-tree
//     page is checked as it is read; a read-only command reads no more than
//     it needs and reports damage in what it read with CheckDamage. At 1M
//     entries `balance --as-of` reads a few hundred pages (20 ms) where a
//     whole-file check would add seconds, and PRAGMA quick_check(table) of
//     the tables it reads still 0.25 s (balance_days alone).

// QuickCheck runs SQLite's PRAGMA quick_check (every page and record is
// well-formed; it skips integrity_check's index-content comparison) and
// returns EINVALID naming the first problems when the file is damaged. It
// is verify's quick_check (verify_quickcheck.go): the CHECK constraints of
// the rows verify reads and checks itself (selfCheckedTables: postings,
// entries, event_index) are left to verify, as a stored value that breaks
// no constraint is; those of every other table are checked. On the
// 1M-entry book the postings' amount_format alone was 0.8-1.0 s of the
// check's 2.7-2.9 s of CPU (docs/design/speed.md, section 2, session 11).
func (db *DB) QuickCheck(ctx context.Context) error {
	q := db.r
	if q == nil {
		q = db.w
	}
	// One connection: ignore_check_constraints is the connection's.
	conn, err := q.Conn(ctx)
	if err != nil {
		return checkVerdict(ctx, db, nil, err)
	}
	defer conn.Close()
	problems, err := verifyQuickCheckProblems(ctx, conn)
	return checkVerdict(ctx, db, problems, err)
}

// CheckBeforeWrite is the whole-file check a command runs before it
// writes: QuickCheck, unless Open already checked the file with the -wal a
// crash left (the first write after a crash then reads the 1.1 GB of a 1M
// entry book once, not twice).
func (db *DB) CheckBeforeWrite(ctx context.Context) error {
	if db.checkedAtOpen {
		return nil
	}
	return db.QuickCheck(ctx)
}

// fileVerdict is the outcome of a QuickCheck run beside other work.
type fileVerdict struct {
	done   chan struct{} // closed when err is set
	err    error         // QuickCheck's: nil, EINVALID (damaged) or the context's error
	cancel context.CancelFunc
}

// StartQuickCheck runs QuickCheck on a reader connection while the caller
// goes on, and makes the commit of every write transaction wait for its
// verdict: on a damaged file WithTx rolls back and returns the damage, so
// nothing is committed to it. The check reads the last commit before its
// own start (WAL: the writer's uncommitted pages are not in its snapshot),
// which is the state the first commit builds on unless another process
// commits in between, the same window as a QuickCheck before the write. An
// import into a large book thus parses and posts on one core while the
// check reads on the other. Call it right after Open, before the DB is
// shared; Close stops a check still running. Like CheckBeforeWrite it
// starts none when Open has checked the file.
func (db *DB) StartQuickCheck(ctx context.Context) {
	if db.checkedAtOpen {
		return
	}
	ctx, cancel := context.WithCancel(ctx)
	v := &fileVerdict{done: make(chan struct{}), cancel: cancel}
	db.check = v
	go func() {
		v.err = db.QuickCheck(ctx)
		close(v.done)
	}()
}

// awaitQuickCheck waits for the verdict of StartQuickCheck (nil when none
// was started).
func (db *DB) awaitQuickCheck(ctx context.Context) error {
	v := db.check
	if v == nil {
		return nil
	}
	select {
	case <-v.done:
		return v.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// stopQuickCheck ends a check StartQuickCheck began, before Close closes
// the connection it reads on.
func (db *DB) stopQuickCheck() {
	if v := db.check; v != nil {
		v.cancel()
		<-v.done
	}
}

// CheckDamage returns err unchanged unless the file is damaged: SQLite
// found it malformed while reading it (SQLITE_CORRUPT or SQLITE_NOTADB), a
// stored value was not of its column's type (storedTypeError names it), or
// the check StartQuickCheck began found damage (then even when err is nil:
// a command that wrote nothing must still refuse the file). It returns
// QuickCheck's EINVALID error naming the damage (the started check's
// verdict when there is one) or, should the whole-file check find nothing,
// the same message with SQLite's words.
func (db *DB) CheckDamage(ctx context.Context, err error) error {
	if db.check != nil {
		if verr := db.awaitQuickCheck(ctx); ledger.ErrorCode(verr) == ledger.EINVALID {
			return verr // not a context's error: the check's verdict
		}
	}
	if isScanError(err) {
		if msg := storedTypeError(ctx, db.r); msg != "" {
			return ledger.Errorf(ledger.EINVALID, "the database %s is damaged (%s): %s", db.path, msg, damageCure(db.path, db.walAtOpen))
		}
	}
	if !isDamage(err) {
		return err
	}
	if cerr := db.QuickCheck(ctx); cerr != nil {
		return cerr
	}
	return ledger.Errorf(ledger.EINVALID, "the database %s is damaged (%v): %s", db.path, err, damageCure(db.path, db.walAtOpen))
}

// isDamage says whether err is SQLite finding the file malformed.
func isDamage(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

// fileCheck is the whole PRAGMA quick_check on q, every CHECK constraint
// included: what Open runs before a migration rewrites a book (0061 copied
// every posting into a table with the same constraints). (verify has its
// own, quickCheck, which reports a *VerifyError.)
func fileCheck(ctx context.Context, db *DB, q querier) error {
	problems, err := quickCheckProblems(ctx, q)
	return checkVerdict(ctx, db, problems, err)
}

// checkVerdict is the error of a check that found problems or failed: the
// context's error, or EINVALID naming the damage.
func checkVerdict(ctx context.Context, db *DB, problems []string, err error) error {
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return damaged(db, err.Error())
	}
	if len(problems) > 0 {
		return damaged(db, strings.Join(problems, "; "))
	}
	return nil
}

// quickCheckProblems runs PRAGMA quick_check(5) and returns what it reports
// other than "ok"; an error means the check itself could not read the file.
func quickCheckProblems(ctx context.Context, q querier) ([]string, error) {
	return quickCheckQuery(ctx, q, `PRAGMA quick_check(5)`)
}

// quickCheckQuery is quickCheckProblems for a quick_check pragma of one's
// choice.
func quickCheckQuery(ctx context.Context, q querier, pragma string) ([]string, error) {
	var problems []string
	err := eachRow(ctx, q, func(row rowScanner) error {
		var line string
		err := row.Scan(&line)
		if err == nil && line != "ok" {
			problems = append(problems, line)
		}
		return err
	}, pragma)
	if err != nil {
		return nil, err
	}
	return problems, nil
}

// damagedMessage is the one wording of damage found in db's file, for the
// commands' errors and verify's violation.
func damagedMessage(db *DB, what string) string {
	return "the database " + db.path + " is damaged (quick_check: " + what + "): " + damageCure(db.path, db.walAtOpen)
}

func damaged(db *DB, what string) error {
	return ledger.Errorf(ledger.EINVALID, "%s", damagedMessage(db, what))
}

// damageCure is what to do about damage found in the database at path;
// walBefore: a -wal file was beside it when this process opened it. That
// -wal may be another copy's (a book copied or restored over this one
// without removing the -wal that was beside it): SQLite reads it as the
// book's latest pages, and reports the mix as damage.
func damageCure(path string, walBefore bool) string {
	if !walBefore {
		return "restore it from a backup"
	}
	return fmt.Sprintf("if %[1]s-wal is not this book's (a copy or restore that left another copy's -wal beside it), move %[1]s-wal and %[1]s-shm aside and run verify again; else restore it from a backup", path)
}
