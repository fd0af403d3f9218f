package bookcopy

import (
	"fmt"
	"testing"
)

// firstDifference hands count the copy's length first and item the source's
// item first, as Check's messages need.
func TestFirstDifference(t *testing.T) {
	same := func(s, d int) bool { return s == d }
	count := func(dstN, srcN int) error { return fmt.Errorf("copy %d, source %d", dstN, srcN) }
	item := func(i, s, d int) error { return fmt.Errorf("item %d: source %d, copy %d", i, s, d) }
	tests := []struct {
		src, dst []int
		want     string
	}{
		{nil, nil, "<nil>"},
		{[]int{1, 2}, []int{1, 2}, "<nil>"},
		{[]int{1, 2}, []int{1, 2, 3}, "copy 3, source 2"},
		{[]int{1, 2, 3}, []int{1, 5, 6}, "item 1: source 2, copy 5"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(firstDifference(tt.src, tt.dst, same, count, item)); got != tt.want {
			t.Errorf("firstDifference(%v, %v) = %s, want %s", tt.src, tt.dst, got, tt.want)
		}
	}
}
