package sqlite

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

// TestSelfCheckedConstraints pins the CHECK constraints that verify's
// quick_check leaves to verify's own reads (verify_quickcheck.go): a
// migration that adds one to these tables fails here until verify checks it
// too (and TestVerifyCheckConstraints makes it fail). Every other table with
// CHECK constraints gets PRAGMA quick_check(T) with them on.
func TestSelfCheckedConstraints(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	want := map[string][]string{
		"entries": {"length(date) = 10"},
		"postings": {"seq >= 1", "length(currency) = 3",
			"(amount GLOB '[0-9]*' OR amount GLOB '-[0-9]*') AND NOT substr(amount, 2) GLOB '*[^0-9.]*' AND NOT amount GLOB '*.*.*' AND NOT amount GLOB '*.' " +
				"AND (instr(amount, '.') = 0 OR length(amount) - instr(amount, '.') <= 18) " +
				"AND CASE WHEN instr(amount, '.') = 0 THEN length(amount) ELSE instr(amount, '.') - 1 END - (amount GLOB '-*') <= 54"},
		"event_index": {"dim BETWEEN 1 AND 6"},
	}
	for table := range selfCheckedTables {
		var def string
		if err := db.r.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&def); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		var got []string
		for _, e := range checkConstraints(def) {
			got = append(got, strings.Join(strings.Fields(e), " "))
		}
		if !reflect.DeepEqual(got, want[table]) {
			t.Errorf("%s's CHECK constraints:\n got %q\nwant %q", table, got, want[table])
		}
	}
	tables, err := checkedTables(ctx, db.r)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"accounts", "api_tokens", "bookings", "fact_head", "fx_rates", "import_batches", "journal_head", "period_closes"}; !reflect.DeepEqual(tables, want) {
		t.Errorf("tables quick_check checks one by one: %q, want %q", tables, want)
	}
}

func TestCheckConstraints(t *testing.T) {
	for _, tc := range []struct {
		def  string
		want []string
	}{
		{`CREATE TABLE t (a INTEGER CHECK (a > 0), b TEXT)`, []string{"a > 0"}},
		{"CREATE TABLE t (a TEXT check(length(a) IN (1, 2)), -- no check (here)\n b CONSTRAINT c CHECK ( b <> ')' ))", []string{"length(a) IN (1, 2)", "b <> ')'"}},
		{`CREATE TABLE t (a /* CHECK (x) */ TEXT DEFAULT 'CHECK (y)', "check" INTEGER, [check] TEXT, checked TEXT)`, nil},
		{`CREATE TABLE t (a, b, CHECK (a < b), CHECK ("x)" = 'y''('))`, []string{"a < b", `"x)" = 'y''('`}},
	} {
		if got := checkConstraints(tc.def); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.def, got, tc.want)
		}
	}
}

// TestQuickCheckLeavesChecksOn: verify's quick_check turns CHECK
// constraints back on for the connection it ran on.
func TestQuickCheckLeavesChecksOn(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	db.r.SetMaxOpenConns(1)
	tx, err := db.r.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := quickCheck(ctx, db, tx); err != nil {
		t.Fatal(err)
	}
	var on int
	if err := tx.QueryRowContext(ctx, `PRAGMA ignore_check_constraints`).Scan(&on); err != nil || on != 0 {
		t.Fatalf("ignore_check_constraints after quickCheck: %d %v", on, err)
	}
}

// TestCommandsQuickCheckLeavesChecksOn: the commands' QuickCheck turns
// CHECK constraints back on for the reader connection it ran on.
func TestCommandsQuickCheckLeavesChecksOn(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	db.r.SetMaxOpenConns(1)
	if err := db.QuickCheck(ctx); err != nil {
		t.Fatal(err)
	}
	var on int
	if err := db.r.QueryRowContext(ctx, `PRAGMA ignore_check_constraints`).Scan(&on); err != nil || on != 0 {
		t.Fatalf("ignore_check_constraints after QuickCheck: %d %v", on, err)
	}
}
