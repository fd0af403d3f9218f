package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/shopspring/decimal"
)

// SaveContract stores a new version of a contract. With update false it
// refuses an id that exists (ECONFLICT); with update true it refuses one that
// does not (ENOTFOUND). Saving a document identical to the latest version is a
// no-op returning that version.
func (db *DB) SaveContract(ctx context.Context, c *contracts.Contract, update bool) (int, error) {
	doc := string(c.Canonical())
	var version int
	ctx = db.activity(ctx, "contract update", c.ID)
	err := db.WithTx(ctx, func(tx *Tx) error {
		var latest int
		var latestDoc sql.NullString
		err := tx.SQL().QueryRowContext(ctx, `SELECT version, document FROM contracts WHERE id = ? ORDER BY version DESC LIMIT 1`, c.ID).Scan(&latest, &latestDoc)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err := contracts.CheckSave(c, latest, update); err != nil {
			return err
		}
		if latest > 0 && latestDoc.String == doc {
			version = latest
			return nil
		}
		if latest == 0 {
			if err := distinctAccountSegment(ctx, tx, c.ID); err != nil {
				return err
			}
		}
		if latest > 0 {
			if err := sameCurrencyOnceBooked(ctx, tx, c, latestDoc.String); err != nil {
				return err
			}
			if err := sameAdvanceParties(ctx, tx, c); err != nil {
				return err
			}
		}
		version = latest + 1
		_, err = tx.SQL().ExecContext(ctx, `INSERT INTO contracts (id, version, document, recorded_at) VALUES (?, ?, ?, ?)`,
			c.ID, version, doc, tx.Now.Format(time.RFC3339Nano))
		if err != nil {
			return err
		}
		if err := tx.seal(contractFacts, c.ID, version); err != nil {
			return err
		}
		if _, err := ensureUsage(ctx, tx, c); err != nil {
			return err
		}
		return pruneUsage(ctx, tx)
	})
	return version, err
}

// distinctAccountSegment is contracts.CheckNewID against the stored ids.
func distinctAccountSegment(ctx context.Context, tx *Tx, id string) error {
	ids, err := queryRows(ctx, tx.SQL(), scanString, `SELECT DISTINCT id FROM contracts`)
	if err != nil {
		return err
	}
	return contracts.CheckNewID(id, ids)
}

// sameCurrencyOnceBooked is contracts.CheckCurrency against the stored
// latest version and the contract's bookings.
func sameCurrencyOnceBooked(ctx context.Context, tx *Tx, c *contracts.Contract, latestDoc string) error {
	prev, err := contracts.ParseStored([]byte(latestDoc))
	if err != nil {
		return fmt.Errorf("stored contract %s: %w", c.ID, err)
	}
	if prev.Currency == c.Currency {
		return nil
	}
	var n int
	if err := tx.SQL().QueryRowContext(ctx, `SELECT count(*) FROM bookings WHERE contract = ?`, c.ID).Scan(&n); err != nil {
		return err
	}
	return contracts.CheckCurrency(prev, c, n)
}

// sameAdvanceParties is contracts.CheckAdvanceParties against the
// contract's advance bookings.
func sameAdvanceParties(ctx context.Context, tx *Tx, c *contracts.Contract) error {
	if len(c.Advances) == 0 {
		return nil
	}
	type paid struct{ advance, payer, payee string }
	rows, err := queryRows(ctx, tx.SQL(), func(row rowScanner) (p paid, err error) {
		err = row.Scan(&p.advance, &p.payer, &p.payee)
		return p, err
	},
		`SELECT DISTINCT advance, payer, payee FROM advance_bookings WHERE contract = ?`, c.ID)
	if err != nil {
		return err
	}
	m := map[string][2]string{}
	for _, p := range rows {
		m[p.advance] = [2]string{p.payer, p.payee}
	}
	return contracts.CheckAdvanceParties(c, m)
}

// Contract returns the latest version of a contract (ENOTFOUND if none).
func (db *DB) Contract(ctx context.Context, id string) (contracts.StoredContract, error) {
	return loadContract(ctx, db.r, id)
}

func loadContract(ctx context.Context, q querier, id string) (contracts.StoredContract, error) {
	var doc, recorded string
	var sc contracts.StoredContract
	err := q.QueryRowContext(ctx, `SELECT version, document, recorded_at FROM contracts WHERE id = ? ORDER BY version DESC LIMIT 1`, id).Scan(&sc.Version, &doc, &recorded)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, contracts.NotFound(id, nil)
	}
	if err != nil {
		return sc, err
	}
	if err := parseStoredContract(&sc, id, doc, recorded); err != nil {
		return sc, err
	}
	return sc, nil
}

// parseStoredContract sets sc's contract and recording time from the
// stored document and recorded_at of contract id.
func parseStoredContract(sc *contracts.StoredContract, id, doc, recorded string) error {
	var err error
	if sc.Contract, err = contracts.ParseStored([]byte(doc)); err != nil {
		return fmt.Errorf("stored contract %s version %d: %w", id, sc.Version, err)
	}
	// SaveContract writes recorded_at as RFC 3339 with trimmed nanoseconds.
	if sc.RecordedAt, err = time.Parse(time.RFC3339Nano, recorded); err != nil {
		return fmt.Errorf("stored contract %s version %d: recorded_at: %w", id, sc.Version, err)
	}
	return nil
}

// Contracts returns the latest version of every contract, by id.
func (db *DB) Contracts(ctx context.Context) ([]contracts.StoredContract, error) {
	return loadContracts(ctx, db.r)
}

func loadContracts(ctx context.Context, q querier) ([]contracts.StoredContract, error) {
	return queryRows(ctx, q, func(row rowScanner) (sc contracts.StoredContract, err error) {
		var id, doc, recorded string
		if err := row.Scan(&id, &sc.Version, &doc, &recorded); err != nil {
			return sc, err
		}
		if err := parseStoredContract(&sc, id, doc, recorded); err != nil {
			return sc, err
		}
		return sc, nil
	}, `SELECT id, version, document, recorded_at FROM contracts c
		WHERE version = (SELECT max(version) FROM contracts WHERE id = c.id) ORDER BY id`)
}

// storedRowDecimal parses a decimal column of a stored row; a malformed one (a
// corrupt or hand-edited database) is an error naming the row, not a panic.
func storedRowDecimal(table string, entryID int64, column, v string) (decimal.Decimal, error) {
	d, err := decimal.NewFromString(v)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%s row of entry %d: %s %q is not a decimal number (the database is damaged: run revshare verify)", table, entryID, column, v)
	}
	return d, nil
}
