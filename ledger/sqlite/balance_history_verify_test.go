package sqlite

import (
	"math"
	"slices"
	"testing"
)

// TestDaySumKeys: the compact day and month keys of the recomputed balance
// history read back as the stored dates, and a day's sum keeps the limbs
// beyond 10^9.
func TestDaySumKeys(t *testing.T) {
	for _, date := range []string{"2024-06-15", "0999-01-09", "9999-12-31"} {
		n := dateNumber(date)
		if got := dateText(n, false); got != date {
			t.Errorf("dateText(dateNumber(%s)) = %s", date, got)
		}
		if got := dateText(n/100, true); got != date[:7] {
			t.Errorf("month of %s = %s", date, got)
		}
	}
	var d daySums
	d.appendDay(20240615)
	small, big := limbs{0, 2, 3}, limbs{0, 0, 0, 4, 0, 0, 0, 5}
	d.add(0, 1, &small)
	if len(d.wide) != 0 {
		t.Errorf("a wide day stored for %v", small)
	}
	d.add(0, 1, &big)
	var m daySums
	m.appendDay(202406)
	m.addDay(0, &d, 0)
	if n, l := m.sum(0); n != 2 || l != (limbs{0, 2, 3, 4, 0, 0, 0, 5}) {
		t.Errorf("sum = %d postings, %v; want 2, %v", n, l, limbs{0, 2, 3, 4, 0, 0, 0, 5})
	}
}

// TestDaySumsExact: a day's sums stay exact when they leave the compact
// form (a limb past an int32, l0, the high limbs, a negative amount, a
// count past an int32) and when days are merged.
func TestDaySumsExact(t *testing.T) {
	adds := []struct {
		n int64
		l limbs
	}{
		{1, limbs{0, 999_999_999, 999_999_999}},
		{1, limbs{0, 999_999_999, 999_999_999}},
		{1, limbs{0, 999_999_999, 999_999_999}}, // l1 and l2 past an int32
		{1, limbs{0, -1, -5}},
		{1, limbs{1, 0, 0}}, // 10^-18
		{1, limbs{0, 0, 0, 0, 0, 0, 0, 999_999_999}},
		{1, limbs{-999_999_999, -999_999_999, -999_999_999, -999_999_999, -999_999_999, -999_999_999, -999_999_999, -999_999_999}},
		{math.MaxInt32, limbs{}},
	}
	for start := range adds {
		var d daySums
		var wantN int64
		var want limbs
		d.appendDay(20240101)
		for _, a := range adds[start:] {
			d.add(0, a.n, &a.l)
			wantN += a.n
			want.add(a.l)
			if n, l := d.sum(0); n != wantN || l != want {
				t.Fatalf("from add %d: sum = %d, %v; want %d, %v", start, n, l, wantN, want)
			}
		}
	}
	// Merging: days of one date, compact and wide, out of order.
	var d daySums
	var want limbs
	for i, a := range adds[:6] {
		d.appendDay(20240102 - int32(i%2))
		d.add(i, a.n, &a.l)
		if i%2 == 1 {
			want.add(a.l)
		}
	}
	posted := slices.Clone(d.d)
	merged := mergedDays(&d)
	if len(merged.d) != 2 || merged.d[0].date != 20240101 {
		t.Fatalf("merged days %v", merged.d)
	}
	if n, l := merged.sum(0); n != 3 || l != want {
		t.Errorf("merged sum = %d, %v; want 3, %v", n, l, want)
	}
	if !slices.Equal(d.d, posted) {
		t.Errorf("merging changed the days in posting order: %v, was %v", d.d, posted)
	}
	if again := mergedDays(merged); again != merged {
		t.Errorf("days in date order were copied")
	}
	m := sumMonths(merged)
	var all limbs
	for _, a := range adds[:6] {
		all.add(a.l)
	}
	if n, l := m.sum(0); len(m.d) != 1 || n != 6 || l != all {
		t.Errorf("month sum = %d, %v; want 6, %v", n, l, all)
	}
}
