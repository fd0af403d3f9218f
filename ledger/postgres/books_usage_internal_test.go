package postgres

import (
	"testing"
	"time"
)

// A usage block is one date in the contract's zone unless the zone's
// offset is not a multiple of 15 minutes (a block then spans its
// midnight) or changes inside the block.
func TestSameLocalDate(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		t0   string
		loc  *time.Location
		want bool
	}{
		{"2026-01-31T18:00:00Z", time.FixedZone("+05:45", 5*3600+45*60), true},
		{"2026-01-31T18:15:00Z", time.FixedZone("+05:45", 5*3600+45*60), true},
		{"2026-01-31T23:30:00Z", time.FixedZone("+00:19:32", 19*60+32), false}, // local midnight at 23:40:28 UTC
		{"2026-01-31T23:45:00Z", time.FixedZone("+00:19:32", 19*60+32), true},
		{"2026-03-08T06:45:00Z", ny, true}, // the last block before the change (07:00 UTC)
		{"2026-03-08T07:00:00Z", ny, true},
		{"2026-01-31T04:45:00Z", ny, true},
	}
	for _, tc := range tests {
		t0, err := time.Parse(time.RFC3339, tc.t0)
		if err != nil {
			t.Fatal(err)
		}
		if got := sameLocalDate(t0, tc.loc); got != tc.want {
			t.Errorf("block at %s in %s: %v, want %v", tc.t0, tc.loc, got, tc.want)
		}
	}
}
