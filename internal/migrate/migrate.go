// Package migrate reads a storage adapter's embedded migrations, the files
// migrations/NNNN_name.sql, in number order. Applying and recording them
// is each adapter's (ledger/sqlite, ledger/postgres); so is reading a
// book's schema, which verify compares with what the migrations create in
// the same words on both (SchemaDifference).
package migrate

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// File is one migration.
type File struct {
	Version int    // NNNN, from 1
	Name    string // file name, "0001_ledger.sql"
	SQL     string
}

// Files returns the files migrations/*.sql of fsys in number order. A
// name not of the form NNNN_name.sql (NNNN from 0001) or two files of one
// number are an error.
func Files(fsys fs.FS) ([]File, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var ms []File
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		numbered := len(base) >= 6 && base[4] == '_' && strings.Trim(base[:4], "0123456789") == ""
		v, _ := strconv.Atoi(base[:min(4, len(base))])
		if !numbered || v < 1 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", base)
		}
		if len(ms) > 0 && ms[len(ms)-1].Version == v {
			return nil, fmt.Errorf("migrations %s and %s share a number", ms[len(ms)-1].Name, base)
		}
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, File{v, base, string(b)})
	}
	return ms, nil
}
