package sqlite

import (
	"context"
	"fmt"
	"testing"
)

// TestAllNarrow checks which rows verify takes as narrow (read with l1 and
// l2 packed in one integer, the other limbs not read) and that a packed
// row unpacks to its limbs, at the ends of the int32 range. A row is
// narrow only if its values read whole would be the same limbs: a limb
// past an int32 (l1 + 2^32 packs as l1), not an integer, not 0 or NULL
// makes its table be read whole.
func TestAllNarrow(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	const lo, hi = -2147483648, 2147483647
	tests := []struct {
		row      string // l0, ..., l7
		day, ver bool   // narrowDay, narrowVersion
		l1, l2   int64  // the limbs of a narrowDay row
	}{
		{"0, 5, -3, 0, 0, 0, 0, 0", true, true, 5, -3},
		{"0, -5, 3, 0, 0, 0, 0, 0", true, true, -5, 3},
		{fmt.Sprintf("0, %d, %d, 0, 0, 0, 0, 0", lo, lo), true, true, lo, lo},
		{fmt.Sprintf("0, %d, %d, 0, 0, 0, 0, 0", hi, hi), true, true, hi, hi},
		{fmt.Sprintf("0, %d, %d, 0, 0, 0, 0, 0", lo, hi), true, true, lo, hi},
		{fmt.Sprintf("0, %d, %d, 0, 0, 0, 0, 0", hi, lo), true, true, hi, lo},
		{fmt.Sprintf("0, -1, %d, 0, 0, 0, 0, 0", lo), true, true, -1, lo},
		// The driver reads a REAL 0.0 as the integer 0, as IS compares it.
		{"0.0, 1, 2, 0, 0, 0, 0, -0.0", true, true, 1, 2},
		{fmt.Sprintf("0, %d, 0, 0, 0, 0, 0, 0", hi+1), false, true, 0, 0},
		{fmt.Sprintf("0, 0, %d, 0, 0, 0, 0, 0", lo-1), false, true, 0, 0},
		{"0, 4294967296, 0, 0, 0, 0, 0, 0", false, true, 0, 0},
		{"1, 0, 0, 0, 0, 0, 0, 0", false, false, 0, 0},
		{"0, 0, 0, 1, 0, 0, 0, 0", false, false, 0, 0},
		{"0, 0, 0, 0, 0, 0, 0, -1", false, false, 0, 0},
		{"NULL, 0, 0, 0, 0, 0, 0, 0", false, false, 0, 0},
		{"0, NULL, 0, 0, 0, 0, 0, 0", false, false, 0, 0},
		{"'0', 0, 0, 0, 0, 0, 0, 0", false, false, 0, 0},
		{"0, 5.0, 0, 0, 0, 0, 0, 0", false, false, 0, 0},
		{"0, 0, '5', 0, 0, 0, 0, 0", false, false, 0, 0},
		{"0, 0, x'05', 0, 0, 0, 0, 0", false, false, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.row, func(t *testing.T) {
			conn, err := db.w.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			// Columns of no declared type keep each value as written.
			for _, q := range []string{`DROP TABLE IF EXISTS temp.n`, `CREATE TEMP TABLE n (l0, l1, l2, l3, l4, l5, l6, l7)`,
				`INSERT INTO temp.n VALUES (0, 1, 1, 0, 0, 0, 0, 0)`, `INSERT INTO temp.n VALUES (` + tc.row + `)`} {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, c := range []struct {
				cond string
				want bool
			}{{narrowDay, tc.day}, {narrowVersion, tc.ver}} {
				got, err := allNarrow(ctx, conn, "temp.n", c.cond)
				if err != nil || got != c.want {
					t.Errorf("allNarrow(%s) = %v, %v; want %v", c.cond, got, err, c.want)
				}
			}
			if !tc.day {
				return
			}
			var packed int64
			if err := conn.QueryRowContext(ctx, `SELECT `+packedL1L2+` FROM temp.n WHERE rowid = 2`).Scan(&packed); err != nil {
				t.Fatal(err)
			}
			if got, want := unpackL1L2(packed), (limbs{1: tc.l1, 2: tc.l2}); got != want {
				t.Errorf("unpacked %v, want %v", got, want)
			}
		})
	}
}
