package sqlite

import (
	"context"
	"database/sql"
	"math"
	"sync/atomic"
)

// groupStream matches the import groups with the events while verify's
// events task scans them, instead of holding every group's sum until the
// journal's scan has published its usage import entries: each stored group
// (import_groups read in entry order beside the events) is checked, and
// its sum dropped, once the events scan has passed its last event and the
// journal's scan its entry (journalFacts.progress). Only the groups whose
// events are still coming are held: about none where each event has its
// own entry, where holding all of them took 53 MB at 1M events, the
// largest part of verify's peak (docs/design/speed.md, section 4, session
// 15). The events scan waits for the journal's when it is openMax groups
// ahead of it.
//
// The stream proves that the groups are right or finds that something
// differs (a group's sum, count or range, an entry that is not a usage
// import entry, a usage entry without a group, a group left, an event of a
// group already checked, a read error): then verify scans the events again
// and checks the groups as before (scanEvents without the stream, then
// checkGroupsWith), which names the first violation in the same words.
type groupStream struct {
	ctx   context.Context
	facts *journalFacts
	s     *eventScan
	rows  *sql.Rows // import_groups by entry
	dest  []any
	ints  intScan
	row   groupRow // the stored group read, pending while have
	have  bool
	eof   bool

	windows   map[int64]*groupWindow // per batch, its groups' sums
	window    *groupWindow           // the last event's batch's
	windowID  int64
	open      int // groups with events not yet checked
	scratch   groupSum
	scanned   int64 // every event up to it scanned
	scanDone  bool
	usage     usageFacts // the journal's usage facts so far
	through   int64      // the journal's entries checked so far
	finished  bool       // the journal's scan has ended
	journalOK bool
	next      int // usage.rows[:next] have entry IDs up to the last group's

	differs bool  // the groups are to be checked again the old way
	err     error // the stream stopped (ctx)
	stop    func() bool
	maxHeld int // the most group sums a window held at once (for the tests)
}

// groupStreamStats counts, for the tests, the streams that found
// something differ (verify checked the groups again the old way) and the
// most group sums the last stream's windows held at once.
var groupStreamStats struct{ fallbacks, maxHeld atomic.Int64 }

// openMax is how many groups the events scan holds open before it waits
// for the journal's scan.
const openMax = 1 << 16

// groupWindow holds one batch's group sums: groups lo, lo+1, ... in
// arr[start:] (events takenEvents: checked; 0: none yet), those far past
// them in other. Every group below lo was checked, or had no events when
// the groups after it were.
type groupWindow struct {
	lo         int64
	arr        []groupSum
	start      int
	other      map[int64]*groupSum
	takenOther map[int64]bool
}

// takenEvents marks a group sum checked.
const takenEvents = -1

func newGroupStream(ctx context.Context, tx *sql.Tx, facts *journalFacts, s *eventScan) (*groupStream, error) {
	rows, err := tx.QueryContext(ctx, `SELECT batch_id, group_no, entry_id, first_event, last_event, events FROM import_groups ORDER BY entry_id`)
	if err != nil {
		return nil, err
	}
	st := &groupStream{ctx: ctx, facts: facts, s: s, rows: rows, windows: map[int64]*groupWindow{}}
	g := &st.row
	st.dest = st.ints.bind([]any{&g.id.batch, &g.id.group, &g.entryID, &g.first, &g.last, &g.count})
	// A cancelled ctx wakes the scan if it waits for the journal's.
	st.stop = context.AfterFunc(ctx, func() {
		facts.mu.Lock()
		facts.mu.Unlock()
		facts.cond.Broadcast()
	})
	return st, nil
}

func (st *groupStream) close() {
	st.stop()
	st.rows.Close()
}

// group returns the sum of group n of batch, made if new.
func (st *groupStream) group(batch, n int64) *groupSum {
	if st.window == nil || st.windowID != batch {
		w := st.windows[batch]
		if w == nil {
			w = &groupWindow{}
			st.windows[batch] = w
		}
		st.window, st.windowID = w, batch
	}
	w := st.window
	i := n - w.lo
	if n >= w.lo && !w.takenOther[n] {
		if i < int64(len(w.arr)-w.start) {
			if g := &w.arr[w.start+int(i)]; g.events != takenEvents {
				return st.opened(g)
			}
		} else if i <= 2*int64(len(w.arr)-w.start)+1024 && w.other == nil {
			if w.start > 0 && w.start >= len(w.arr)-w.start {
				w.arr = w.arr[:copy(w.arr, w.arr[w.start:])]
				w.start = 0
			}
			for int64(len(w.arr)-w.start) <= i {
				w.arr = append(w.arr, groupSum{})
			}
			return st.opened(&w.arr[w.start+int(i)])
		} else {
			g := w.other[n]
			if g == nil {
				if w.other == nil {
					w.other = map[int64]*groupSum{}
				}
				g = &groupSum{}
				w.other[n] = g
			}
			return st.opened(g)
		}
	}
	// An event of a group already checked.
	st.differs = true
	st.scratch = groupSum{}
	return &st.scratch
}

