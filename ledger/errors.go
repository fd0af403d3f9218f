package ledger

import (
	"errors"
	"fmt"
)

// Error codes form a closed set; the HTTP layer maps each to one status.
const (
	EINVALID      = "invalid"
	ECONFLICT     = "conflict"
	ENOTFOUND     = "not_found"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
	// EUNAVAILABLE: the store is busy (another writer holds it) or
	// otherwise cannot serve now; trying again later may work.
	EUNAVAILABLE = "unavailable"
)

// Error is the application error: a code from the closed set above and a
// message meant for the user.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain,
// EINTERNAL for any other non-nil error, and "" for nil.
func ErrorCode(err error) string { return appError(err).Code }

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or "internal error" for anything else.
func ErrorMessage(err error) string { return appError(err).Message }

// appError is what callers are told of err: the first *Error in its
// chain, an internal error for any other error, nothing for nil.
func appError(err error) Error {
	var e *Error
	switch {
	case err == nil:
		return Error{}
	case errors.As(err, &e):
		return *e
	}
	return Error{Code: EINTERNAL, Message: "internal error"}
}
