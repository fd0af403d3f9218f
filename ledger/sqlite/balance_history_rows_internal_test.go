package sqlite

import (
	"math"
	"sort"
	"testing"
	"unsafe"
)

// TestHistRowSums checks that a transaction's history rows give back
// exactly the count and limbs they were given, held inline (a count and
// three low limbs that fit 32 bits, the limbs above zero) or in the
// history's wide sums (anything else), through merge (which renumbers the
// wide sums and the currencies) and reset; and that a row is 40 bytes
// without a pointer.
func TestHistRowSums(t *testing.T) {
	if got := unsafe.Sizeof(histRow{}); got != 40 {
		t.Fatalf("histRow is %d bytes, want 40", got)
	}
	type in struct {
		account int64
		cur     string
		date    int32
		s       histSum
		wide    bool
	}
	rows := []in{
		{1, "USD", 20240101, histSum{n: 1, l: limbs{10_000_000, 0, 7919}, last: 3}, false},
		{2, "EUR", 20240102, histSum{n: 2, l: limbs{-999_999_999, -999_999_999, -1_999_999_998}, last: 4}, false},
		{3, "USD", 20240103, histSum{n: 3, l: limbs{0, 0, 2_999_999_997}, last: 5}, true},                       // l2 past 2^31-1
		{4, "USD", 20240104, histSum{n: 1, l: limbs{0, 0, math.MinInt32 - 1}, last: 6}, true},                   // l2 below -2^31
		{5, "EUR", 20240105, histSum{n: 1, l: limbs{1, 2, 3, 4}, last: 7}, true},                                // l3 not zero
		{6, "USD", 20240106, histSum{n: math.MaxInt32 + 1, l: limbs{1}, last: 8}, true},                         // count past 2^31-1
		{7, "USD", 20240107, histSum{n: math.MaxInt32, l: limbs{math.MaxInt32, math.MinInt32}, last: 9}, false}, // the edges
		{8, "JPY", 20240108, histSum{n: 1, l: limbs{7: -5}, last: 10}, true},
	}
	check := func(t *testing.T, h *txHistory, want []in) {
		t.Helper()
		if h.n != len(want) {
			t.Fatalf("%d rows, want %d", h.n, len(want))
		}
		wide := 0
		for i, w := range want {
			r := h.row(i)
			n, l := h.sums(r)
			if r.account != w.account || h.curs[r.cur] != w.cur || r.date != w.date || r.last != w.s.last || n != w.s.n || l != w.s.l {
				t.Errorf("row %d: account %d, %s, %d, last %d, n %d, limbs %v; want %d, %s, %d, last %d, n %d, limbs %v",
					i, r.account, h.curs[r.cur], r.date, r.last, n, l, w.account, w.cur, w.date, w.s.last, w.s.n, w.s.l)
			}
			if (r.n < 0) != w.wide {
				t.Errorf("row %d: wide %v, want %v", i, r.n < 0, w.wide)
			}
			if w.wide {
				wide++
			}
		}
		if len(h.wide) != wide {
			t.Errorf("%d wide sums, want %d", len(h.wide), wide)
		}
	}
	var call txHistory
	for _, r := range rows {
		call.add(r.account, r.cur, r.date, &r.s)
	}
	check(t, &call, rows)
	if want := []string{"USD", "EUR", "JPY"}; len(call.curs) != 3 || call.curs[0] != want[0] || call.curs[1] != want[1] || call.curs[2] != want[2] {
		t.Fatalf("currencies %q, want %q", call.curs, want)
	}

	// The transaction's history already holds a wide row and other
	// currencies: merged rows get their own wide sums and currency numbers.
	var tx txHistory
	first := []in{
		{9, "JPY", 20231231, histSum{n: 5, l: limbs{6: 1}, last: 2}, true},
		{9, "GBP", 20231231, histSum{n: 1, l: limbs{1, 1, 1}, last: 2}, false},
	}
	for _, r := range first {
		tx.add(r.account, r.cur, r.date, &r.s)
	}
	tx.merge(&call)
	check(t, &tx, append(append([]in{}, first...), rows...))
	if call.n != 0 || len(call.wide) != 0 || len(call.curs) != 0 {
		t.Errorf("merged call keeps %d rows, %d wide sums, %d currencies; want none", call.n, len(call.wide), len(call.curs))
	}

	// Reset keeps the blocks; the rows added after it start from nothing.
	blocks := len(tx.blocks)
	tx.reset()
	tx.add(1, "EUR", 20240201, &histSum{n: 4, l: limbs{3: 1}, last: 11})
	check(t, &tx, []in{{1, "EUR", 20240201, histSum{n: 4, l: limbs{3: 1}, last: 11}, true}})
	if len(tx.blocks) != blocks {
		t.Errorf("%d blocks after reset, want %d", len(tx.blocks), blocks)
	}

	// Past one block, rows sort by account, currency and date.
	var many txHistory
	for i := range 2*histBlock + 3 {
		many.add(int64(2*histBlock+3-i), "USD", 20240101+int32(i%28), &histSum{n: 1, l: limbs{int64(i)}, last: int64(i + 1)})
	}
	sort.Sort(&many)
	for i := range many.n {
		r := many.row(i)
		n, l := many.sums(r)
		want := 2*histBlock + 3 - 1 - i // the row added for account i+1
		if r.account != int64(i+1) || n != 1 || l != (limbs{int64(want)}) || r.last != int64(want+1) {
			t.Fatalf("sorted row %d: account %d, n %d, limbs %v, last %d; want account %d, n 1, limbs [%d], last %d",
				i, r.account, n, l, r.last, i+1, want, want+1)
		}
	}
}
