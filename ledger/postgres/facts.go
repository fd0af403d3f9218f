package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// The fact chain (ledger/facts.go, migration 0098), as on SQLite
// (ledger/sqlite/facts.go): this file reads the rows it seals as books'
// *Text types, appends links, and checks the chain for verify.

// factTable reads the rows of one sealed table, all of them or those a
// WHERE clause picks, as facts.
type factTable struct {
	query string // SELECT …, ending where a WHERE clause may follow
	key   string // the WHERE clause that picks one row by its key
	scan  pgx.RowToFunc[ledger.Fact]
}

var (
	runFacts = factTable{`SELECT id, to_char(through, 'YYYY-MM-DD'), started_at, started_ns, entries FROM runs`, `id = $1`,
		func(row pgx.CollectableRow) (ledger.Fact, error) {
			var r books.RunText
			var at time.Time
			var ns int16
			var n int64
			err := row.Scan(&r.ID, &r.Through, &at, &ns, &n)
			r.StartedAt, r.Entries = books.InstantText(recordedAt(at, ns)), &n
			return books.RunFact(r), err
		}}
	closeFacts = factTable{`SELECT to_char(through, 'YYYY-MM-DD'), closed_at, head_id, encode(head_hash, 'hex') FROM period_closes`,
		`through = $1::date`,
		func(row pgx.CollectableRow) (ledger.Fact, error) {
			var c books.CloseText
			var at time.Time
			err := row.Scan(&c.Through, &at, &c.HeadID, &c.HeadHash)
			c.ClosedAt = instantText(at)
			return books.CloseFact(c), err
		}}
	contractFacts = factTable{`SELECT id, version, document, recorded_at, recorded_ns FROM contracts`, `id = $1 AND version = $2`,
		func(row pgx.CollectableRow) (ledger.Fact, error) {
			var d books.ContractDocument
			var at time.Time
			var ns int16
			err := row.Scan(&d.ID, &d.Version, &d.Document, &at, &ns)
			d.RecordedAt = instantText(recordedAt(at, ns))
			return books.ContractFact(d), err
		}}
	statementFacts = factTable{`SELECT contract, period, body, hash, finalized_at, version, events_through, rates_through FROM statements`,
		`contract = $1 AND period = $2`,
		func(row pgx.CollectableRow) (ledger.Fact, error) {
			s := books.FinalStatement{HasBasis: true}
			var body string
			var at time.Time
			err := row.Scan(&s.Contract, &s.Period, &body, &s.Hash, &at, &s.Basis.Version, &s.Basis.EventsThrough, &s.Basis.RatesThrough)
			s.Body, s.FinalizedAt = []byte(body), instantText(at)
			return books.StatementFact(s), err
		}}
	// A batch's rates and rejects are read as one text each, a line per
	// row in key order.
	batchFacts = factTable{`SELECT b.id, b.kind, b.source, b.file_name, b.file_sha256, b.mode, b.status, b.rows, b.posted, b.duplicates,
			b.rejected, b.late, b.entries, b.started_at, b.finished_at,
			(SELECT string_agg(to_char(r.date, 'YYYY-MM-DD') || ' ' || r.from_ccy || ' ' || r.to_ccy || ' ' || r.rate::text, E'\n'
				ORDER BY r.from_ccy, r.to_ccy, r.date) FROM fx_rates r WHERE r.batch_id = b.id),
			coalesce((SELECT c.columns::text FROM import_reject_columns c WHERE c.batch_id = b.id), ''),
			(SELECT string_agg(j.line || ' ' || j.errors::text || ' ' || j.record::text, E'\n' ORDER BY j.line)
				FROM import_rejects j WHERE j.batch_id = b.id)
		FROM import_batches b`, `b.id = $1`,
		func(row pgx.CollectableRow) (ledger.Fact, error) {
			var b books.BatchText
			var started time.Time
			var finished *time.Time
			var rates, rejects *string
			err := row.Scan(&b.ID, &b.Kind, &b.Source, &b.FileName, &b.FileSHA256, &b.Mode, &b.Status, &b.Rows, &b.Posted, &b.Duplicates,
				&b.Rejected, &b.Late, &b.Entries, &started, &finished, &rates, &b.RejectColumns, &rejects)
			b.StartedAt = instantText(started)
			if finished != nil {
				b.FinishedAt = instantText(*finished)
			}
			b.Rates, b.Rejects = lines(rates), lines(rejects)
			return books.BatchFact(b), err
		}}
	// sealedTables in the order a book's facts are sealed when it is
	// upgraded (migration 0098) or copied (Restore).
	sealedTables = []factTable{contractFacts, batchFacts, runFacts, closeFacts, statementFacts}
)

func lines(s *string) []string {
	if s == nil {
		return nil
	}
	return strings.Split(*s, "\n")
}

// read returns the table's rows that where picks (all with where "").
func (t factTable) read(ctx context.Context, q querier, where string, args ...any) ([]ledger.Fact, error) {
	query := t.query
	if where != "" {
		query += " WHERE " + where
	}
	return queryRows(ctx, q, t.scan, query, args...)
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

// seal appends a link of the fact chain for the row of t with key, as it
// is stored now in w: once written, the row is final.
func (w *writer) seal(t factTable, key ...any) error {
	facts, err := t.read(w.ctx, w.tx, t.key, key...)
	if err != nil {
		return err
	}
	if len(facts) != 1 {
		return ledger.Errorf(ledger.EINTERNAL, "sealing a fact: %d rows for key %v", len(facts), key)
	}
	return appendFacts(w.ctx, w.tx, facts)
}

// sealAll seals every row of the sealed tables that no link seals yet (a
// book upgraded by migration 0098, or copied), in sealedTables' order.
func sealAll(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT tbl || ' ' || row_key FROM fact_chain`)
	if err != nil {
		return err
	}
	sealed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	facts, err := storedFacts(ctx, tx)
	if err != nil {
		return err
	}
	return appendFacts(ctx, tx, ledger.FactsToSeal(facts, sealed))
}

// appendFacts links facts to the chain after its head and moves the head.
func appendFacts(ctx context.Context, tx pgx.Tx, facts []ledger.Fact) error {
	if len(facts) == 0 {
		return nil
	}
	head, err := factHead(ctx, tx)
	if err != nil {
		return err
	}
	links, at := ledger.SealFacts(head, facts)
	for _, l := range links {
		if _, err := tx.Exec(ctx, `INSERT INTO fact_chain (seq, tbl, row_key, content, hash) VALUES ($1, $2, $3, $4, $5)`,
			l.Seq, l.Table, l.Key, l.Content, l.Hash); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `INSERT INTO fact_head (one, seq, hash) VALUES (true, $1, $2)
		ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`, at.Seq, at.Hash)
	return err
}

// factHead reads the head (nil when none is stored).
func factHead(ctx context.Context, tx pgx.Tx) (*ledger.FactHead, error) {
	var h ledger.FactHead
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM fact_head`).Scan(&h.Seq, &h.Hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &h, nil
}

// verifyFactChain checks the fact chain against the rows stored now
// (ledger.VerifyFactChain) and the anchors in it, and returns its head.
func verifyFactChain(ctx context.Context, tx pgx.Tx, anchors []ledger.Anchor) (ledger.FactHead, error) {
	links, err := queryRows(ctx, tx, func(row pgx.CollectableRow) (l ledger.FactLink, err error) {
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
