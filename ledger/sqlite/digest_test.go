package sqlite

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// DBDigest is dbDigest for the external test package.
var DBDigest = dbDigest

// dbDigest hashes a canonical dump of every table (rows in key order,
// values quoted with their SQL type) and the schema. Two databases with
// equal digests hold the same data. SQLite builds the dump text itself, one
// query per table, to keep this fast enough to run around every write.
func dbDigest(t testing.TB, r *sql.DB) string {
	t.Helper()
	h := sha256.New()
	rows, err := r.Query(`SELECT type, name, coalesce(sql, '') FROM sqlite_master ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var typ, name, def string
		rows.Scan(&typ, &name, &def)
		fmt.Fprintf(h, "%s %s %s\n", typ, name, def)
		if typ == "table" {
			tables = append(tables, name)
		}
	}
	rows.Close()
	for _, tbl := range tables {
		var cols []string
		crows, err := r.Query(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, tbl)
		if err != nil {
			t.Fatal(err)
		}
		for crows.Next() {
			var c string
			crows.Scan(&c)
			cols = append(cols, `quote("`+c+`")`)
		}
		crows.Close()
		order := "1"
		if len(cols) > 1 {
			order = "1, 2"
		}
		var dump sql.NullString
		q := `SELECT group_concat(` + strings.Join(cols, ` || ',' || `) + `, char(10)) FROM (SELECT * FROM "` + tbl + `" ORDER BY ` + order + `)`
		if err := r.QueryRow(q).Scan(&dump); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		fmt.Fprintf(h, "table %s\n%s\n", tbl, dump.String)
	}
	return hex.EncodeToString(h.Sum(nil))
}
