package ledger

import "testing"

func TestStorePageLimit(t *testing.T) {
	for _, tc := range []struct{ limit, want int }{
		{0, 10000},
		{-1, 10000},
		{1, 1},
		{9999, 9999},
		{10000, 10000},
		{10001, 10000},
	} {
		if got := StorePageLimit(tc.limit); got != tc.want {
			t.Errorf("StorePageLimit(%d) = %d, want %d", tc.limit, got, tc.want)
		}
	}
}
