package httpapi

import (
	"net/http"
	"strconv"

	"github.com/revshare/revshare/ledger"
)

// TokenRequest is the body of POST /tokens.
type TokenRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

// CreatedTokenJSON is a new token with its secret, shown this once.
type CreatedTokenJSON struct {
	ledger.Token
	Secret string `json:"token"`
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodGet {
		pg, after, err := idPageOf(r)
		if err != nil {
			return err
		}
		ts, err := s.write.Tokens.Tokens(r.Context())
		if err != nil {
			return err
		}
		items, next := pageFrom(ts, pg.limit, func(t ledger.Token) bool { return t.ID > after },
			func(t ledger.Token) string { return strconv.FormatInt(t.ID, 10) })
		return writeJSON(w, http.StatusOK, list[ledger.Token]{Items: items, NextCursor: next})
	}
	var req TokenRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	role, err := ParseRole(req.Role)
	if err != nil {
		return err
	}
	t, secret, err := s.write.Tokens.CreateToken(r.Context(), req.Name, string(role))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, CreatedTokenJSON{t, secret})
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "id", "token")
	if err != nil {
		return err
	}
	if err := s.write.Tokens.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"revoked": id})
}
