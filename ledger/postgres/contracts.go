package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

var _ contracts.ContractStore = (*DB)(nil)

// SaveContract stores a new version of c with the rules of
// contracts.CheckSave, CheckNewID and CheckCurrency. A document identical
// to the latest version stores nothing and returns that version.
func (db *DB) SaveContract(ctx context.Context, c *contracts.Contract, update bool) (int, error) {
	doc := string(c.Canonical())
	var version int
	err := db.write(withActivity(ctx, "contract update", c.ID), func(w *writer) error {
		latest, err := latestContract(w.ctx, w.tx, c.ID)
		if err != nil && ledger.ErrorCode(err) != ledger.ENOTFOUND {
			return err
		}
		if err := contracts.CheckSave(c, latest.Version, update); err != nil {
			return err
		}
		if latest.Version > 0 && string(latest.Contract.Canonical()) == doc {
			version = latest.Version
			return nil
		}
		if latest.Version == 0 {
			rows, err := w.tx.Query(w.ctx, `SELECT DISTINCT id FROM contracts`)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if err := contracts.CheckNewID(c.ID, ids); err != nil {
				return err
			}
		} else {
			var booked int
			if err := w.tx.QueryRow(w.ctx, `SELECT count(*) FROM bookings WHERE contract = $1`, c.ID).Scan(&booked); err != nil {
				return err
			}
			if err := contracts.CheckCurrency(latest.Contract, c, booked); err != nil {
				return err
			}
			if err := sameAdvanceParties(w, c); err != nil {
				return err
			}
		}
		version = latest.Version + 1
		at, ns := splitInstant(w.now)
		_, err = w.tx.Exec(w.ctx, `INSERT INTO contracts (id, version, document, recorded_at, recorded_ns) VALUES ($1, $2, $3, $4, $5)`,
			c.ID, version, doc, at, ns)
		if err != nil {
			return err
		}
		return w.seal(contractFacts, c.ID, version)
	})
	return version, err
}

// sameAdvanceParties is contracts.CheckAdvanceParties against the
// contract's advance bookings.
func sameAdvanceParties(w *writer, c *contracts.Contract) error {
	if len(c.Advances) == 0 {
		return nil
	}
	rows, err := w.tx.Query(w.ctx, `SELECT DISTINCT advance, payer, payee FROM advance_bookings WHERE contract = $1`, c.ID)
	if err != nil {
		return err
	}
	paid := map[string][2]string{}
	var advance, payer, payee string
	_, err = pgx.ForEachRow(rows, []any{&advance, &payer, &payee}, func() error {
		paid[advance] = [2]string{payer, payee}
		return nil
	})
	if err != nil {
		return err
	}
	return contracts.CheckAdvanceParties(c, paid)
}

// latestContract reads the latest version of contract id (ENOTFOUND if
// none; the zero StoredContract with it).
func latestContract(ctx context.Context, q rowQuerier, id string) (contracts.StoredContract, error) {
	var sc contracts.StoredContract
	var doc string
	var at time.Time
	var ns int16
	err := q.QueryRow(ctx, `SELECT version, document, recorded_at, recorded_ns FROM contracts WHERE id = $1
		ORDER BY version DESC LIMIT 1`, id).Scan(&sc.Version, &doc, &at, &ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return sc, contracts.NotFound(id, nil)
	}
	if err != nil {
		return sc, err
	}
	if err := parseContract(&sc, id, doc, at, ns); err != nil {
		return sc, err
	}
	return sc, nil
}

func parseContract(sc *contracts.StoredContract, id, doc string, at time.Time, ns int16) error {
	var err error
	if sc.Contract, err = contracts.ParseStored([]byte(doc)); err != nil {
		return fmt.Errorf("stored contract %s version %d: %w", id, sc.Version, err)
	}
	sc.RecordedAt = recordedAt(at, ns)
	return nil
}

// Contract returns the latest version of a contract; ENOTFOUND if none.
func (db *DB) Contract(ctx context.Context, id string) (contracts.StoredContract, error) {
	return latestContract(ctx, db.pool, id)
}

// Contracts returns the latest version of every contract, by id.
func (db *DB) Contracts(ctx context.Context) ([]contracts.StoredContract, error) {
	return loadContracts(ctx, db.pool)
}

// loadContracts reads the latest version of every contract, by id.
func loadContracts(ctx context.Context, q querier) ([]contracts.StoredContract, error) {
	return queryRows(ctx, q, func(row pgx.CollectableRow) (sc contracts.StoredContract, err error) {
		var id, doc string
		var at time.Time
		var ns int16
		if err := row.Scan(&id, &sc.Version, &doc, &at, &ns); err != nil {
			return sc, err
		}
		if err := parseContract(&sc, id, doc, at, ns); err != nil {
			return sc, err
		}
		return sc, nil
	}, `SELECT DISTINCT ON (id) id, version, document, recorded_at, recorded_ns FROM contracts ORDER BY id, version DESC`)
}
