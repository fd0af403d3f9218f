package usage

import (
	"strconv"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

// EntrySource is the Key.Source of the journal entries a usage import
// posts.
const EntrySource = "import"

// MaxOpenGroups bounds the groups (and so the entries) an import holds in
// memory at once: past it, the store books what it has and starts anew.
const MaxOpenGroups = 10000

// GroupKey is what the events booked by one import entry share.
type GroupKey struct {
	Seller, Channel string // account segments (ledger.AccountSegment)
	Currency        string
	Date            ledger.Date // booking date: the first open day for a late event
	Late            bool        // the event's own date is in a closed period
}

// Group is the events of one import entry: an import sums its new events
// per GroupKey and posts one entry for each group.
//
// A key is one entry whatever its events sum to: fewer than 2^63 events,
// each below 10^18 (an input amount), sum below the 10^54 a posting holds
// (docs/ledger.md). (Books from when a posting held 14 integer digits may
// have entries of one key suffixed ":part2", ":part3", ...)
type Group struct {
	Key         GroupKey
	No          int64 // numbers the groups of an import, from 1
	Sum         decimal.Decimal
	Events      int
	First, Last int64 // event IDs
}

// Groups assigns the new events of an import to groups, in the order the
// groups appear. The store assigns a row before it knows whether the row is
// new (Assign) and counts it once stored (Group.Add).
type Groups struct {
	closed ledger.Date
	byKey  map[GroupKey]*Group
	order  []*Group
	last   int64 // the last group number given
}

// Reset starts new groups (a new transaction, or after the store booked the
// open ones); group numbers continue. Events dated on or before closed (if
// not zero) book on the day after it, marked late.
func (gs *Groups) Reset(closed ledger.Date) {
	gs.closed = closed
	if gs.byKey == nil {
		gs.byKey = map[GroupKey]*Group{}
	}
	clear(gs.byKey)
	gs.order = gs.order[:0]
}

// Open is the number of groups since the last Reset.
func (gs *Groups) Open() int { return len(gs.order) }

// Assign returns the group of an event with these account segments,
// currency and accounting date.
func (gs *Groups) Assign(seller, channel, currency string, date ledger.Date) *Group {
	k := gs.key(seller, channel, currency, date)
	g := gs.byKey[k]
	if g == nil {
		gs.last++
		g = &Group{Key: k, No: gs.last}
		if gs.byKey == nil {
			gs.byKey = map[GroupKey]*Group{}
		}
		gs.byKey[k] = g
		gs.order = append(gs.order, g)
	}
	return g
}

// Find returns the open group Assign would return, or nil if there is none.
func (gs *Groups) Find(seller, channel, currency string, date ledger.Date) *Group {
	return gs.byKey[gs.key(seller, channel, currency, date)]
}

func (gs *Groups) key(seller, channel, currency string, date ledger.Date) GroupKey {
	k := GroupKey{Seller: seller, Channel: channel, Currency: currency, Date: date}
	if !gs.closed.IsZero() && !date.After(gs.closed) {
		k.Late, k.Date = true, gs.closed.AddDays(1)
	}
	return k
}

// Add counts a stored event (its ID and amount) in g.
func (g *Group) Add(id int64, amount decimal.Decimal) {
	g.Sum = g.Sum.Add(amount)
	if g.Events == 0 {
		g.First = id
	}
	g.Events++
	g.Last = id
}

// Booked returns the groups that got events, in the order they appeared.
func (gs *Groups) Booked() []*Group {
	var out []*Group
	for _, g := range gs.order {
		if g.Events > 0 {
			out = append(out, g)
		}
	}
	return out
}

// SegmentID names a transaction's part of an import in its entries' keys:
// the chunk and, after the store booked open groups before the chunk's end
// (see MaxOpenGroups), the segment within it. A partial import's chunk
// names its size too ("3@50000", partialChunkRows > 0): re-running with
// another --chunk-rows then cannot meet the keys of other chunks.
func SegmentID(chunk, partialChunkRows, segment int) string {
	id := strconv.Itoa(chunk)
	if partialChunkRows > 0 {
		id += "@" + strconv.Itoa(partialChunkRows)
	}
	if segment > 0 {
		id += "." + strconv.Itoa(segment)
	}
	return id
}

// Entry is the journal entry that books g: a debit of the seller's
// receivable through the channel and a credit of its revenue, keyed by the
// import's source, keyBase (the file's SHA-256, or "batch-N" for a stream
// booked before its end), the segment and the group's key.
func (g *Group) Entry(source, keyBase, segment string, batch int64) ledger.Entry {
	k := g.Key
	late := strconv.FormatBool(k.Late)
	batchText, events := strconv.FormatInt(batch, 10), strconv.Itoa(g.Events)
	// Concatenated rather than formatted with fmt (the same texts): one
	// entry per event in a per-event file (docs/design/speed.md, section
	// 2, session 19).
	return ledger.Entry{
		Key: ledger.Key{Source: EntrySource, ExternalID: source + ":" + keyBase + ":" + segment + ":" +
			k.Seller + ":" + k.Channel + ":" + k.Currency + ":" + k.Date.String() + ":" + late},
		Date:        k.Date,
		Description: "usage " + k.Seller + "/" + k.Channel + " " + k.Currency + ": " + events + " event(s) from import batch " + batchText,
		Meta: map[string]string{
			"kind": "usage", "batch": batchText, "source": source,
			"late": late, "events": events, "seller": k.Seller, "channel": k.Channel,
		},
		Postings: []ledger.Posting{
			{Account: ledger.ReceivableAccount(k.Seller, k.Channel), Amount: g.Sum, Currency: k.Currency},
			{Account: ledger.RevenueAccount(k.Seller, k.Channel), Amount: g.Sum.Neg(), Currency: k.Currency},
		},
	}
}
