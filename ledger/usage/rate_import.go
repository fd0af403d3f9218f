package usage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// StoredRate is the rate a store already holds for a row's date and pair.
type StoredRate struct {
	Rate  decimal.Decimal
	Text  string // as stored, for the conflict message
	Batch int64
}

// AddRate stores one rate in batch, or, when a rate for the same date and
// pair is stored already, returns that one and added false.
type AddRate func(r ledger.FXRate, batch int64) (added bool, stored StoredRate, err error)

// ImportRateRows reads every row of rr, stores the good ones through add in
// batch res.BatchID and counts rows, added, duplicates and rejected in res.
// A stored rate with the same value is a duplicate; with another value the
// row is bad. With any bad row the error is BadRows. Both storage backends
// import rates through it, so they count and word conflicts alike; the
// batch row and the transaction are theirs.
func ImportRateRows(rr *RateReader, opts RateImportOptions, res *ledger.RateImportResult, add AddRate) error {
	var row RateRow
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
			if err := addRateRow(&row, opts.FileName, res, add); err != nil {
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
		return BadRows(opts.FileName, res.Rejected, res.Rows)
	}
	return nil
}

// addRateRow stores row's rate, counts it as added or duplicate, or
// appends the conflict with the stored rate to row.Errors.
func addRateRow(row *RateRow, file string, res *ledger.RateImportResult, add AddRate) error {
	r := row.Rate
	added, stored, err := add(r, res.BatchID)
	switch {
	case err != nil:
		return err
	case added:
		res.Added++
		return nil
	case stored.Rate.Equal(r.Rate):
		res.Duplicates++
		return nil
	}
	where := fmt.Sprintf("batch %d", stored.Batch)
	if stored.Batch == res.BatchID {
		where = "this file"
	}
	row.Errors = append(row.Errors, &RowError{File: file, Line: row.Line, Column: "rate", Value: ledger.FormatAmount(r.Rate),
		Reason: fmt.Sprintf("conflicts with the rate %s for %s->%s on %s imported in %s", stored.Text, r.From, r.To, r.Date, where)})
	return nil
}

// RateStore is what a storage backend does for RunRateImport, inside the
// transaction InTx runs: the SQL of a rates import.
type RateStore interface {
	// InTx runs fn in one write transaction, committed when fn returns nil.
	InTx(ctx context.Context, fn func() error) error
	// InsertRateBatch stores a running rates batch of file and returns its ID.
	InsertRateBatch(file string) (int64, error)
	// AddRate is the store's AddRate.
	AddRate(r ledger.FXRate, batch int64) (added bool, stored StoredRate, err error)
	// FinishRateBatch completes the batch with its counters and SHA-256.
	FinishRateBatch(res ledger.RateImportResult, sha string) error
}

// RunRateImport imports an exchange-rate CSV (date,from,to,rate) into
// store as one batch, all or nothing (see ImportRateRows). A file-level
// problem comes back as RowErrors; a dry run writes nothing.
func RunRateImport(ctx context.Context, r io.Reader, opts RateImportOptions, store RateStore) (ledger.RateImportResult, error) {
	var res ledger.RateImportResult
	if err := CheckFileName(opts.FileName); err != nil {
		return res, err
	}
	h := sha256.New()
	rr, err := NewRateReader(io.TeeReader(r, h), opts.FileName)
	if err != nil {
		return res, err
	}
	errDry := errors.New("dry run")
	err = store.InTx(ctx, func() error {
		if !opts.DryRun {
			var err error
			if res.BatchID, err = store.InsertRateBatch(opts.FileName); err != nil {
				return err
			}
		}
		if err := ImportRateRows(rr, opts, &res, store.AddRate); err != nil {
			return err
		}
		if opts.DryRun {
			return errDry
		}
		return store.FinishRateBatch(res, hex.EncodeToString(h.Sum(nil)))
	})
	if errors.Is(err, errDry) {
		return res, nil
	}
	if err != nil {
		res.BatchID = 0
	}
	return res, err
}
