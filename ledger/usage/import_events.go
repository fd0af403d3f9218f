package usage

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/revshare/revshare/ledger"
)

// storePending stores the waiting rows: new events are inserted and
// counted in their groups; a stored key is a duplicate (same digest) or a
// conflict (a bad row, reported in file order).
func (im *importRun) storePending() error {
	rows := im.pending
	im.pending = im.pending[:0]
	if len(rows) == 0 {
		return nil
	}
	fresh := rows
	if im.lookUp {
		var err error
		if fresh, err = im.sortOut(rows); err != nil {
			return err
		}
	}
	for len(fresh) > 0 {
		n := im.assign(fresh)
		if n == 0 {
			// Bound memory whatever the file: book what the groups hold
			// so far and start new ones.
			if err := im.flush(); err != nil {
				return err
			}
			continue
		}
		if err := im.insert(fresh[:n]); err != nil {
			return err
		}
		fresh = fresh[n:]
	}
	for _, p := range rows {
		if len(p.Errors) > 0 { // conflicts
			if err := im.reject(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// assign gives rows their groups, up to the first row that would open a
// group past MaxOpenGroups; it returns how many rows it assigned.
func (im *importRun) assign(rows []*ImportRow) int {
	for i, p := range rows {
		if im.groups.Open() >= MaxOpenGroups && im.groups.Find(p.Seller, p.Channel, p.Event.Currency, p.Date) == nil {
			return i
		}
		p.Group = im.groups.Assign(p.Seller, p.Channel, p.Event.Currency, p.Date)
	}
	return len(rows)
}

// insert stores rows, whose groups are assigned, as new events. When an
// insert meets a stored key, the rows it left are looked up (and keys are
// looked up first from then on).
func (im *importRun) insert(rows []*ImportRow) error {
	if err := im.store.InsertEvents(im.res.BatchID, rows); err != nil {
		return err
	}
	left := im.added(rows)
	if len(left) == 0 {
		return nil
	}
	im.lookUp = true
	fresh, err := im.sortOut(left)
	if err != nil || len(fresh) == 0 {
		return err
	}
	if err := im.store.InsertEvents(im.res.BatchID, fresh); err != nil {
		return err
	}
	if left := im.added(fresh); len(left) > 0 {
		return fmt.Errorf("line %d: events looked up as new met stored keys", left[0].Line)
	}
	return nil
}

// added counts the rows InsertEvents stored in their groups and returns
// the others.
func (im *importRun) added(rows []*ImportRow) (left []*ImportRow) {
	for _, p := range rows {
		if p.ID == 0 {
			left = append(left, p)
			continue
		}
		p.Group.Add(p.ID, p.Event.Amount)
		im.res.Posted++
		if p.Group.Key.Late {
			im.res.Late++
		}
	}
	return left
}

// sortOut looks up the rows' keys: a key stored, or met earlier in rows,
// makes its row a duplicate (same digest) or a conflict (appended to its
// Errors). It returns the new events.
func (im *importRun) sortOut(rows []*ImportRow) ([]*ImportRow, error) {
	stored, err := im.store.LookupEvents(rows)
	if err != nil {
		return nil, err
	}
	var fresh []*ImportRow
	var earlier map[string]*ImportRow // new keys met in rows
	for _, p := range rows {
		key := p.Event.EventID
		if s, ok := stored[key]; ok {
			if len(s.Digest) > 0 && bytes.HasPrefix(p.Digest[:], s.Digest) {
				im.res.Duplicates++
				continue
			}
			old, err := s.Event()
			if err != nil {
				return nil, err
			}
			im.conflict(p, &old, s.Line)
			continue
		}
		if q, ok := earlier[key]; ok {
			if q.Digest == p.Digest {
				im.res.Duplicates++
				continue
			}
			old := q.Event
			old.BatchID = im.res.BatchID
			im.conflict(p, &old, q.Line)
			continue
		}
		if earlier == nil {
			earlier = map[string]*ImportRow{}
		}
		earlier[key] = p
		fresh = append(fresh, p)
	}
	return fresh, nil
}

// conflict appends to p's errors that its key was stored before as old,
// from storedLine, with other content.
func (im *importRun) conflict(p *ImportRow, old *ledger.Event, storedLine int) {
	ev := p.Event
	ev.Source, old.Source = im.opts.Source, im.opts.Source
	p.Errors = append(p.Errors, Conflict(im.opts.FileName, p.Line, im.rd.Header(), im.opts.Mapping, old, storedLine, im.res.BatchID, &ev))
}

// flush books the current groups and starts new ones, in the same
// transaction.
func (im *importRun) flush() error {
	if err := im.post(); err != nil {
		return err
	}
	im.segment++
	im.groups.Reset(im.closed)
	return nil
}

// post books one entry per group that got events, in the order the groups
// appeared, and links each group to its entry. A dry run only counts them.
func (im *importRun) post() error {
	groups := im.groups.Booked()
	if len(groups) == 0 {
		return nil
	}
	if im.opts.DryRun {
		im.res.Entries += len(groups)
		return nil
	}
	if im.keyBase == "" {
		switch {
		case im.opts.SHA256 != "" || im.eof:
			im.keyBase = im.sha()
		default:
			// A stream flushed before its end: its hash is not known yet.
			im.keyBase = "batch-" + strconv.FormatInt(im.res.BatchID, 10)
		}
	}
	partial := 0
	if im.opts.AllowPartial {
		partial = im.opts.ChunkRows
	}
	segment := SegmentID(im.chunk, partial, im.segment)
	entry := func(i int) ledger.Entry { return groups[i].Entry(im.opts.Source, im.keyBase, segment, im.res.BatchID) }
	res, err := im.store.PostEntries(len(groups), entry)
	if err != nil {
		return err
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		if r.Duplicate {
			// A new group's key is new: a stored one would mean its events
			// were counted twice, so the transaction is refused.
			return fmt.Errorf("import entry %s was already posted as entry %d", entry(i).Key, r.ID)
		}
		ids[i] = r.ID
	}
	if err := im.store.LinkGroups(im.res.BatchID, groups, ids); err != nil {
		return err
	}
	im.res.Entries += len(groups)
	return nil
}
