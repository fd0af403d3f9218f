package usage

import (
	"errors"

	"github.com/revshare/revshare/ledger"
)

// What every storage backend's usage import shares: the check of the
// source name and the error of a default-mode import with bad rows.

// MaxSourceLen bounds a source name.
const MaxSourceLen = 100

// CheckSource refuses a source name (the system a file came from) that is
// too long or has control characters, with EINVALID.
func CheckSource(name string) error {
	if len(name) > MaxSourceLen {
		return ledger.Errorf(ledger.EINVALID, "source name longer than %d bytes", MaxSourceLen)
	}
	for _, c := range []byte(name) {
		if c < 0x20 || c == 0x7f {
			return ledger.Errorf(ledger.EINVALID, "source name %q has control characters", name)
		}
	}
	return nil
}

// ErrBadRows is matched (errors.Is) by the EINVALID error of a
// default-mode import that found bad rows and wrote nothing.
var ErrBadRows = errors.New("bad rows")

// badRowsError is an EINVALID *ledger.Error that also matches ErrBadRows.
type badRowsError struct{ err *ledger.Error }

func (e badRowsError) Error() string   { return e.err.Message }
func (e badRowsError) Unwrap() []error { return []error{e.err, ErrBadRows} }

// BadRows is the error of a default-mode import of file with rejected bad
// rows out of rows: nothing imported.
func BadRows(file string, rejected, rows int) error {
	return badRowsError{ledger.Errorf(ledger.EINVALID, "%s: %d bad row(s) of %d; nothing imported", file, rejected, rows)}
}
