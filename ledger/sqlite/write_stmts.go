package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// insertSize picks how many of n remaining rows the next statement takes:
// 256, 16 or 1, so that few distinct statements are ever prepared.
func insertSize(n int) int {
	switch {
	case n >= rowsPerInsert:
		return rowsPerInsert
	case n >= 16:
		return 16
	}
	return 1
}

// The statements of the write path, prepared once per DB (see
// prepareWriteStmts) rather than once per transaction: a 256-row INSERT
// that fires triggers is costly to compile.
const (
	headQuery          = `SELECT id, hash, recorded_at FROM entries ORDER BY id DESC LIMIT 1`
	setHeadQuery       = `INSERT INTO journal_head (id, entry_id, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET entry_id = excluded.entry_id, hash = excluded.hash`
	findAccountQuery   = `SELECT id, type FROM accounts WHERE name = ?`
	insertAccountQuery = `INSERT INTO accounts (name, type) VALUES (?, ?)`
)

func writeQueries() []string {
	qs := []string{headQuery, setHeadQuery, findAccountQuery, insertAccountQuery, closedThroughQuery}
	qs = append(qs, flushPostingsStageQuery, clearPostingsStageQuery)
	for _, n := range []int{1, 16, rowsPerInsert} {
		qs = append(qs, lookupKeysQuery(n), insertPostingsQuery(n), insertEntriesQuery(n))
	}
	return qs
}

// prepareWriteStmts prepares the write statements on first use. It runs
// outside any transaction: the writer pool has one connection, which a
// transaction would hold.
func (db *DB) prepareWriteStmts(ctx context.Context) error {
	db.prepareOnce.Do(func() {
		// The stage of post_fast.go, on the writer's one connection.
		if _, err := db.w.ExecContext(ctx, createPostingsStageQuery); err != nil {
			db.prepareErr = fmt.Errorf("create the postings stage: %w", err)
			return
		}
		stmts := map[string]*sql.Stmt{}
		for _, q := range writeQueries() {
			st, err := db.w.PrepareContext(ctx, q)
			if err != nil {
				for _, s := range stmts {
					s.Close()
				}
				db.prepareErr = fmt.Errorf("prepare %.40s...: %w", q, err)
				return
			}
			stmts[q] = st
		}
		db.writeStmts = stmts
	})
	return db.prepareErr
}

// queryCache holds the multi-row statements' text by kind and row count,
// so that the hot path does not rebuild 2,000-placeholder strings.
var queryCache sync.Map // [2]int{kind, n} -> string

func cachedQuery(kind, n int, build func(int) string) string {
	if q, ok := queryCache.Load([2]int{kind, n}); ok {
		return q.(string)
	}
	q := build(n)
	queryCache.Store([2]int{kind, n}, q)
	return q
}

func insertPostingsQuery(n int) string { return cachedQuery(1, n, buildInsertPostings) }
func insertEntriesQuery(n int) string  { return cachedQuery(2, n, buildInsertEntries) }
func lookupKeysQuery(n int) string     { return cachedQuery(3, n, buildLookupKeys) }

func buildInsertPostings(n int) string {
	return `INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES ` + placeholders(n, 5)
}

func buildInsertEntries(n int) string {
	return `INSERT INTO entries (id, source, external_id, date, recorded_at, description, meta, reverses, prev_hash, hash) VALUES ` + placeholders(n, 10)
}

func buildLookupKeys(n int) string {
	return `SELECT e.id, e.source, e.external_id FROM (VALUES ` + placeholders(n, 2) + `) k
		JOIN entries e ON e.source = k.column1 AND e.external_id = k.column2`
}

// placeholders returns n groups of k "?": "(?, ?), (?, ?)".
func placeholders(n, k int) string {
	group := "(" + strings.Repeat("?, ", k-1) + "?)"
	var b strings.Builder
	b.Grow(n * (len(group) + 2))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(group)
	}
	return b.String()
}
