package spelling

import (
	"strings"
	"testing"
)

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
		{"sellre", "seller", 1},    // two adjacent letters swapped: one edit
		{"shwo", "show", 1},        // swapped at the end
		{"hsow", "show", 1},        // swapped at the start
		{"ab", "ba", 1},            // the whole name swapped
		{"abc", "ca", 3},           // optimal string alignment: a swapped pair is not edited again (true Damerau distance 2)
		{"amuont", "amount", 1},    // swapped in the middle
		{"amonut", "amount", 1},    // swapped, another pair
		{"anoumt", "amount", 2},    // not adjacent: two replacements
		{"hswo", "show", 2},        // two swaps
		{"evnetid", "eventid", 1},  // swapped
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

func TestNearest(t *testing.T) {
	formats := []string{"hledger", "ledger", "beancount"}
	for _, tc := range []struct {
		name  string
		names []string
		want  string
	}{
		{"hledgr", formats, "hledger"},
		{"HLEDGER", formats, "hledger"},
		{"led", formats, "ledger"},
		{"bean", formats, "beancount"},
		{"gnucash", formats, ""},
		{"ab", []string{"ax", "abc"}, ""},                                      // too short for a prefix, one edit of two letters is not a likeness
		{"usage", []string{"usage.csv", "usage2.csv"}, "usage.csv usage2.csv"}, // both begin with it
		{"usgae.csv", []string{"usage.csv", "rates.csv"}, "usage.csv"},
		{"shwo", []string{"add", "list", "show", "update"}, "show"}, // a swap is one edit, under half of four letters
		{"lsit", []string{"add", "list", "show", "update"}, "list"},
		{"dda", []string{"add", "list", "show", "update"}, ""}, // two edits of three letters: too far
		{"hsow", []string{"show", "shop"}, "show"},
		{"udpate", []string{"add", "list", "show", "update"}, "update"},
	} {
		if got := strings.Join(Nearest(tc.name, tc.names), " "); got != tc.want {
			t.Errorf("Nearest(%q, %q) = %q, want %q", tc.name, tc.names, got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{
		{0, "0 entries"},
		{1, "1 entry"},
		{2, "2 entries"},
		{-1, "-1 entries"},
		{1000000, "1000000 entries"},
	} {
		if got := Count(tc.n, "entry", "entries"); got != tc.want {
			t.Errorf("Count(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	if got := Count(int64(1), "prior-period adjustment", "prior-period adjustments"); got != "1 prior-period adjustment" {
		t.Errorf("int64: %q", got)
	}
}
