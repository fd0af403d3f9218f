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
}

// usageFacts are usage import entries as journalFacts keeps them: 32 bytes
// each (1M at 1M per-event imports), their account and currency an index
// in names, where a usageEntry takes 56.
type usageFacts struct {
	rows      []usageFact
	names     []acctName        // by index
	nameIndex map[acctCur]int32 // the index of each of names
}

type usageFact struct {
	id     int64
	amount string
	name   int32 // in names
}

// acctName is an account and currency of usageFacts.
type acctName struct{ currency, account string }

// entry returns row i as a usageEntry.
func (u *usageFacts) entry(i int) usageEntry {
	r := &u.rows[i]
	n := &u.names[r.name]
	return usageEntry{r.id, r.amount, n.currency, n.account}
}

// add appends entry id's first posting p.
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
	u.rows = append(u.rows, usageFact{id, p.amount, i})
}

type journalFactsKey struct{}

// withJournalFacts returns ctx carrying new journalFacts for the checks.
func withJournalFacts(ctx context.Context) (context.Context, *journalFacts) {
	f := &journalFacts{done: make(chan struct{})}
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
		f.ok = ok
		close(f.done)
	})
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