// opened counts g open if it is new.
func (st *groupStream) opened(g *groupSum) *groupSum {
	if g.events == 0 {
		st.open++
		w := st.window
		st.maxHeld = max(st.maxHeld, len(w.arr)-w.start+len(w.other))
	}
	return g
}

// groupOf returns the sum of a stored group, nil if it has none.
func (st *groupStream) groupOf(id groupID) *groupSum {
	w := st.windows[id.batch]
	if w == nil || id.group < w.lo {
		return nil
	}
	if i := id.group - w.lo; i < int64(len(w.arr)-w.start) {
		if g := &w.arr[w.start+int(i)]; g.events != takenEvents {
			return g
		}
		return nil
	}
	return w.other[id.group]
}

// take drops a checked group's sum.
func (st *groupStream) take(id groupID, g *groupSum) {
	st.open--
	w := st.windows[id.batch]
	if g2 := w.other[id.group]; g2 == g {
		delete(w.other, id.group)
		if w.takenOther == nil {
			w.takenOther = map[int64]bool{}
		}
		w.takenOther[id.group] = true
		return
	}
	*g = groupSum{events: takenEvents}
	// The window starts at its first open group: the numbers before it
	// with no events (an import numbers its groups from 1) count as
	// checked, so that an event of one is checked the old way.
	for w.start < len(w.arr) && w.arr[w.start].events <= 0 {
		w.start++
		w.lo++
	}
}

// advance checks the stored groups that the events up to scanned (all of
// them once scanDone) and the journal's entries so far allow.
func (st *groupStream) advance(scanned int64) {
	st.scanned = scanned
	for !st.differs && st.err == nil && (!st.finished || st.journalOK) {
		if !st.have {
			if st.eof || !st.read() {
				return
			}
		}
		if st.row.last > st.scanned && !st.scanDone {
			return // its events may be coming
		}
		if st.row.entryID > st.through && !st.finished {
			wait := st.scanDone || st.open >= openMax
			st.usage, st.through, st.finished, st.journalOK = st.facts.sofarFacts(st.ctx, st.row.entryID, wait)
			if err := st.ctx.Err(); err != nil {
				st.err = err
				return
			}
			if st.row.entryID > st.through && !st.finished {
				if wait {
					continue
				}
				return
			}
			continue
		}
		st.check()
		st.have = false
	}
}

// read reads the next stored group.
func (st *groupStream) read() bool {
	if !st.rows.Next() {
		st.eof = true
		if st.rows.Err() != nil {
			st.differs = true
		}
		return false
	}
	if err := st.rows.Scan(st.dest...); err != nil {
		st.differs = true
		return false
	}
	if err := st.ints.set(st.rows); err != nil {
		st.differs = true
		return false
	}
	st.have = true
	return true
}

// check checks the stored group read as checkGroupsWith does.
func (st *groupStream) check() {
	r := st.row
	usage := st.usage.rows
	if st.next < len(usage) && usage[st.next].id < r.entryID {
		st.differs = true // a usage entry without a group
		return
	}
	switch {
	case st.next < len(usage) && usage[st.next].id == r.entryID:
		r.entry = st.usage.entry(st.next)
		st.next++
	case st.next > 0 && usage[st.next-1].id == r.entryID:
		r.entry = st.usage.entry(st.next - 1)
	}
	if err := st.s.checkGroup(&r); err != nil {
		st.differs = true
	}
}

// finish checks the stored groups left once every event is scanned, and
// that no usage entry or group of events is left. It returns
// errJournalFailed if the journal's scan failed, and whether the groups
// are to be checked again the old way.
func (st *groupStream) finish() (differs bool, err error) {
	st.scanDone = true
	st.advance(math.MaxInt64)
	if st.err != nil {
		return false, st.err
	}
	if !st.finished {
		st.usage, st.through, st.finished, st.journalOK = st.facts.sofarFacts(st.ctx, math.MaxInt64, true)
		if err := st.ctx.Err(); err != nil {
			return false, err
		}
	}
	if !st.journalOK {
		return false, errJournalFailed
	}
	groupStreamStats.maxHeld.Store(int64(st.maxHeld))
	if st.differs || st.open != 0 || st.next < len(st.usage.rows) || !st.eof {
		return true, nil
	}
	return false, nil
}
