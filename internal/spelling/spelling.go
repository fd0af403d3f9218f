// Package spelling measures how far a name typed by a person is from the
// names revshare knows, for "did you mean" hints (a flag, a column).
package spelling

// EditDistance is the Levenshtein distance between a and b, in bytes: the
// fewest letters inserted, removed or replaced to turn one into the other.
// The names it compares are short (flags, column headers), so the O(len a ×
// len b) table is cheap.
func EditDistance(a, b string) int {
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
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
