package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// ImportRates imports an exchange-rate CSV (date,from,to,rate) as one
// batch, all or nothing. A rate already stored for the same (date, from,
// to) with the same value is a duplicate; with another value it is a bad
// row. With any bad row nothing is written and the error is EINVALID
// (matching usage.ErrBadRows). A file-level problem is a usage.RowErrors.
func (db *DB) ImportRates(ctx context.Context, r io.Reader, opts usage.RateImportOptions) (ledger.RateImportResult, error) {
	var res ledger.RateImportResult
	h := sha256.New()
	rr, err := usage.NewRateReader(io.TeeReader(r, h), opts.FileName)
	if err != nil {
		return res, err
	}
	errDry := errors.New("dry run")
	err = db.write(ctx, func(w *writer) error {
		if !opts.DryRun {
			if err := w.tx.QueryRow(w.ctx, `INSERT INTO import_batches (id, kind, source, file_name, file_sha256, mode, status, started_at)
				VALUES ((SELECT coalesce(max(id), 0) + 1 FROM import_batches), 'rates', 'rates', $1, 'pending', 'all', 'running', $2)
				RETURNING id`, opts.FileName, w.now).Scan(&res.BatchID); err != nil {
				return err
			}
		}
		add := func(r ledger.FXRate, batch int64) (bool, usage.StoredRate, error) {
			return addRate(w, r, batch)
		}
		if err := usage.ImportRateRows(rr, opts, &res, add); err != nil {
			return err
		}
		if opts.DryRun {
			return errDry
		}
		_, err = w.tx.Exec(w.ctx, `UPDATE import_batches SET file_sha256 = $1, status = 'complete', rows = $2, posted = $3,
			duplicates = $4, finished_at = $5 WHERE id = $6`, hex.EncodeToString(h.Sum(nil)), res.Rows, res.Added, res.Duplicates,
			w.now, res.BatchID)
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
func addRate(w *writer, r ledger.FXRate, batch int64) (bool, usage.StoredRate, error) {
	date := r.Date.In(time.UTC)
	tag, err := w.tx.Exec(w.ctx, `INSERT INTO fx_rates (date, from_ccy, to_ccy, rate, batch_id) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, date, r.From, r.To, numeric(r.Rate), batch)
	if err != nil {
		return false, usage.StoredRate{}, err
	}
	if tag.RowsAffected() == 1 {
		return true, usage.StoredRate{}, nil
	}
	var stored usage.StoredRate
	if err := w.tx.QueryRow(w.ctx, `SELECT rate::text, batch_id FROM fx_rates WHERE date = $1 AND from_ccy = $2 AND to_ccy = $3`,
		date, r.From, r.To).Scan(&stored.Text, &stored.Batch); err != nil {
		return false, stored, err
	}
	if stored.Rate, err = decimal.NewFromString(stored.Text); err != nil {
		return false, stored, fmt.Errorf("fx rate %s %s/%s: %q: %w", r.Date, r.From, r.To, stored.Text, err)
	}
	return false, stored, nil
}

// FXRates returns every imported exchange rate, by from, to and date.
func (db *DB) FXRates(ctx context.Context) ([]ledger.FXRate, error) {
	rows, err := db.pool.Query(ctx, `SELECT date, from_ccy, to_ccy, rate::text FROM fx_rates ORDER BY from_ccy, to_ccy, date`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.FXRate
	for rows.Next() {
		var r ledger.FXRate
		var date time.Time
		var rate string
		if err := rows.Scan(&date, &r.From, &r.To, &rate); err != nil {
			return nil, err
		}
		r.Date = ledger.DateOf(date)
		if r.Rate, err = decimal.NewFromString(rate); err != nil {
			return nil, fmt.Errorf("fx rate %s %s/%s: %q: %w", r.Date, r.From, r.To, rate, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
