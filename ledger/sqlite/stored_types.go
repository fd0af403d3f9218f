package sqlite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SQLite stores any value in any column of a table that is not STRICT: a
// hand edit (`UPDATE contracts SET version = 'junk'`) leaves a text in an
// INTEGER column, which quick_check does not see and database/sql reports
// when a command scans it as `sql: Scan error on column index 0, name
// "version": converting driver.Value type string ("junk") to a int`,
// naming neither the table nor the row. Such an error is rare (the book is
// damaged) and then worth a scan of the book: storedTypeError finds the
// first value of the wrong type and names its table, row and column.

// isScanError says whether err is database/sql failing to convert a stored
// value into the Go type a command reads it as, and not already a
// violation verify worded (which names its row).
func isScanError(err error) bool {
	var ve *VerifyError
	return err != nil && !errors.As(err, &ve) && strings.Contains(err.Error(), "sql: Scan error on column index ")
}

// storedTypeError returns the first value of the book's INTEGER columns
// (in the tables of this binary's schema, by name) that is neither an
// integer nor NULL, worded "TABLE KEY: COLUMN holds VALUE, not an
// integer", or "" when there is none (or q cannot be read).
func storedTypeError(ctx context.Context, q querier) string {
	want, err := wantSchema()
	if err != nil {
		return ""
	}
	var tables []string
	for _, o := range want {
		if o.kind == "table" {
			tables = append(tables, o.name)
		}
	}
	slices.Sort(tables)
	for _, t := range tables {
		if msg := storedTypeErrorIn(ctx, q, t, strings.Contains(strings.ToUpper(want["table "+t].sql), "WITHOUT ROWID")); msg != "" {
			return msg
		}
	}
	return ""
}

// storedTypeErrorIn is storedTypeError for one table.
func storedTypeErrorIn(ctx context.Context, q querier, table string, withoutRowID bool) string {
	var ints, keys []string
	err := eachRow(ctx, q, func(row rowScanner) error {
		var name, typ string
		var pk int
		if err := row.Scan(&name, &typ, &pk); err != nil {
			return err
		}
		if pk > 0 {
			keys = append(keys, name)
		}
		if strings.EqualFold(typ, "INTEGER") {
			ints = append(ints, name)
		}
		return nil
	}, `SELECT name, type, pk FROM pragma_table_info(?) ORDER BY pk, cid`, table)
	if err != nil {
		return ""
	}
	if len(keys) == 1 && !withoutRowID && slices.Contains(ints, keys[0]) {
		// An INTEGER PRIMARY KEY is the rowid: always an integer.
		ints = slices.DeleteFunc(ints, func(c string) bool { return c == keys[0] })
	}
	if len(ints) == 0 {
		return ""
	}
	key := `'rowid=' || rowid`
	if len(keys) > 0 {
		var parts []string
		for _, k := range keys {
			parts = append(parts, `'`+k+`=' || `+quoteIdent(k))
		}
		key = strings.Join(parts, ` || ' ' || `)
	}
	var bad, which []string
	for _, c := range ints {
		cond := `typeof(` + quoteIdent(c) + `) NOT IN ('integer', 'null')`
		bad = append(bad, cond)
		which = append(which, `WHEN `+cond+` THEN '`+c+` holds ' || substr(quote(`+quoteIdent(c)+`), 1, 64)`)
	}
	var at, what string
	err = q.QueryRowContext(ctx, `SELECT `+key+`, CASE `+strings.Join(which, " ")+` END FROM `+quoteIdent(table)+
		` WHERE `+strings.Join(bad, " OR ")+` LIMIT 1`).Scan(&at, &what)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %s: %s, not an integer", table, at, what)
}
