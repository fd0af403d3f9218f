package sqlite

import "testing"

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
	var d daySum
	small, big := limbs{1, 2, 3}, limbs{0, 0, 0, 4, 0, 0, 0, 5}
	d.add(1, &small)
	if d.high != nil {
		t.Errorf("high limbs stored for %v", small)
	}
	d.add(1, &big)
	var m daySum
	m.addSum(&d)
	if want := (limbs{1, 2, 3, 4, 0, 0, 0, 5}); m.n != 2 || *m.limbs() != want {
		t.Errorf("sum = %d postings, %v; want 2, %v", m.n, *m.limbs(), want)
	}
}
