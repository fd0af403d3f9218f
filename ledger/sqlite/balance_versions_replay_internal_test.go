package sqlite

import (
	"slices"
	"testing"
)

// TestVersionReplayReused checks that replaying one account after another
// with the same versionReplay (sameVersions keeps its buffers from one
// account to the next) gives each account's own rows, exactly: the first
// account has a back-dated version, which rewrites the sums of the dates
// after it, the second two postings on one date.
func TestVersionReplayReused(t *testing.T) {
	history := func(segs []versionSeg, days ...[2]int64) *accountHistory {
		a := &accountHistory{ver: versionTrack{segs: segs}}
		for i, d := range days {
			a.days.appendDay(int32(d[0]))
			a.days.add(i, 1, &limbs{1: d[1]})
		}
		return a
	}
	a := history([]versionSeg{{start: 0, entry: 10, last: 10}, {start: 2, entry: 20, last: 20}},
		[2]int64{20240102, 5}, [2]int64{20240105, 7}, [2]int64{20240103, 1})
	b := history([]versionSeg{{start: 0, entry: 30, last: 30}},
		[2]int64{20240201, 2}, [2]int64{20240201, 3})
	wantA := []versionRow{{20240102, 10, limbs{1: 5}}, {20240103, 20, limbs{1: 6}},
		{20240105, 10, limbs{1: 12}}, {20240105, 20, limbs{1: 13}}}
	wantB := []versionRow{{20240201, 30, limbs{1: 5}}}
	var r versionReplay
	if got := r.replay(a); !slices.Equal(got, wantA) {
		t.Fatalf("first account: %v, want %v", got, wantA)
	}
	if got := r.replay(b); !slices.Equal(got, wantB) {
		t.Fatalf("second account after the first: %v, want %v", got, wantB)
	}
	if got := r.replay(a); !slices.Equal(got, wantA) {
		t.Fatalf("first account again: %v, want %v", got, wantA)
	}
}
