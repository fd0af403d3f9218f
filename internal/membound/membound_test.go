package membound

import (
	"math"
	"runtime/debug"
	"testing"
	"time"
)

func limitNow() int64 { return debug.SetMemoryLimit(-1) }

// noLimit skips a test that needs the process without a memory limit
// (GOMEMLIMIT unset), as Bound then sets its own.
func noLimit(t *testing.T) {
	t.Helper()
	if got := limitNow(); got != math.MaxInt64 {
		t.Skipf("a memory limit of %d is set (GOMEMLIMIT)", got)
	}
}

func TestBoundSetsAndRestores(t *testing.T) {
	noLimit(t)
	release := Bound(100<<20, 85<<20)
	if got := limitNow(); got != 100<<20 {
		t.Fatalf("limit while bound = %d, want %d", got, 100<<20)
	}
	inner := Bound(50<<20, 40<<20) // a second holder shares the first one's bound
	if got := limitNow(); got != 100<<20 {
		t.Fatalf("limit with a second holder = %d, want %d", got, 100<<20)
	}
	inner()
	inner() // twice: counted once
	if got := limitNow(); got != 100<<20 {
		t.Fatalf("limit after the second holder's release = %d, want %d", got, 100<<20)
	}
	release()
	if got := limitNow(); got != math.MaxInt64 {
		t.Fatalf("limit after release = %d, want none", got)
	}
}

func TestBoundKeepsALimitAlreadySet(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(300 << 20))
	release := Bound(100<<20, 85<<20)
	if got := limitNow(); got != 300<<20 {
		t.Fatalf("limit while bound = %d, want GOMEMLIMIT's %d", got, 300<<20)
	}
	release()
	if got := limitNow(); got != 300<<20 {
		t.Fatalf("limit after release = %d, want GOMEMLIMIT's %d", got, 300<<20)
	}
}

// A live heap above the lift removes the limit at the next collection.
func TestBoundLiftedByLiveHeap(t *testing.T) {
	noLimit(t)
	keep := make([]byte, 8<<20) // live across the collections below
	release := Bound(1<<40, 1<<20)
	defer release()
	deadline := time.Now().Add(10 * time.Second)
	for !Lifted() {
		if time.Now().After(deadline) {
			t.Fatal("the bound was not lifted with 8 MB live and a lift of 1 MB")
		}
		debug.FreeOSMemory() // a collection; the finalizer runs after it
		time.Sleep(10 * time.Millisecond)
	}
	if got := limitNow(); got != math.MaxInt64 {
		t.Fatalf("limit once lifted = %d, want none", got)
	}
	keep[0] = 1
	release()
	if got := limitNow(); got != math.MaxInt64 {
		t.Fatalf("limit after release = %d, want none", got)
	}
}

// Below the lift the limit stays through collections.
func TestBoundKeptBelowLift(t *testing.T) {
	noLimit(t)
	release := Bound(1<<40, 1<<40)
	defer release()
	for i := 0; i < 5; i++ {
		debug.FreeOSMemory()
		time.Sleep(10 * time.Millisecond)
	}
	if Lifted() {
		t.Fatal("lifted with a live heap far below the lift")
	}
	if got := limitNow(); got != 1<<40 {
		t.Fatalf("limit = %d, want %d", got, int64(1<<40))
	}
}

func TestLiftFor(t *testing.T) {
	for _, c := range []struct {
		live uint64
		lift int64
		want bool
	}{
		{84 << 20, 85 << 20, false},
		{85 << 20, 85 << 20, false},
		{85<<20 + 1, 85 << 20, true},
	} {
		if got := liftFor(c.live, c.lift); got != c.want {
			t.Errorf("liftFor(%d, %d) = %v, want %v", c.live, c.lift, got, c.want)
		}
	}
}
