package spelling

import "testing"

func TestEditDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"through", "through", 0},
		{"evntid", "eventid", 1},   // a letter left out
		{"amout", "amount", 1},     // one missing
		{"sorce", "source", 1},     // one missing
		{"ammount", "amount", 1},   // one doubled
		{"chanel", "channel", 1},   // one missing
		{"sellre", "seller", 2},    // two swapped: two replacements
		{"currency", "curency", 1}, // removed
		{"thru", "through", 3},
		{"kitten", "sitting", 3},
	} {
		if got := EditDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := EditDistance(tc.b, tc.a); got != tc.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d (symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}
