package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// ImportRates imports an exchange-rate CSV (date,from,to,rate) as one batch,
// all or nothing. A rate already stored for the same (date, from, to) with
// the same value is a duplicate; with another value it is a bad row. With
// any bad row nothing is written and the error is EINVALID wrapping
// usage.ErrBadRows. A file-level problem comes back as usage.RowErrors.
func (db *DB) ImportRates(ctx context.Context, r io.Reader, opts usage.RateImportOptions) (ledger.RateImportResult, error) {
	var res ledger.RateImportResult
	h := sha256.New()
	rr, err := usage.NewRateReader(io.TeeReader(r, h), opts.FileName)
	if err != nil {
		return res, err
	}
	errDry := errors.New("dry run")
	ctx = db.activity(ctx, "rates import", opts.FileName)
	err = db.WithTx(ctx, func(tx *Tx) error {
		c := tx.Context()
		if !opts.DryRun {
			b, err := tx.SQL().ExecContext(c, `INSERT INTO import_batches (kind, source, file_name, file_sha256, mode, status, started_at)
				VALUES ('rates', 'rates', ?, 'pending', 'all', 'running', ?)`, opts.FileName, formatTime(tx.Now))
			if err != nil {
				return err
			}
			if res.BatchID, err = b.LastInsertId(); err != nil {
				return err
			}
		}
		ins, err := tx.SQL().PrepareContext(c, `INSERT INTO fx_rates (date, from_ccy, to_ccy, rate, batch_id) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		add := func(r ledger.FXRate, batch int64) (bool, usage.StoredRate, error) {
			return addRate(c, tx.SQL(), ins, r, batch)
		}
		if err := usage.ImportRateRows(rr, opts, &res, add); err != nil {
			return err
		}
		if opts.DryRun {
			return errDry
		}
		_, err = tx.SQL().ExecContext(c, `UPDATE import_batches SET file_sha256 = ?, status = 'complete', rows = ?, posted = ?,
			duplicates = ?, finished_at = ? WHERE id = ?`, hex.EncodeToString(h.Sum(nil)), res.Rows, res.Added, res.Duplicates,
			formatTime(tx.Now), res.BatchID)
		return err
	})
	if errors.Is(err, errDry) {
		return res, nil
	}
	if err != nil {
		res.BatchID = 0
	}
	return res, err
}

// addRate stores r in batch, or returns the rate stored for its date and
// pair (usage.AddRate).
func addRate(ctx context.Context, tx *sql.Tx, ins *sql.Stmt, r ledger.FXRate, batch int64) (bool, usage.StoredRate, error) {
	x, err := ins.ExecContext(ctx, r.Date.String(), r.From, r.To, ledger.FormatAmount(r.Rate), batch)
	if err != nil {
		return false, usage.StoredRate{}, err
	}
	if n, _ := x.RowsAffected(); n == 1 {
		return true, usage.StoredRate{}, nil
	}
	var stored usage.StoredRate
	if err := tx.QueryRowContext(ctx, `SELECT rate, batch_id FROM fx_rates WHERE date = ? AND from_ccy = ? AND to_ccy = ?`,
		r.Date.String(), r.From, r.To).Scan(&stored.Text, &stored.Batch); err != nil {
		return false, stored, err
	}
	stored.Rate, _ = storedNumber(stored.Text)
	return false, stored, nil
}
