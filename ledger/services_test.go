package ledger

import (
	"strings"
	"testing"
)

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

// TestEventsInOrder: EventsByID's rule, which both backends end with (the
// storetest suite checks it through each): the order given, an ID given
// twice twice, none for no IDs, and the first missing ID named.
func TestEventsInOrder(t *testing.T) {
	byID := map[int64]Event{1: {ID: 1, EventID: "a"}, 2: {ID: 2, EventID: "b"}, 5: {ID: 5, EventID: "e"}}
	got, err := EventsInOrder([]int64{5, 2, 5, 1}, byID)
	var ids []string
	for _, e := range got {
		ids = append(ids, e.EventID)
	}
	if err != nil || strings.Join(ids, " ") != "e b e a" {
		t.Errorf("EventsInOrder(5 2 5 1) = %q, %v; want e b e a", ids, err)
	}
	if got, err := EventsInOrder(nil, byID); err != nil || got == nil || len(got) != 0 {
		t.Errorf("EventsInOrder(none) = %#v, %v; want an empty list", got, err)
	}
	_, err = EventsInOrder([]int64{1, 99, 98}, byID)
	if ErrorCode(err) != ENOTFOUND || ErrorMessage(err) != "event 99 not found" {
		t.Errorf("EventsInOrder(1 99 98): %v, want ENOTFOUND: event 99 not found", err)
	}
}
