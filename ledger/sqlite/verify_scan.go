package sqlite

import (
	"database/sql"
	"errors"
	"fmt"
)

// intScan scans a query's integer columns through database/sql's fast
// path: into an any, which takes the driver's int64 as it is, where a
// *int64 or *sql.NullInt64 destination goes through reflection for every
// value (1.7 s of verify's CPU at 1M entries; docs/design/speed.md,
// section 4). A value that is not an int64 is converted as Scan would
// convert it, with Scan's error.
type intScan struct {
	vals []any // the integer columns' values, scanned
	cols []int // their indexes in the row
	to   []any // *int64 or *sql.NullInt64 for each
}

// bind returns dest with its integer destinations (*int64 and
// *sql.NullInt64) replaced by anys that set fills in from.
func (s *intScan) bind(dest []any) []any {
	out := make([]any, len(dest))
	n := 0
	for _, d := range dest {
		switch d.(type) {
		case *int64, *sql.NullInt64:
			n++
		}
	}
	s.vals, s.cols, s.to = make([]any, n), make([]int, 0, n), make([]any, 0, n)
	for i, d := range dest {
		switch d.(type) {
		case *int64, *sql.NullInt64:
			out[i] = &s.vals[len(s.cols)]
			s.cols = append(s.cols, i)
			s.to = append(s.to, d)
		default:
			out[i] = d
		}
	}
	return out
}

// set stores the scanned values into their destinations.
func (s *intScan) set(rows *sql.Rows) error {
	for i, v := range s.vals {
		var err error
		switch to := s.to[i].(type) {
		case *int64:
			if n, ok := v.(int64); ok {
				*to = n
				continue
			}
			var n sql.NullInt64
			if err = n.Scan(v); err == nil && !n.Valid {
				err = errors.New("converting NULL to int64 is unsupported")
			}
			*to = n.Int64
		case *sql.NullInt64:
			if n, ok := v.(int64); ok {
				*to = sql.NullInt64{Int64: n, Valid: true}
				continue
			}
			err = to.Scan(v)
		}
		if err != nil {
			name := ""
			if cols, cerr := rows.Columns(); cerr == nil && s.cols[i] < len(cols) {
				name = cols[s.cols[i]]
			}
			return fmt.Errorf("sql: Scan error on column index %d, name %q: %w", s.cols[i], name, err)
		}
	}
	return nil
}

// unreadableRow names the row of table that rows is on and that a scan
// could not read (an amount stored as text, say): its first nKey columns
// as stored, then the scan's error.
func unreadableRow(rows *sql.Rows, table string, nKey int, scanErr error) error {
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("%s: a row is unreadable: %w", table, scanErr)
	}
	raw := make([]sql.RawBytes, len(cols))
	dest := make([]any, len(cols))
	for i := range raw {
		dest[i] = &raw[i]
	}
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("%s: a row is unreadable: %w", table, scanErr)
	}
	key := ""
	for i := 0; i < nKey && i < len(cols); i++ {
		key += fmt.Sprintf(" %s=%s", cols[i], raw[i])
	}
	return &VerifyError{Reason: fmt.Sprintf("%s%s: unreadable (%v)", table, key, scanErr)}
}

// unreadableScanned is unreadableRow for a row already scanned into dest
// (bound by an intScan) whose integer values did not convert: rows cannot
// be scanned again after a scan into sql.RawBytes, so the key is named
// from the first nKey destinations as scanned.
func unreadableScanned(rows *sql.Rows, table string, dest []any, nKey int, scanErr error) error {
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("%s: a row is unreadable: %w", table, scanErr)
	}
	key := ""
	for i := 0; i < nKey && i < len(cols) && i < len(dest); i++ {
		var v any
		switch d := dest[i].(type) {
		case *any:
			v = *d
		case *sql.RawBytes:
			v = string(*d)
		case *string:
			v = *d
		}
		switch x := v.(type) {
		case []byte:
			v = string(x)
		case nil:
			v = ""
		}
		key += fmt.Sprintf(" %s=%v", cols[i], v)
	}
	return &VerifyError{Reason: fmt.Sprintf("%s%s: unreadable (%v)", table, key, scanErr)}
}
