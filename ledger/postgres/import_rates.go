package postgres

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// ImportRates imports an exchange-rate CSV (date,from,to,rate) as one
// batch, by usage.RunRateImport's rules: all or nothing; a rate already
// stored for the same (date, from, to) with the same value is a duplicate,
// with another value a bad row.
func (db *DB) ImportRates(ctx context.Context, r io.Reader, opts usage.RateImportOptions) (ledger.RateImportResult, error) {
	ctx = withActivity(ctx, "rates import", opts.FileName)
	return usage.RunRateImport(ctx, r, opts, &rateStore{db: db})
}

// rateStore is PostgreSQL's usage.RateStore for one ImportRates call.
type rateStore struct {
	db *DB
	w  *writer
}

func (s *rateStore) InTx(ctx context.Context, fn func() error) error {
	return s.db.write(ctx, func(w *writer) error {
		s.w = w
		return fn()
	})
}

func (s *rateStore) InsertRateBatch(file string) (id int64, err error) {
	err = s.w.tx.QueryRow(s.w.ctx, `INSERT INTO import_batches (id, kind, source, file_name, file_sha256, mode, status, started_at)
		VALUES ((SELECT coalesce(max(id), 0) + 1 FROM import_batches), 'rates', 'rates', $1, 'pending', 'all', 'running', $2)
		RETURNING id`, file, s.w.now).Scan(&id)
	return id, err
}

func (s *rateStore) AddRate(r ledger.FXRate, batch int64) (bool, usage.StoredRate, error) {
	return addRate(s.w, r, batch)
}

func (s *rateStore) FinishRateBatch(res ledger.RateImportResult, sha string) error {
	_, err := s.w.tx.Exec(s.w.ctx, `UPDATE import_batches SET file_sha256 = $1, status = 'complete', rows = $2, posted = $3,
		duplicates = $4, finished_at = $5 WHERE id = $6`, sha, res.Rows, res.Added, res.Duplicates, s.w.now, res.BatchID)
	if err != nil {
		return err
	}
	return s.w.seal(batchFacts, res.BatchID)
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
	return queryRows(ctx, db.pool, func(row pgx.CollectableRow) (r ledger.FXRate, err error) {
		var date time.Time
		var rate string
		if err := row.Scan(&date, &r.From, &r.To, &rate); err != nil {
			return r, err
		}
		r.Date = ledger.DateOf(date)
		if r.Rate, err = decimal.NewFromString(rate); err != nil {
			return r, fmt.Errorf("fx rate %s %s/%s: %q: %w", r.Date, r.From, r.To, rate, err)
		}
		return r, nil
	}, `SELECT date, from_ccy, to_ccy, rate::text FROM fx_rates ORDER BY from_ccy, to_ccy, date`)
}
