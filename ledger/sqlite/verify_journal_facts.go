package sqlite

import (
	"context"
	"errors"
	"sync"
)

// journalFacts carries what the journal scan gathers to the checks that
// run after it in verify's snapshot: the usage import entries, which
// verifyEventsAndIndex matches with the import groups instead of joining
// every group to its entry, posting and account again (4.7 s of CPU at 1M
// entries; docs/design/speed.md, section 4). They are published when the
// scan has checked every entry, before the balance history's check.
type journalFacts struct {
	once  sync.Once
	done  chan struct{} // closed by publish
	ok    bool          // the scan checked every entry without a violation
	usage usageFacts    // the usage import entries, in ID order
	maxID int64         // the journal's last entry ID, when known

	// What the scan has checked so far (progress), for the events task to
	// match the import groups while both scans run (groupStream): the
	// usage facts of the entries up to through, as of then.
	mu       sync.Mutex
	cond     *sync.Cond // broadcast on progress and publish
	sofar    usageFacts
	through  int64
	finished bool // published
}

// usageFacts are usage import entries as journalFacts keeps them: 24
// bytes each (1M at 1M per-event imports), their account and currency an
// index in names, their amount the posting's limbs as units of 10^-9 while
// it has no others (any amount of up to nine integer and nine fractional
// digits), where a usageEntry takes 56 and its amount's text 16 more
// (docs/design/speed.md, section 4, session 15). An amount with other
// limbs keeps its text, in wide.
type usageFacts struct {
	rows      []usageFact
	names     []acctName        // by index
	nameIndex map[acctCur]int32 // the index of each of names
	wide      []string          // the amounts of the rows that keep their text
}

type usageFact struct {
	id int64
	// The amount in units of 10^-9 (name >= 0); or its text's index in
	// wide (name < 0).
	units int64
	name  int32 // in names; -1 - the index when the amount is wide
}

// acctName is an account and currency of usageFacts.
type acctName struct{ currency, account string }

// entry returns row i as a usageEntry: its amount as units of 10^-9
// (unitsOK), or as its text when it is wide.
func (u *usageFacts) entry(i int) usageEntry {
	r := &u.rows[i]
	name, units, unitsOK, amount := r.name, r.units, true, ""
	if name < 0 {
		name, units, unitsOK, amount = -1-name, 0, false, u.wide[r.units]
	}
	n := &u.names[name]
	return usageEntry{id: r.id, amount: amount, units: units, unitsOK: unitsOK, currency: n.currency, account: n.account}
}

// add appends entry id's first posting p (checked: its amount's limbs are
// p.l, and the amount is p.l's value).
func (u *usageFacts) add(id int64, p *rawPosting) {
	k := acctCur{p.accountID, p.currency}
	i, ok := u.nameIndex[k]
	if !ok || u.names[i].account != p.account.String {
		if u.nameIndex == nil {
			u.nameIndex = map[acctCur]int32{}
		}
		i = int32(len(u.names))
		u.names = append(u.names, acctName{p.currency, p.account.String})
		u.nameIndex[k] = i
	}
	l := &p.l
	if l[0] == 0 && [limbCount - 3]int64(l[3:]) == ([limbCount - 3]int64{}) {
		// l[1] and l[2] have nine digits each: l[2]*10^9 + l[1] fits.
		u.rows = append(u.rows, usageFact{id, l[2]*1e9 + l[1], i})
		return
	}
	u.rows = append(u.rows, usageFact{id, int64(len(u.wide)), -1 - i})
	u.wide = append(u.wide, p.amount)
}

type journalFactsKey struct{}

// withJournalFacts returns ctx carrying new journalFacts for the checks.
func withJournalFacts(ctx context.Context) (context.Context, *journalFacts) {
	f := &journalFacts{done: make(chan struct{})}
	f.cond = sync.NewCond(&f.mu)
	return context.WithValue(ctx, journalFactsKey{}, f), f
}

// factsOf returns the journalFacts ctx carries, or nil.
func factsOf(ctx context.Context) *journalFacts {
	f, _ := ctx.Value(journalFactsKey{}).(*journalFacts)
	return f
}

// publish hands the facts to the waiting checks (the first call only); ok
// false says the scan stopped at a violation or an error, which verify
// reports: the journal's check comes before theirs.
func (f *journalFacts) publish(ok bool) {
	if f == nil {
		return
	}
	f.once.Do(func() {
		f.mu.Lock()
		f.ok, f.finished = ok, true
		f.sofar = f.usage
		f.mu.Unlock()
		f.cond.Broadcast()
		close(f.done)
	})
}

// progress says that the scan has checked every entry up to id, its usage
// facts added.
func (f *journalFacts) progress(id int64) {
	if f == nil {
		return
	}
	f.mu.Lock()
	// The rows, names and wide amounts up to their lengths now are not
	// written again: a reader of this copy of their headers reads them
	// while the scan appends.
	f.sofar = f.usage
	f.sofar.nameIndex = nil // the scan's own
	f.through = id
	f.mu.Unlock()
	f.cond.Broadcast()
}

// sofarFacts returns the usage facts the scan has published and the last
// entry they cover, after waiting until they cover entry id if wait (or
// the scan ended, finished, or ctx is done); ok is the scan's verdict
// once finished.
func (f *journalFacts) sofarFacts(ctx context.Context, id int64, wait bool) (u usageFacts, through int64, finished, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for wait && f.through < id && !f.finished && ctx.Err() == nil {
		f.cond.Wait()
	}
	return f.sofar, f.through, f.finished, f.ok
}

// add records an entry that passed the journal's checks if it is a usage
// import entry.
func (f *journalFacts) add(r *rawEntry, kind string) {
	if f == nil || r.source != EntrySourceImport || kind != "usage" {
		return
	}
	if f.usage.rows == nil && f.maxID >= r.id {
		// Room for every entry left at the first: where usage imports post
		// one entry per event, growing the slice by appending cost 0.4 s
		// of verify's CPU at 1M entries.
		f.usage.rows = make([]usageFact, 0, f.maxID-r.id+1)
	}
	f.usage.add(r.id, &r.postings[0])
}

// errJournalFailed is what a check waiting for the facts returns when the
// journal scan failed: verify reports the journal's violation instead.
var errJournalFailed = errors.New("verify: the journal check failed")

// wait returns the usage import entries once the journal scan has
// published them.
func (f *journalFacts) wait(ctx context.Context) (*usageFacts, error) {
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if !f.ok {
		return nil, errJournalFailed
	}
	return &f.usage, nil
}
