package httpapi

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

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
	return code, capEchoes(ledger.ErrorMessage(err))
}

// maxEcho is how many characters of one value an error message repeats
// to the caller.
const maxEcho = 64

// capEchoes shortens each value in msg longer than maxEcho characters to
// its first maxEcho and its length in bytes: a quoted one (as %q writes a
// caller's value) to "xxxx…" (20000 bytes), an unquoted word alike. Every
// handler's message, the API's and the web view's, passes here: a 20 KB
// query parameter, path value or JSON field came back 20 KB long. The
// messages' own words and identifiers are shorter than maxEcho; a chain
// hash (64 hex digits) is kept whole.
func capEchoes(msg string) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		if msg[i] == '"' {
			if q, err := strconv.QuotedPrefix(msg[i:]); err == nil {
				if s, err := strconv.Unquote(q); err == nil && utf8.RuneCountInString(s) > maxEcho {
					fmt.Fprintf(&b, "%s (%d bytes)", strconv.Quote(firstRunes(s, maxEcho)+"…"), len(s))
				} else {
					b.WriteString(q)
				}
				i += len(q)
				continue
			}
		}
		if isSpace(msg[i]) {
			b.WriteByte(msg[i])
			i++
			continue
		}
		j := i + 1 // a word: up to a space or a quote
		for j < len(msg) && !isSpace(msg[j]) && msg[j] != '"' {
			j++
		}
		if word := msg[i:j]; utf8.RuneCountInString(word) > maxEcho {
			fmt.Fprintf(&b, "%s… (%d bytes)", firstRunes(word, maxEcho), len(word))
		} else {
			b.WriteString(word)
		}
		i = j
	}
	return b.String()
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// firstRunes is the first n characters of s.
func firstRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
