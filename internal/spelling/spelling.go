// Package spelling measures how far a name typed by a person is from the
// names revshare knows, for "did you mean" hints (a flag, a column).
package spelling

import "strings"

// EditDistance is the optimal string alignment distance between a and b, in
// bytes: the fewest letters inserted, removed or replaced, or adjacent
// letters swapped, to turn one into the other (Levenshtein's edits plus the
// swap, each letter edited at most once). A swap is the commonest slip of
// fingers on a keyboard, and counted as two replacements it kept "shwo" two
// edits from "show", too far for a hint at four letters. The names it
// compares are short (flags, column headers), so the O(len a × len b) table
// is cheap.
func EditDistance(a, b string) int {
	// Three rows of the table: i−2, i−1 and i.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Nearest returns the names closest to name, a name a person typed that
// is none of them, in the order of names: those the same but for case,
// else those name begins (when it has at least three letters), else those
// within two edits (EditDistance: a swap of two adjacent letters is one),
// and fewer edits than half of name's letters, so that "ab" is not taken
// for "ax". None when nothing is that close.
func Nearest(name string, names []string) []string {
	lower := strings.ToLower(name)
	best, out := 3, []string(nil)
	for _, s := range names {
		ls := strings.ToLower(s)
		var d int
		switch {
		case ls == lower:
			d = 0
		case len(name) >= 3 && strings.HasPrefix(ls, lower):
			d = 1
		default:
			if d = EditDistance(lower, ls); d > 2 || 2*d >= len(name) {
				continue
			}
		}
		if d < best {
			best, out = d, nil
		}
		if d == best {
			out = append(out, s)
		}
	}
	return out
}
