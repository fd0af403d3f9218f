package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/revshare/revshare/ledger"
)

// StoreRejectHeader stores the file's header for batch's rejects, once:
// later chunks find it stored. A re-run after a crash is a new batch, so
// its rejects never meet those of the interrupted one.
func (s *importStore) StoreRejectHeader(batch int64, header []string) error {
	cols, err := json.Marshal(header)
	if err != nil {
		return err
	}
	_, err = s.tx.SQL().ExecContext(s.tx.Context(), `INSERT INTO import_reject_columns (batch_id, columns) VALUES (?, ?)
		ON CONFLICT (batch_id) DO NOTHING`, batch, string(cols))
	return err
}

// StoreReject stores a bad row of a partial import in the current chunk's
// transaction.
func (s *importStore) StoreReject(batch int64, line int, errs []ledger.RejectError, record []string) error {
	if s.rejects == nil {
		var err error
		if s.rejects, err = s.tx.SQL().PrepareContext(s.tx.Context(), `INSERT INTO import_rejects (batch_id, line, errors, record) VALUES (?, ?, ?, ?)`); err != nil {
			return err
		}
	}
	errsJSON, err := json.Marshal(errs)
	if err != nil {
		return err
	}
	recordJSON, err := json.Marshal(record)
	if err != nil {
		return err
	}
	_, err = s.rejects.ExecContext(s.tx.Context(), batch, line, string(errsJSON), string(recordJSON))
	return err
}

// ImportRejects returns the stored rejects of a batch with line > afterLine,
// in line order, at most ledger.StorePageLimit(limit).
// Only partial imports store rejects (from migration 0009 on): a batch
// without them gives none. An unknown batch is ENOTFOUND.
func (db *DB) ImportRejects(ctx context.Context, batchID int64, afterLine int, limit int) ([]ledger.ImportReject, error) {
	limit = ledger.StorePageLimit(limit)
	out, err := queryRows(ctx, db.r, func(row rowScanner) (rj ledger.ImportReject, err error) {
		var errs, record string
		if err := row.Scan(&rj.Line, &errs, &record); err != nil {
			return rj, err
		}
		if err := json.Unmarshal([]byte(errs), &rj.Errors); err != nil {
			return rj, fmt.Errorf("batch %d reject at line %d: errors: %w", batchID, rj.Line, err)
		}
		if err := json.Unmarshal([]byte(record), &rj.Record); err != nil {
			return rj, fmt.Errorf("batch %d reject at line %d: record: %w", batchID, rj.Line, err)
		}
		return rj, nil
	}, `SELECT line, errors, record FROM import_rejects WHERE batch_id = ? AND line > ? ORDER BY line LIMIT ?`, batchID, afterLine, limit)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, db.batchExists(ctx, batchID)
	}
	return out, nil
}

// ImportRejectColumns returns the header of a batch's file (the column names
// as written, which its rejects' records follow), or nil when the batch
// stored no rejects. An unknown batch is ENOTFOUND.
func (db *DB) ImportRejectColumns(ctx context.Context, batchID int64) ([]string, error) {
	var cols string
	err := db.r.QueryRowContext(ctx, `SELECT columns FROM import_reject_columns WHERE batch_id = ?`, batchID).Scan(&cols)
	if err == sql.ErrNoRows {
		return nil, db.batchExists(ctx, batchID)
	}
	if err != nil {
		return nil, err
	}
	var out []string
	if err := json.Unmarshal([]byte(cols), &out); err != nil {
		return nil, fmt.Errorf("batch %d reject columns: %w", batchID, err)
	}
	return out, nil
}

// batchExists is nil for a stored batch, ENOTFOUND for another.
func (db *DB) batchExists(ctx context.Context, batchID int64) error {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM import_batches WHERE id = ?`, batchID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ledger.Errorf(ledger.ENOTFOUND, "import %d not found", batchID)
	}
	return nil
}
