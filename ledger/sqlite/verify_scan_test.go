package sqlite

import (
	"database/sql"
	"testing"
)

// intScan gives what Scan into *int64 and *sql.NullInt64 gives: the same
// values and the same errors.
func TestIntScanAsScan(t *testing.T) {
	db, err := sql.Open(driverName, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`SELECT 7, 7`, `SELECT '12', '12'`, `SELECT 2.0, 2.0`, `SELECT NULL, NULL`, `SELECT 'x', 'x'`,
		`SELECT 1.5, 1.5`, `SELECT x'31', x'31'`} {
		var want, got int64
		var wantN, gotN sql.NullInt64
		scan := func(dest ...any) error {
			return db.QueryRow(q).Scan(dest...)
		}
		wantErr := scan(&want, &wantN)
		var ints intScan
		dest := ints.bind([]any{&got, &gotN})
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		rows.Next()
		gotErr := rows.Scan(dest...)
		if gotErr == nil {
			gotErr = ints.set(rows)
		}
		rows.Close()
		if wantErr == nil {
			// Scan stops at the first column that fails; so does set.
			if gotErr != nil || got != want || gotN != wantN {
				t.Errorf("%s: got %d %+v %v, want %d %+v", q, got, gotN, gotErr, want, wantN)
			}
			continue
		}
		if gotErr == nil || gotErr.Error() != wantErr.Error() {
			t.Errorf("%s: got error %v, want %v", q, gotErr, wantErr)
		}
	}
}
