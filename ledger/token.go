package ledger

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// The rules of API tokens, which every TokenStore keeps alike.

// TokenRoles are the roles a token may carry, from least to most powerful.
var TokenRoles = []string{"auditor", "analyst", "finance", "admin"}

// TokenPrefix starts every token, so that a leaked one is recognisable.
const TokenPrefix = "rs_"

// MaxTokenNameLen bounds a token's name.
const MaxTokenNameLen = 200

// maxTokenLen bounds what AuthenticateToken looks up: a real token is 46
// bytes.
const maxTokenLen = 100

// NewToken checks a new token's name and role (EINVALID naming the
// problem) and returns a fresh secret: TokenPrefix and 256 random bits in
// base64url.
func NewToken(name, role string) (secret string, err error) {
	known := false
	for _, r := range TokenRoles {
		known = known || r == role
	}
	if !known {
		return "", Errorf(EINVALID, "unknown role %q (want auditor, analyst, finance or admin)", role)
	}
	if err := CheckLabel("token name", name, MaxTokenNameLen); err != nil {
		return "", err
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:]), nil
}

// HashToken is the stored form of a token: hex SHA-256 of its text.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// WellFormedToken reports whether secret could be a token at all, so that
// a store need not look up what cannot match.
func WellFormedToken(secret string) bool {
	return strings.HasPrefix(secret, TokenPrefix) && len(secret) <= maxTokenLen
}

// ErrBadToken is the EUNAUTHORIZED error of an unknown, malformed or
// revoked token: it does not say which, so that it tells a guesser nothing.
var ErrBadToken = Errorf(EUNAUTHORIZED, "invalid or revoked token")
