package postgres

import (
	"context"
	"testing"

	"github.com/revshare/revshare/ledger"
)

// EventsQuery is the query Events runs for f, and its arguments.
func EventsQuery(f ledger.EventFilter) (string, []any) {
	where, args := eventWhere(f)
	return eventSelect + " WHERE (" + where + ") ORDER BY e.id LIMIT 10000", args
}

// CopyBinaryRows is a binary COPY's data of one (numeric, date) row per
// number, the dates taken in turn.
func CopyBinaryRows(nums []string, dates []ledger.Date) ([]byte, error) {
	var c copyBinary
	c.reset()
	for i, n := range nums {
		c.row(2)
		if err := c.numeric(n); err != nil {
			return nil, err
		}
		c.date(dates[i%len(dates)])
	}
	c.end()
	return c.buf, nil
}

// CopyBinaryObjects is a binary COPY's data of one jsonb row per map.
func CopyBinaryObjects(ms []map[string]string) ([]byte, error) {
	var c copyBinary
	c.reset()
	for _, m := range ms {
		c.row(1)
		if err := c.jsonbObject(m); err != nil {
			return nil, err
		}
	}
	c.end()
	return c.buf, nil
}

// BalanceAmount is how TrialBalance reads a balance's text.
var BalanceAmount = balanceAmount

// Setting is the value of a run-time parameter on a connection of db's pool.
func Setting(db *DB, name string) (string, error) {
	var v string
	err := db.pool.QueryRow(context.Background(), `SELECT current_setting($1)`, name).Scan(&v)
	return v, err
}

// SchemaFile is the schema of db's book as expected_schema.txt words it,
// under header.
func SchemaFile(ctx context.Context, db *DB, header string) (string, error) {
	objs, err := readSchema(ctx, db.pool)
	if err != nil {
		return "", err
	}
	return formatSchema(header, objs), nil
}

// WithExpectedMajor makes verify take expected_schema.txt as written by
// PostgreSQL major until t ends: a server of another major version.
func WithExpectedMajor(t testing.TB, major int) {
	expectedMajorForTest = major
	t.Cleanup(func() { expectedMajorForTest = 0 })
}

// ExpectedSchemaFile is the expected_schema.txt this package embeds.
var ExpectedSchemaFile = expectedSchemaText

// MigrateThrough applies the migrations up to version (included) to the
// empty schema at url, as a binary of that version would have: a book to
// upgrade.
func MigrateThrough(ctx context.Context, url string, version int) error {
	db, err := connect(ctx, url, nil, false)
	if err != nil {
		return err
	}
	defer db.Close()
	ms, err := migrations()
	if err != nil {
		return err
	}
	var upTo []migration
	for _, m := range ms {
		if m.Version <= version {
			upTo = append(upTo, m)
		}
	}
	_, err = db.applyMigrations(ctx, upTo)
	return err
}

// WithVerifyPage makes Verify fetch n entries, n events and 2n postings at
// a time until t ends.
func WithVerifyPage(t testing.TB, n int) {
	old := journalPage
	journalPage = n
	t.Cleanup(func() { journalPage = old })
}

// DifferingGroupRuns is how many times Verify has run the query that names
// a differing import group.
func DifferingGroupRuns() int64 { return differingGroupRuns.Load() }

// WithoutGroupsBeside makes Verify join each event to its import group in
// the events cursor until t ends.
func WithoutGroupsBeside(t testing.TB) {
	old := groupsBesideOn
	groupsBesideOn = false
	t.Cleanup(func() { groupsBesideOn = old })
}

// GroupsBesideFallbacks is how many times Verify has handed the events'
// scan from the groups read beside them to the joined cursor.
func GroupsBesideFallbacks() int64 { return groupsBesideFallbacks.Load() }
