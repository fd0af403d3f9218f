package sqlite

import (
	"context"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// QuickCheck runs SQLite's PRAGMA quick_check (every page and record is
// well-formed; it skips integrity_check's index-content comparison) and
// returns EINVALID naming the first problems when the file is damaged.
// Commands run it when they open the database (verify, once more, before
// its own checks), so that nothing reads or writes a malformed file.
func (db *DB) QuickCheck(ctx context.Context) error {
	q := db.r
	if q == nil {
		q = db.w
	}
	return fileCheck(ctx, q)
}

// fileCheck is QuickCheck on q. (verify has its own, quickCheck, which
// reports a *VerifyError.)
func fileCheck(ctx context.Context, q querier) error {
	rows, err := q.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		return damaged(err.Error())
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return damaged(err.Error())
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return damaged(err.Error())
	}
	if len(problems) > 0 {
		return damaged(strings.Join(problems, "; "))
	}
	return nil
}

func damaged(what string) error {
	return ledger.Errorf(ledger.EINVALID, "the database file is damaged (quick_check: %s): restore it from a backup", what)
}
