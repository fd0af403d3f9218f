package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/ledger"
)

var _ ledger.TokenStore = (*DB)(nil)

// CreateToken stores a new token and returns it with its secret, which is
// not stored and cannot be shown again. An unknown role or an over-long
// name is EINVALID (ledger.NewToken).
func (db *DB) CreateToken(ctx context.Context, name, role string) (ledger.Token, string, error) {
	secret, err := ledger.NewToken(name, role)
	if err != nil {
		return ledger.Token{}, "", err
	}
	t := ledger.Token{Name: name, Role: role}
	err = db.write(ctx, func(w *writer) error {
		t.CreatedAt = w.now
		return w.tx.QueryRow(w.ctx, `INSERT INTO api_tokens (id, name, role, hash, created_at)
			VALUES ((SELECT coalesce(max(id), 0) + 1 FROM api_tokens), $1, $2, $3, $4) RETURNING id`,
			name, role, ledger.HashToken(secret), w.now).Scan(&t.ID)
	})
	if err != nil {
		return ledger.Token{}, "", err
	}
	return t, secret, nil
}

const tokenColumns = `id, name, role, created_at, revoked_at`

func scanToken(row pgx.Row) (ledger.Token, error) {
	var t ledger.Token
	var revoked *time.Time
	if err := row.Scan(&t.ID, &t.Name, &t.Role, &t.CreatedAt, &revoked); err != nil {
		return t, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	if revoked != nil {
		t.RevokedAt = revoked.UTC()
	}
	return t, nil
}

// Tokens lists every token, revoked ones included, by ID.
func (db *DB) Tokens(ctx context.Context) ([]ledger.Token, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens ORDER BY id`)
	if err != nil {
		return nil, err
	}
	// AppendRows onto nil, as CollectRows would not: no tokens is a nil list.
	return pgx.AppendRows(([]ledger.Token)(nil), rows, func(row pgx.CollectableRow) (ledger.Token, error) { return scanToken(row) })
}

// RevokeToken revokes a token: ENOTFOUND if there is none, ECONFLICT if it
// is already revoked.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	return db.write(ctx, func(w *writer) error {
		t, err := scanToken(w.tx.QueryRow(w.ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return ledger.Errorf(ledger.ENOTFOUND, "no token with id %d", id)
		}
		if err != nil {
			return err
		}
		if t.Revoked() {
			return ledger.Errorf(ledger.ECONFLICT, "token %d was already revoked at %s", id, t.RevokedAt.UTC().Format("2006-01-02T15:04:05.000000000Z"))
		}
		_, err = w.tx.Exec(w.ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE id = $2`, w.now, id)
		return err
	})
}

// AuthenticateToken returns the valid token whose secret is given; an
// unknown, malformed or revoked one is EUNAUTHORIZED (not saying which).
// It only reads.
func (db *DB) AuthenticateToken(ctx context.Context, secret string) (ledger.Token, error) {
	if !ledger.WellFormedToken(secret) {
		return ledger.Token{}, ledger.ErrBadToken
	}
	t, err := scanToken(db.pool.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1`, ledger.HashToken(secret)))
	if errors.Is(err, pgx.ErrNoRows) || err == nil && t.Revoked() {
		return ledger.Token{}, ledger.ErrBadToken
	}
	return t, err
}
