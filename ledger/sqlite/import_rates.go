package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
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
		var row usage.RateRow
		for {
			err := rr.Next(&row)
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			res.Rows++
			if len(row.Errors) == 0 {
				if err := storeRate(c, tx.SQL(), ins, &row, opts.FileName, &res); err != nil {
					return err
				}
			}
			if len(row.Errors) > 0 {
				res.Rejected++
				if opts.OnReject != nil {
					if err := opts.OnReject(&row); err != nil {
						return err
					}
				}
			}
		}
		if res.Rejected > 0 {
			return usage.BadRows(opts.FileName, res.Rejected, res.Rows)
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

func storeRate(ctx context.Context, tx *sql.Tx, ins *sql.Stmt, row *usage.RateRow, file string, res *ledger.RateImportResult) error {
	r := row.Rate
	text := ledger.FormatAmount(r.Rate)
	x, err := ins.ExecContext(ctx, r.Date.String(), r.From, r.To, text, res.BatchID)
	if err != nil {
		return err
	}
	if n, _ := x.RowsAffected(); n == 1 {
		res.Added++
		return nil
	}
	var stored string
	var batch int64
	if err := tx.QueryRowContext(ctx, `SELECT rate, batch_id FROM fx_rates WHERE date = ? AND from_ccy = ? AND to_ccy = ?`,
		r.Date.String(), r.From, r.To).Scan(&stored, &batch); err != nil {
		return err
	}
	old, _ := storedNumber(stored)
	if old.Equal(r.Rate) {
		res.Duplicates++
		return nil
	}
	where := fmt.Sprintf("batch %d", batch)
	if batch == res.BatchID {
		where = "this file"
	}
	row.Errors = append(row.Errors, &usage.RowError{File: file, Line: row.Line, Column: "rate", Value: text,
		Reason: fmt.Sprintf("conflicts with the rate %s for %s->%s on %s imported in %s", stored, r.From, r.To, r.Date, where)})
	return nil
}
