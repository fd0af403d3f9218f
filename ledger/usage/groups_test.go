package usage

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

var date = ledger.MustParseDate

func TestGroupsAssignAndEntry(t *testing.T) {
	var gs Groups
	gs.Reset(date("2026-01-31"))
	dec := decimal.RequireFromString
	a := gs.Assign("acme", "web", "EUR", date("2026-02-03"))
	a.Add(7, dec("10.50"))
	late := gs.Assign("acme", "web", "EUR", date("2026-01-15"))
	b := gs.Assign("acme", "web", "EUR", date("2026-02-03"))
	if b != a {
		t.Fatalf("same key, other group: %+v and %+v", a, b)
	}
	b.Add(9, dec("-0.25"))
	if late.Key != (GroupKey{Seller: "acme", Channel: "web", Currency: "EUR", Date: date("2026-02-01"), Late: true}) || late.No != 2 {
		t.Fatalf("late group %+v", late)
	}
	// The late group got no stored event (a duplicate, say): it books nothing.
	if got := gs.Booked(); len(got) != 1 || got[0] != a {
		t.Fatalf("booked %v", got)
	}
	e := a.Entry("crm", "abc", SegmentID(3, 50000, 1), 4)
	want := ledger.Entry{
		Key:         ledger.Key{Source: "import", ExternalID: "crm:abc:3@50000.1:acme:web:EUR:2026-02-03:false"},
		Date:        date("2026-02-03"),
		Description: "usage acme/web EUR: 2 event(s) from import batch 4",
		Meta: map[string]string{"kind": "usage", "batch": "4", "source": "crm", "late": "false", "events": "2",
			"seller": "acme", "channel": "web"},
		Postings: []ledger.Posting{
			{Account: "assets:receivable:acme:web", Amount: dec("10.25"), Currency: "EUR"},
			{Account: "income:revenue:acme:web", Amount: dec("-10.25"), Currency: "EUR"},
		},
	}
	if !reflect.DeepEqual(e, want) {
		t.Fatalf("entry\n got %+v\nwant %+v", e, want)
	}
	if a.First != 7 || a.Last != 9 || a.Events != 2 {
		t.Fatalf("group counts %+v", a)
	}
	// Numbers continue after a reset; keys start anew.
	gs.Reset(ledger.Date{})
	c := gs.Assign("acme", "web", "EUR", date("2026-01-15"))
	if c.No != 3 || c.Key.Late || gs.Open() != 1 {
		t.Fatalf("after reset: %+v, %d open", c, gs.Open())
	}
}

// A key is one entry whatever its events sum to: past 10^18 (where a
// posting of 14 integer digits used to split it into ":part2").
func TestGroupsKeepLargeSums(t *testing.T) {
	var gs Groups
	gs.Reset(ledger.Date{})
	big := decimal.RequireFromString("999999999999999999.999999999999999999")
	d := date("2026-03-01")
	g := gs.Assign("s", "c", "IDR", d)
	g.Add(1, big)
	if g2 := gs.Assign("s", "c", "IDR", d); g2 != g {
		t.Fatalf("a second group for one key: %+v %+v", g, g2)
	}
	g.Add(2, big)
	e := g.Entry("default", "k", SegmentID(0, 0, 0), 1)
	if e.Key.ExternalID != "default:k:0:s:c:IDR:2026-03-01:false" || e.Postings[0].Amount.String() != "1999999999999999999.999999999999999998" {
		t.Fatalf("entry %q %s", e.Key.ExternalID, e.Postings[0].Amount)
	}
}
