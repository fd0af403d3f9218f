package usage

import (
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// What every storage backend's usage import shares: the check of the
// source name and the error of a default-mode import with bad rows.

// MaxSourceLen bounds a source name.
const MaxSourceLen = 100

// CheckSource refuses a source name (the system a file came from) that is
// too long, has control characters or invalid UTF-8, or starts or ends
// with spaces, with EINVALID. The source is half of every event's
// identity: --source " billing" (a script's stray space) made every event
// of a file already imported under "billing" new, and its revenue counted
// twice; a mapping file's source was refused such spaces already.
func CheckSource(name string) error {
	if len(name) > MaxSourceLen {
		return ledger.Errorf(ledger.EINVALID, "source name longer than %d bytes", MaxSourceLen)
	}
	if r, ok := ledger.BidiControl(name); ok {
		return ledger.Errorf(ledger.EINVALID, "source name %q: %s", name, ledger.BidiReason(r))
	}
	if ledger.HasControl(name) {
		return ledger.Errorf(ledger.EINVALID, "source name %q has control characters", name)
	}
	if strings.TrimSpace(name) != name {
		return ledger.Errorf(ledger.EINVALID, "source name %q starts or ends with spaces: give it without them (the source is part of each event's identity)", name)
	}
	return nil
}

// MaxFileNameLen bounds the file name an import is recorded under (a path
// on the command line, ?file= on POST /imports/usage): PATH_MAX.
const MaxFileNameLen = 4096

// CheckFileName refuses a file name that is too long, not UTF-8 or holds
// control characters, with EINVALID: it is stored on the batch and printed
// by import list and in every row error, where ?file=%1b[31m... reached the
// terminal of whoever listed the imports.
func CheckFileName(name string) error {
	return ledger.CheckLabel("file name", name, MaxFileNameLen)
}

// badRowsError is an EINVALID *ledger.Error that also matches ErrBadRows.
type badRowsError struct{ err *ledger.Error }

func (e badRowsError) Error() string   { return e.err.Message }
func (e badRowsError) Unwrap() []error { return []error{e.err, ErrBadRows} }

// BadRows is the error of a default-mode import of file with rejected bad
// rows out of rows: nothing imported.
func BadRows(file string, rejected, rows int) error {
	return badRowsError{ledger.Errorf(ledger.EINVALID, "%s: %d bad row(s) of %d; nothing imported", file, rejected, rows)}
}

// Conflict is the error of the row at file:line whose key was stored
// before with other content. stored is that version (with its BatchID),
// storedLine its line in its file, batch the batch of the row's import:
// a version stored by the same import is "in line N of this file".
func Conflict(file string, line int, header []string, m *Mapping, stored *ledger.Event, storedLine int, batch int64, incoming *ledger.Event) *RowError {
	where := fmt.Sprintf("imported in batch %d (line %d)", stored.BatchID, storedLine)
	if stored.BatchID == batch {
		where = fmt.Sprintf("in line %d of this file", storedLine)
	}
	return &RowError{File: file, Line: line, Column: eventIDColumn(header, m), Value: incoming.EventID,
		Reason: ConflictReason(where, stored, incoming)}
}

// eventIDColumn is the event_id column's name as the file's header
// writes it (the mapping's name for it, if any).
func eventIDColumn(header []string, m *Mapping) string {
	want := ColEventID
	if m != nil && m.Columns[ColEventID] != "" {
		want = m.Columns[ColEventID]
	}
	for _, h := range header {
		if strings.EqualFold(h, want) {
			return h
		}
	}
	return ColEventID
}
