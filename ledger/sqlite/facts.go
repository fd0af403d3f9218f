package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// The fact chain (ledger/facts.go, migration 0062): this file reads the
// rows it seals as books' *Text types, appends links, and registers
// verify's check. The rules (what is sealed, in which words) are the
// books' and the ledger's, shared with PostgreSQL.

// factTable reads the rows of one sealed table, all of them or those a
// WHERE clause picks, as facts.
type factTable struct {
	query string // SELECT …, ending where a WHERE clause may follow
	key   string // the WHERE clause that picks one row by its key
	scan  func(row rowScanner) (ledger.Fact, error)
}

var (
	runFacts = factTable{`SELECT id, through, started_at, entries FROM runs`, `id = ?`,
		func(row rowScanner) (ledger.Fact, error) {
			var r books.RunText
			var n sql.NullInt64
			err := row.Scan(&r.ID, &r.Through, &r.StartedAt, &n)
			if n.Valid {
				r.Entries = &n.Int64
			}
			return books.RunFact(r), err
		}}
	closeFacts = factTable{`SELECT through, closed_at, head_id, head_hash FROM period_closes`, `through = ?`,
		func(row rowScanner) (ledger.Fact, error) {
			var c books.CloseText
			err := row.Scan(&c.Through, &c.ClosedAt, &c.HeadID, &c.HeadHash)
			return books.CloseFact(c), err
		}}
	contractFacts = factTable{`SELECT id, version, document, recorded_at FROM contracts`, `id = ? AND version = ?`,
		func(row rowScanner) (ledger.Fact, error) {
			var d books.ContractDocument
			err := row.Scan(&d.ID, &d.Version, &d.Document, &d.RecordedAt)
			return books.ContractFact(d), err
		}}
	statementFacts = factTable{`SELECT ` + finalStatementColumns + ` FROM statements`, `contract = ? AND period = ?`,
		func(row rowScanner) (ledger.Fact, error) {
			s, err := scanFinalStatement(row)
			return books.StatementFact(s), err
		}}
	// A batch's rates and rejects are read as one text each, a line per
	// row in key order.
	batchFacts = factTable{`SELECT b.id, b.kind, b.source, b.file_name, b.file_sha256, b.mode, b.status, b.rows, b.posted, b.duplicates,
			b.rejected, b.late, b.entries, b.started_at, ifnull(b.finished_at, ''),
			(SELECT group_concat(r.date || ' ' || r.from_ccy || ' ' || r.to_ccy || ' ' || r.rate, char(10) ORDER BY r.from_ccy, r.to_ccy, r.date)
				FROM fx_rates r WHERE r.batch_id = b.id),
			ifnull((SELECT c.columns FROM import_reject_columns c WHERE c.batch_id = b.id), ''),
			(SELECT group_concat(j.line || ' ' || j.errors || ' ' || j.record, char(10) ORDER BY j.line) FROM import_rejects j WHERE j.batch_id = b.id)
		FROM import_batches b`, `b.id = ?`,
		func(row rowScanner) (ledger.Fact, error) {
			var b books.BatchText
			var rates, rejects sql.NullString
			err := row.Scan(&b.ID, &b.Kind, &b.Source, &b.FileName, &b.FileSHA256, &b.Mode, &b.Status, &b.Rows, &b.Posted, &b.Duplicates,
				&b.Rejected, &b.Late, &b.Entries, &b.StartedAt, &b.FinishedAt, &rates, &b.RejectColumns, &rejects)
			b.Rates, b.Rejects = lines(rates), lines(rejects)
			return books.BatchFact(b), err
		}}
	// sealedTables in the order a book's facts are sealed when it is
	// upgraded (migration 0062) or verified.
	sealedTables = []factTable{contractFacts, batchFacts, runFacts, closeFacts, statementFacts}
)

func lines(s sql.NullString) []string {
	if !s.Valid {
		return nil
	}
	return strings.Split(s.String, "\n")
}

