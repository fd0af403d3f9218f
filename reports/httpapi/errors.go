package httpapi

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/revshare/revshare/ledger"
)

// Error codes the HTTP layer adds to the ledger's closed set.
const (
	ETooLarge         = "too_large"
	EMethodNotAllowed = "method_not_allowed"
	ETimeout          = "timeout"
	EHeaderTooLarge   = "header_too_large"
	EMoved            = "moved"
	EUnsupportedType  = "unsupported_media_type"
)

// RetryAfterSeconds is the Retry-After of a 503 "unavailable" (the
// database is busy with another writer).
const RetryAfterSeconds = 5

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	ledger.EINVALID:      http.StatusBadRequest,
	ledger.ECONFLICT:     http.StatusConflict,
	ledger.ENOTFOUND:     http.StatusNotFound,
	ledger.EUNAUTHORIZED: http.StatusUnauthorized,
	ledger.EFORBIDDEN:    http.StatusForbidden,
	ledger.EINTERNAL:     http.StatusInternalServerError,
	ledger.EUNAVAILABLE:  http.StatusServiceUnavailable,
	ETooLarge:            http.StatusRequestEntityTooLarge,
	EMethodNotAllowed:    http.StatusMethodNotAllowed,
	ETimeout:             http.StatusServiceUnavailable,
	EHeaderTooLarge:      http.StatusRequestHeaderFieldsTooLarge,
	EMoved:               http.StatusMovedPermanently,
	EUnsupportedType:     http.StatusUnsupportedMediaType,
}

// ErrorStatus returns the HTTP status of err's code.
func ErrorStatus(err error) int {
	if s, ok := statusOf[ledger.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON of every error response.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError writes err as {"error":{"code","message"}} with its status.
// Internal errors say only "internal error" to the caller and are logged in
// full.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var body errorBody
	body.Error.Code, body.Error.Message = s.publicError(r, err)
	code := body.Error.Code
	if code == ledger.EUNAVAILABLE {
		// Another writer holds the database: the client may try again.
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(statusOf[code])
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(body)
}

// publicError is err's code and message as the caller is told them, for
// the API and the web view: an internal error, or one whose code has no
// status, is only "internal error" to the caller and is logged in full.
func (s *Server) publicError(r *http.Request, err error) (code, msg string) {
	code = ledger.ErrorCode(err)
	if _, ok := statusOf[code]; !ok || code == ledger.EINTERNAL {
		s.log.ErrorContext(r.Context(), "internal error", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
		return ledger.EINTERNAL, "internal error"
	}
	return code, ledger.ErrorMessage(err)
}
