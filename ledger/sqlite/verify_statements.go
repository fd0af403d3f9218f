package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// The rows verify reads to render final statements again as of their
// close (books.ReadTx); the checks are package reports'
// (VerifyFinalStatements), run by VerifyBooksReport in verify's snapshot.

func (r booksRows) FinalStatements() ([]books.FinalStatement, error) {
	return queryRows(r.ctx, r.q, scanFinalStatement, `SELECT `+finalStatementColumns+` FROM statements ORDER BY contract, period`)
}

// finalStatementColumns are the statements columns scanFinalStatement reads.
const finalStatementColumns = `contract, period, body, hash, finalized_at, version, events_through, rates_through`

func scanFinalStatement(row rowScanner) (books.FinalStatement, error) {
	var s books.FinalStatement
	var body string
	var version, events, rates sql.NullInt64
	err := row.Scan(&s.Contract, &s.Period, &body, &s.Hash, &s.FinalizedAt, &version, &events, &rates)
	s.Body = []byte(body)
	s.HasBasis = version.Valid && events.Valid && rates.Valid
	s.Basis = books.StatementBasis{Version: int(version.Int64), EventsThrough: events.Int64, RatesThrough: rates.Int64}
	return s, err
}

// BasisRecordedSince is when migration 0010 added the basis columns.
func (r booksRows) BasisRecordedSince() (time.Time, error) {
	return migrationApplied(r.ctx, r.q, "0010_statement_basis.sql")
}

func (r booksRows) Closes() ([]books.Close, error) {
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.Close, error) {
		var c books.Close
		err := row.Scan(&c.Through, &c.ClosedAt, &c.EventsThrough)
		return c, err
	}, `SELECT c.through, c.closed_at, ifnull((SELECT max(g.last_event) FROM import_groups g WHERE g.entry_id <= c.head_id), 0)
		FROM period_closes c ORDER BY c.through`)
}

func (r booksRows) ContractDocuments() ([]books.ContractDocument, error) {
	return queryRows(r.ctx, r.q, func(row rowScanner) (books.ContractDocument, error) {
		var d books.ContractDocument
		err := row.Scan(&d.ID, &d.Version, &d.Document, &d.RecordedAt)
		return d, err
	}, `SELECT id, version, document, recorded_at FROM contracts ORDER BY id, version`)
}

func (r booksRows) RatesThrough(batch int64) ([]ledger.FXRate, error) {
	return loadRatesWhere(r.ctx, r.q, `WHERE batch_id <= ?`, batch)
}

// loadContractVersion reads one version of a contract.
func loadContractVersion(ctx context.Context, q querier, id string, version int) (contracts.StoredContract, error) {
	var doc, recorded string
	sc := contracts.StoredContract{Version: version}
	err := q.QueryRowContext(ctx, `SELECT document, recorded_at FROM contracts WHERE id = ? AND version = ?`, id, version).Scan(&doc, &recorded)
	if err != nil {
		return sc, err
	}
	if err := parseStoredContract(&sc, id, doc, recorded); err != nil {
		return sc, err
	}
	return sc, nil
}

// migrationApplied returns when a migration was applied (zero if never).
func migrationApplied(ctx context.Context, q querier, name string) (time.Time, error) {
	var at string
	err := q.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE name = ?`, name).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, at)
}
