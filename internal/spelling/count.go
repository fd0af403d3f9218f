package spelling

import "strconv"

// Count is n followed by the word for n things, singular for exactly one:
// Count(1, "entry", "entries") is "1 entry", Count(3, …) "3 entries", and
// Count(0, …) "0 entries". Every count revshare prints in a sentence goes
// through it; "1 entries booked" read as a slip in the first hour.
func Count[N ~int | ~int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(int64(n), 10) + " " + many
}
