package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/revshare/revshare/ledger"
)

// CreateToken stores a new token with the given role and name and returns
// it with its secret, which is not stored and cannot be shown again. An
// unknown role or an over-long name is EINVALID.
func (db *DB) CreateToken(ctx context.Context, name, role string) (ledger.Token, string, error) {
	secret, err := ledger.NewToken(name, role)
	if err != nil {
		return ledger.Token{}, "", err
	}
	t := ledger.Token{Name: name, Role: role}
	err = db.WithTx(ctx, func(tx *Tx) error {
		t.CreatedAt = tx.Now
		res, err := tx.SQL().ExecContext(ctx, `INSERT INTO api_tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)`,
			name, role, ledger.HashToken(secret), formatTime(tx.Now))
		if err != nil {
			return mapError(err)
		}
		t.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return ledger.Token{}, "", err
	}
	return t, secret, nil
}

// Tokens lists every token, revoked ones included, by ID.
func (db *DB) Tokens(ctx context.Context) ([]ledger.Token, error) {
	return queryRows(ctx, db.r, scanToken, `SELECT id, name, role, created_at, revoked_at FROM api_tokens ORDER BY id`)
}

// RevokeToken revokes a token: ENOTFOUND if there is no such token,
// ECONFLICT if it is already revoked.
func (db *DB) RevokeToken(ctx context.Context, id int64) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		var revoked sql.NullString
		err := tx.SQL().QueryRowContext(ctx, `SELECT revoked_at FROM api_tokens WHERE id = ?`, id).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return ledger.Errorf(ledger.ENOTFOUND, "no token with id %d", id)
		}
		if err != nil {
			return err
		}
		if revoked.Valid {
			return ledger.Errorf(ledger.ECONFLICT, "token %d was already revoked at %s", id, revoked.String)
		}
		_, err = tx.SQL().ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, formatTime(tx.Now), id)
		return err
	})
}

// AuthenticateToken returns the valid token whose secret is given. An
// unknown, malformed or revoked token is EUNAUTHORIZED (the message does not
// say which, so that it tells a guesser nothing). It only reads, so it works
// on a read-only DB.
func (db *DB) AuthenticateToken(ctx context.Context, secret string) (ledger.Token, error) {
	bad := ledger.ErrBadToken
	if !ledger.WellFormedToken(secret) {
		return ledger.Token{}, bad
	}
	row := db.r.QueryRowContext(ctx, `SELECT id, name, role, created_at, revoked_at FROM api_tokens WHERE hash = ?`, ledger.HashToken(secret))
	t, err := scanToken(row)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger.Token{}, bad
	}
	if err != nil {
		return ledger.Token{}, err
	}
	if t.Revoked() {
		return ledger.Token{}, bad
	}
	return t, nil
}

func scanToken(s rowScanner) (ledger.Token, error) {
	var (
		t       ledger.Token
		created string
		revoked sql.NullString
	)
	if err := s.Scan(&t.ID, &t.Name, &t.Role, &created, &revoked); err != nil {
		return ledger.Token{}, err
	}
	var err error
	key := fmt.Sprintf("id=%d", t.ID)
	if t.CreatedAt, err = storedTime("api_tokens", key, "created_at", created); err != nil {
		return ledger.Token{}, err
	}
	if revoked.Valid {
		if t.RevokedAt, err = storedTime("api_tokens", key, "revoked_at", revoked.String); err != nil {
			return ledger.Token{}, err
		}
	}
	return t, nil
}
