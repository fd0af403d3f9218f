package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
)

var _ ledger.ImportStore = (*DB)(nil)

const batchColumns = `id, kind, source, file_name, file_sha256, mode, status, rows, posted, duplicates, rejected, late, entries,
	started_at, finished_at`

func scanBatch(row pgx.Row) (ledger.ImportBatch, error) {
	var b ledger.ImportBatch
	var finished *time.Time
	if err := row.Scan(&b.ID, &b.Kind, &b.Source, &b.File, &b.SHA256, &b.Mode, &b.Status, &b.Rows, &b.Posted,
		&b.Duplicates, &b.Rejected, &b.Late, &b.Entries, &b.StartedAt, &finished); err != nil {
		return b, err
	}
	b.StartedAt = b.StartedAt.UTC()
	if finished != nil {
		b.FinishedAt = finished.UTC()
	}
	return b, nil
}

// ImportBatches lists the batches with ID > afterID in ID order, at most
// ledger.StorePageLimit(limit).
func (db *DB) ImportBatches(ctx context.Context, afterID int64, limit int) ([]ledger.ImportBatch, error) {
	limit = ledger.StorePageLimit(limit)
	return queryRows(ctx, db.pool, func(row pgx.CollectableRow) (ledger.ImportBatch, error) { return scanBatch(row) },
		`SELECT `+batchColumns+` FROM import_batches WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
}

// ImportBatch returns one batch; ENOTFOUND if there is none.
func (db *DB) ImportBatch(ctx context.Context, id int64) (ledger.ImportBatch, error) {
	b, err := scanBatch(db.pool.QueryRow(ctx, `SELECT `+batchColumns+` FROM import_batches WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, ledger.Errorf(ledger.ENOTFOUND, "import %d not found", id)
	}
	return b, err
}

// ImportRejects returns a batch's stored rejects with line > afterLine, in
// line order, at most ledger.StorePageLimit(limit). Only
// partial imports store rejects; an unknown batch is ENOTFOUND.
func (db *DB) ImportRejects(ctx context.Context, batchID int64, afterLine, limit int) ([]ledger.ImportReject, error) {
	limit = ledger.StorePageLimit(limit)
	out, err := queryRows(ctx, db.pool, func(row pgx.CollectableRow) (rj ledger.ImportReject, err error) {
		if err := row.Scan(&rj.Line, &rj.Errors, &rj.Record); err != nil {
			return rj, err
		}
		return rj, nil
	}, `SELECT line, errors, record FROM import_rejects WHERE batch_id = $1 AND line > $2 ORDER BY line LIMIT $3`, batchID, afterLine, limit)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, db.batchExists(ctx, batchID)
	}
	return out, nil
}

// ImportRejectColumns returns the header of a batch's file, which its
// rejects' records follow; nil when the batch stored no rejects; ENOTFOUND
// for an unknown batch.
func (db *DB) ImportRejectColumns(ctx context.Context, batchID int64) ([]string, error) {
	var cols []string
	err := db.pool.QueryRow(ctx, `SELECT columns FROM import_reject_columns WHERE batch_id = $1`, batchID).Scan(&cols)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, db.batchExists(ctx, batchID)
	}
	return cols, err
}

// batchExists is nil for a stored batch, ENOTFOUND for another.
func (db *DB) batchExists(ctx context.Context, batchID int64) error {
	var ok bool
	if err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM import_batches WHERE id = $1)`, batchID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return ledger.Errorf(ledger.ENOTFOUND, "import %d not found", batchID)
	}
	return nil
}
