// Package membound bounds the Go heap of a one-shot command whose live heap
// is small beside what the collector's default pacing lets it grow to.
//
// With GOGC=100 the heap grows to about twice the live heap before each
// collection. An import of 50,000 sellers (200,000 new accounts in one
// transaction) holds 60–80 MB live and so reaches 130–150 MB of heap, beside
// SQLite's 64 MiB import cache (docs/design/speed.md, section 2, session 17).
// A soft memory limit (runtime/debug.SetMemoryLimit) makes the collector run
// before the heap reaches it instead; Bound sets one for the length of a
// command and lifts it when the live heap comes too close to it, where the
// collector would run every few megabytes (or, past it, continuously).
package membound

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The bound is process-wide; callers in one process (the CLI's tests run
// commands side by side) share it: the first sets it, the last restores it.
var state struct {
	mu      sync.Mutex
	holders int
	prev    int64 // the limit before the first holder
	limit   int64 // the limit set, or math.MaxInt64 once lifted
	lift    int64
}

// Bound sets a soft memory limit of limit bytes for the Go runtime until
// release is called, unless a limit is already set (GOMEMLIMIT, or the
// program's own): then it does nothing. After each collection, once the
// live heap exceeds lift bytes, the limit is removed for the rest of the
// command (the heap then follows GOGC alone, as without Bound), so a live
// heap larger than the limit never makes the collector run continuously.
func Bound(limit, lift int64) (release func()) {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.holders == 0 {
		cur := debug.SetMemoryLimit(-1)
		if cur != math.MaxInt64 {
			return func() {}
		}
		state.prev, state.limit, state.lift = cur, limit, lift
		debug.SetMemoryLimit(limit)
		watch()
	}
	state.holders++
	var once sync.Once
	return func() {
		once.Do(func() {
			state.mu.Lock()
			defer state.mu.Unlock()
			if state.holders--; state.holders == 0 {
				debug.SetMemoryLimit(state.prev)
				state.limit = 0
			}
		})
	}
}

// Lifted reports whether the live heap outgrew the current bound (for tests).
func Lifted() bool {
	state.mu.Lock()
	defer state.mu.Unlock()
	return state.holders > 0 && state.limit == math.MaxInt64
}

// watch runs check after every collection while a bound is held: a
// finalizer on an unreachable object runs after the cycle that found it,
// and arms the next one.
func watch() {
	runtime.SetFinalizer(&sentinel{}, func(*sentinel) {
		if check() {
			watch()
		}
	})
}

// sentinel is larger than the tiny allocator's 16 bytes, so that it is an
// object of its own (a finalizer on a tiny object may never run).
type sentinel struct{ _ [32]byte }

var liveSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// check lifts the limit if the live heap exceeds the lift; it reports
// whether to keep watching.
func check() bool {
	state.mu.Lock()
	defer state.mu.Unlock()
	if state.holders == 0 || state.limit == math.MaxInt64 {
		return false
	}
	metrics.Read(liveSample)
	if liveSample[0].Value.Kind() == metrics.KindUint64 && liftFor(liveSample[0].Value.Uint64(), state.lift) {
		state.limit = math.MaxInt64
		debug.SetMemoryLimit(math.MaxInt64)
		return false
	}
	return true
}

// liftFor reports whether a live heap of live bytes is too close to the
// bound to keep it.
func liftFor(live uint64, lift int64) bool { return live > uint64(lift) }
