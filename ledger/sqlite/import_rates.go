package sqlite

import (
	"context"
	"database/sql"
	"io"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// ImportRates imports an exchange-rate CSV (date,from,to,rate) as one batch,
// by usage.RunRateImport's rules: all or nothing; a rate already stored for
// the same (date, from, to) with the same value is a duplicate, with
// another value a bad row.
func (db *DB) ImportRates(ctx context.Context, r io.Reader, opts usage.RateImportOptions) (ledger.RateImportResult, error) {
	ctx = db.activity(ctx, "rates import", opts.FileName)
	return usage.RunRateImport(ctx, r, opts, &rateStore{db: db})
}

// rateStore is SQLite's usage.RateStore for one ImportRates call.
type rateStore struct {
	db  *DB
	tx  *Tx
	ins *sql.Stmt // the insert of a rate, prepared on the first
}

func (s *rateStore) InTx(ctx context.Context, fn func() error) error {
	return s.db.WithTx(ctx, func(tx *Tx) error {
		s.tx, s.ins = tx, nil
		return fn()
	})
}

func (s *rateStore) InsertRateBatch(file string) (int64, error) {
	b, err := s.tx.SQL().ExecContext(s.tx.Context(), `INSERT INTO import_batches (kind, source, file_name, file_sha256, mode, status, started_at)
		VALUES ('rates', 'rates', ?, 'pending', 'all', 'running', ?)`, file, formatTime(s.tx.Now))
	if err != nil {
		return 0, err
	}
	return b.LastInsertId()
}

func (s *rateStore) AddRate(r ledger.FXRate, batch int64) (bool, usage.StoredRate, error) {
	if s.ins == nil {
		var err error
		if s.ins, err = s.tx.SQL().PrepareContext(s.tx.Context(), `INSERT INTO fx_rates (date, from_ccy, to_ccy, rate, batch_id)
			VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`); err != nil {
			return false, usage.StoredRate{}, err
		}
	}
	return addRate(s.tx.Context(), s.tx.SQL(), s.ins, r, batch)
}

func (s *rateStore) FinishRateBatch(res ledger.RateImportResult, sha string) error {
	_, err := s.tx.SQL().ExecContext(s.tx.Context(), `UPDATE import_batches SET file_sha256 = ?, status = 'complete', rows = ?, posted = ?,
		duplicates = ?, finished_at = ? WHERE id = ?`, sha, res.Rows, res.Added, res.Duplicates, formatTime(s.tx.Now), res.BatchID)
	if err != nil {
		return err
	}
	return s.tx.seal(batchFacts, res.BatchID)
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
