package usage

import (
	"reflect"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/ledger"
)

func date(t *testing.T, s string) ledger.Date {
	t.Helper()
	d, err := ledger.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestGroupsAssignAndEntry(t *testing.T) {
	var gs Groups
	gs.Reset(date(t, "2026-01-31"))
	dec := decimal.RequireFromString
	a := gs.Assign("acme", "web", "EUR", date(t, "2026-02-03"), dec("10.50"))
	a.Add(7, dec("10.50"))
	late := gs.Assign("acme", "web", "EUR", date(t, "2026-01-15"), dec("2"))
	b := gs.Assign("acme", "web", "EUR", date(t, "2026-02-03"), dec("-0.25"))
	if b != a {
		t.Fatalf("same key, other group: %+v and %+v", a, b)
	}
	b.Add(9, dec("-0.25"))
	if late.Key != (GroupKey{Seller: "acme", Channel: "web", Currency: "EUR", Date: date(t, "2026-02-01"), Late: true}) || late.No != 2 {
		t.Fatalf("late group %+v", late)
	}
	// The late group got no stored event (a duplicate, say): it books nothing.
	if got := gs.Booked(); len(got) != 1 || got[0] != a {
		t.Fatalf("booked %v", got)
	}
	e := a.Entry("crm", "abc", SegmentID(3, 50000, 1), 4)
	want := ledger.Entry{
		Key:         ledger.Key{Source: "import", ExternalID: "crm:abc:3@50000.1:acme:web:EUR:2026-02-03:false"},
		Date:        date(t, "2026-02-03"),
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
	c := gs.Assign("acme", "web", "EUR", date(t, "2026-01-15"), dec("1"))
	if c.No != 3 || c.Key.Late || gs.Open() != 1 {
		t.Fatalf("after reset: %+v, %d open", c, gs.Open())
	}
}

// A key whose amounts could sum past a posting's bound (14 integer digits)
// continues in a new part, keyed ":part2".
func TestGroupsSplitLargeSums(t *testing.T) {
	var gs Groups
	gs.Reset(ledger.Date{})
	big := decimal.RequireFromString("60000000000000")
	d := date(t, "2026-03-01")
	g1 := gs.Assign("s", "c", "USD", d, big)
	g2 := gs.Assign("s", "c", "USD", d, big.Neg())
	if g1 == g2 || g2.Part != 1 || g2.No != 2 {
		t.Fatalf("no new part: %+v %+v", g1, g2)
	}
	g2.Add(1, big.Neg())
	if got := g2.Entry("default", "k", SegmentID(0, 0, 0), 1).Key.ExternalID; got != "default:k:0:s:c:USD:2026-03-01:false:part2" {
		t.Fatalf("key %q", got)
	}
}