// read returns the table's rows that where picks (all with where ""), in
// key order.
func (t factTable) read(ctx context.Context, q querier, where string, args ...any) ([]ledger.Fact, error) {
	query := t.query
	if where != "" {
		query += " WHERE " + where
	}
	facts, err := queryRows(ctx, q, t.scan, query, args...)
	if err != nil {
		return nil, err
	}
	return facts, nil
}

// storedFacts reads every row of every sealed table.
func storedFacts(ctx context.Context, q querier) ([]ledger.Fact, error) {
	var all []ledger.Fact
	for _, t := range sealedTables {
		facts, err := t.read(ctx, q, "")
		if err != nil {
			return nil, err
		}
		all = append(all, facts...)
	}
	return all, nil
}

// seal appends a link of the fact chain for the row of t with key (its
// key columns' values), as it is stored now in tx: once written, the row
// is final.
func (tx *Tx) seal(t factTable, key ...any) error {
	facts, err := t.read(tx.ctx, tx.SQL(), t.key, key...)
	if err != nil {
		return err
	}
	if len(facts) != 1 {
		return ledger.Errorf(ledger.EINTERNAL, "sealing a fact: %d rows for key %v", len(facts), key)
	}
	return tx.appendFacts(facts)
}

// sealAll seals every row of the sealed tables that no link seals yet
// (a book upgraded by migration 0062), in sealedTables' order.
func (tx *Tx) sealAll() error {
	sealed, err := queryRows(tx.ctx, tx.SQL(), scanString, `SELECT tbl || ' ' || row_key FROM fact_chain`)
	if err != nil {
		return err
	}
	facts, err := storedFacts(tx.ctx, tx.SQL())
	if err != nil {
		return err
	}
	return tx.appendFacts(ledger.FactsToSeal(facts, sealed))
}

// appendFacts links facts to the chain after its head and moves the head.
func (tx *Tx) appendFacts(facts []ledger.Fact) error {
	if len(facts) == 0 {
		return nil
	}
	head, err := factHead(tx.ctx, tx.SQL())
	if err != nil {
		return err
	}
	links, at := ledger.SealFacts(head, facts)
	for _, l := range links {
		if _, err := tx.SQL().ExecContext(tx.ctx, `INSERT INTO fact_chain (seq, tbl, row_key, content, hash) VALUES (?, ?, ?, ?, ?)`,
			l.Seq, l.Table, l.Key, l.Content, l.Hash); err != nil {
			return mapError(err)
		}
	}
	_, err = tx.SQL().ExecContext(tx.ctx, `INSERT INTO fact_head (one, seq, hash) VALUES (1, ?, ?)
		ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, at.Seq, at.Hash)
	return err
}

// factHead reads the head (nil when none is stored).
func factHead(ctx context.Context, q querier) (*ledger.FactHead, error) {
	var h ledger.FactHead
	err := q.QueryRowContext(ctx, `SELECT seq, hash FROM fact_head`).Scan(&h.Seq, &h.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// verifyFactChain checks the fact chain against the rows stored now
// (ledger.VerifyFactChain) and the anchors in it, and returns its head.
func verifyFactChain(ctx context.Context, tx *sql.Tx, anchors []ledger.Anchor) (ledger.FactHead, error) {
	links, err := queryRows(ctx, tx, func(row rowScanner) (l ledger.FactLink, err error) {
		err = row.Scan(&l.Seq, &l.Table, &l.Key, &l.Content, &l.Hash)
		return l, err
	}, `SELECT seq, tbl, row_key, content, hash FROM fact_chain ORDER BY seq`)
	if err != nil {
		return ledger.FactHead{}, err
	}
	head, err := factHead(ctx, tx)
	if err != nil {
		return ledger.FactHead{}, err
	}
	facts, err := storedFacts(ctx, tx)
	if err != nil {
		return ledger.FactHead{}, err
	}
	return ledger.CheckFactChain(links, head, facts, anchors)
}
