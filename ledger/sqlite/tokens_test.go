package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
)

func TestTokens(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "t.db")
	now := time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC)
	db, err := Open(ctx, path, storetest.NewClock(now))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	tok, secret, err := db.CreateToken(ctx, "ci", "auditor")
	if err != nil {
		t.Fatal(err)
	}
	if tok.ID != 1 || tok.Name != "ci" || tok.Role != "auditor" || !tok.CreatedAt.Equal(now) {
		t.Fatalf("token = %+v", tok)
	}
	if !strings.HasPrefix(secret, "rs_") || len(secret) != 3+43 {
		t.Fatalf("secret %q: want rs_ and 43 base64url characters", secret)
	}
	// Only the hash is stored.
	var stored string
	if err := db.Reader().QueryRowContext(ctx, `SELECT hash FROM api_tokens WHERE id = 1`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != ledger.HashToken(secret) || strings.Contains(stored, secret[3:]) {
		t.Fatalf("stored %q, want the SHA-256 of the secret", stored)
	}

	got, err := db.AuthenticateToken(ctx, secret)
	if err != nil || got.ID != 1 || got.Role != "auditor" {
		t.Fatalf("AuthenticateToken = %+v, %v", got, err)
	}

	// A read-only connection authenticates too.
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got, err := ro.AuthenticateToken(ctx, secret); err != nil || got.ID != 1 {
		t.Fatalf("read-only AuthenticateToken = %+v, %v", got, err)
	}
	if _, _, err := ro.CreateToken(ctx, "x", "admin"); ledger.ErrorCode(err) != ledger.EFORBIDDEN {
		t.Fatalf("read-only CreateToken: %v, want forbidden", err)
	}

	if err := db.RevokeToken(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AuthenticateToken(ctx, secret); ledger.ErrorCode(err) != ledger.EUNAUTHORIZED || err.Error() != "invalid or revoked token" {
		t.Fatalf("revoked token: %v", err)
	}
	ts, err := db.Tokens(ctx)
	if err != nil || len(ts) != 1 || !ts[0].RevokedAt.Equal(now) {
		t.Fatalf("Tokens = %+v, %v", ts, err)
	}
}

func TestTokenErrors(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, storetest.NewClock(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)))
	if _, _, err := db.CreateToken(ctx, "a", "finance"); err != nil {
		t.Fatal(err)
	}
	if err := db.RevokeToken(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
		code string
		msg  string
	}{
		{"unknown role", second(db.CreateToken(ctx, "a", "root")), ledger.EINVALID, `unknown role "root" (want auditor, analyst, finance or admin)`},
		{"long name", second(db.CreateToken(ctx, strings.Repeat("n", 201), "admin")), ledger.EINVALID, "token name is 201 bytes long, at most 200 allowed"},
		{"revoke unknown", db.RevokeToken(ctx, 9), ledger.ENOTFOUND, "no token with id 9"},
		{"revoke twice", db.RevokeToken(ctx, 1), ledger.ECONFLICT, "token 1 was already revoked at 2026-04-01T00:00:00.000000000Z"},
		{"unknown token", errOf(db.AuthenticateToken(ctx, "rs_nope")), ledger.EUNAUTHORIZED, "invalid or revoked token"},
		{"no prefix", errOf(db.AuthenticateToken(ctx, "hello")), ledger.EUNAUTHORIZED, "invalid or revoked token"},
	} {
		if ledger.ErrorCode(tc.err) != tc.code || ledger.ErrorMessage(tc.err) != tc.msg {
			t.Errorf("%s: got %q %q, want %q %q", tc.name, ledger.ErrorCode(tc.err), ledger.ErrorMessage(tc.err), tc.code, tc.msg)
		}
	}
}

func second(_ ledger.Token, _ string, err error) error { return err }

func errOf(_ ledger.Token, err error) error { return err }
