package ledger_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/revshare/revshare/ledger"
)

func run(id, through string) ledger.Fact {
	return ledger.Fact{Table: "runs", Key: "id=" + id, Columns: []ledger.FactColumn{{Name: "through", Value: through}, {Name: "entries", Value: "0"}}}
}

// chain seals facts in order and returns the links and the head.
func chain(facts ...ledger.Fact) ([]ledger.FactLink, *ledger.FactHead) {
	links, head := ledger.SealFacts(nil, facts)
	return links, &head
}

// SealFacts goes on from the head it is given, link by link, as SealFact
// does one at a time; FactsToSeal leaves out what is sealed and what is
// not final, keeping the order.
func TestSealFactsAndFactsToSeal(t *testing.T) {
	r1, r2, r3 := run("1", "2026-01-31"), run("2", "2026-02-28"), run("3", "2026-03-31")
	first, head := ledger.SealFacts(nil, []ledger.Fact{r1})
	rest, end := ledger.SealFacts(&head, []ledger.Fact{r2, r3})
	one := ledger.SealFact(ledger.FactHead{}, r1)
	two := ledger.SealFact(ledger.FactHead{Seq: one.Seq, Hash: one.Hash}, r2)
	three := ledger.SealFact(ledger.FactHead{Seq: two.Seq, Hash: two.Hash}, r3)
	if len(first) != 1 || first[0] != one || len(rest) != 2 || rest[0] != two || rest[1] != three {
		t.Errorf("SealFacts = %v then %v, want %v then %v %v", first, rest, one, two, three)
	}
	if end != (ledger.FactHead{Seq: 3, Hash: three.Hash}) {
		t.Errorf("head after three links = %+v, want seq 3 and %s", end, three.Hash)
	}
	if links, h := ledger.SealFacts(&end, nil); len(links) != 0 || h != end {
		t.Errorf("SealFacts of nothing = %v, %+v; want no link and the same head", links, h)
	}
	running := ledger.Fact{Table: "import_batches", Key: "id=9", Unsealed: true}
	todo := ledger.FactsToSeal([]ledger.Fact{r3, running, r1, r2}, []string{"runs id=2"})
	if len(todo) != 2 || todo[0].Name() != "runs id=3" || todo[1].Name() != "runs id=1" {
		t.Errorf("FactsToSeal = %v, want runs id=3 then runs id=1", todo)
	}
}

func TestVerifyFactChain(t *testing.T) {
	r1, r2 := run("1", "2026-01-31"), run("2", "2026-02-28")
	links, head := chain(r1, r2)
	running := ledger.Fact{Table: "import_batches", Key: "id=3", Unsealed: true, Columns: []ledger.FactColumn{{Name: "status", Value: "running"}}}
	twice, twiceHead := chain(r1, r1)
	quoted := run("1", "2026-01-31\nentries=\"9\"")
	qlinks, qhead := chain(quoted)
	if err := ledger.VerifyFactChain(qlinks, qhead, []ledger.Fact{quoted}); err != nil {
		t.Errorf("a value with a line break and quotes: %v", err)
	}
	tests := []struct {
		name  string
		links []ledger.FactLink
		head  *ledger.FactHead
		facts []ledger.Fact
		want  string // "" for none
	}{
		{"empty", nil, nil, nil, ""},
		{"sealed, and a batch still running", links, head, []ledger.Fact{r1, r2, running}, ""},
		{"a row no link seals", links, head, []ledger.Fact{r1, r2, run("3", "2026-03-31")},
			"runs id=3: no link of fact_chain seals it (added outside revshare)"},
		{"a row deleted", links, head, []ledger.Fact{r1},
			`runs id=2: row is "(missing)", expected "the row sealed at fact_chain seq=2"`},
		{"a column edited", links, head, []ledger.Fact{r1, run("2", "2026-03-31")},
			`runs id=2: through is "2026-03-31", expected "2026-02-28 (sealed at fact_chain seq=2)"`},
		{"no head, links stored", links, nil, []ledger.Fact{r1, r2},
			"fact_head: says seq 0 (), the fact chain ends at seq 2 (" + links[1].Hash[:12] + "): links were removed or added outside revshare"},
		{"the first link removed", links[1:], head, []ledger.Fact{r1, r2}, "fact_chain: seq jumps from 0 to 2: links were removed"},
		{"a row sealed twice", twice, twiceHead, []ledger.Fact{r1},
			"fact_chain seq=2: seals runs id=1 again (first sealed at seq=1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ledger.VerifyFactChain(tt.links, tt.head, tt.facts)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// A fact anchor holds while its link stands with its hash, as the chain
// grows; a chain rebuilt with one fact changed, or cut short, is caught.
func TestCheckFactAnchors(t *testing.T) {
	r1, r2, r3 := run("1", "2026-01-31"), run("2", "2026-02-28"), run("3", "2026-03-31")
	links, head := chain(r1, r2)
	kept, err := ledger.ParseAnchor(fmt.Sprintf("facts:%d:%s", head.Seq, strings.ToUpper(head.Hash)))
	if err != nil || kept != (ledger.Anchor{ID: 2, Hash: head.Hash, Fact: true}) {
		t.Fatalf("ParseAnchor(facts:2:HASH) = %+v, %v", kept, err)
	}
	grown, _ := chain(r1, r2, r3)
	if err := ledger.CheckFactAnchors(grown, []ledger.Anchor{kept}); err != nil {
		t.Errorf("the chain grown by a link: %v", err)
	}
	rebuilt, _ := chain(run("1", "2026-01-30"), r2)
	for _, tc := range []struct {
		name  string
		links []ledger.FactLink
		want  string
	}{
		{"rebuilt with a fact changed", rebuilt, fmt.Sprintf("fact anchor facts:2: the link's hash %.12s differs from the anchor's %.12s: the fact chain was rewritten", rebuilt[1].Hash, head.Hash)},
		{"cut short", links[:1], "fact anchor facts:2: the fact chain ends at seq 1: links were removed"},
	} {
		if err := ledger.CheckFactAnchors(tc.links, []ledger.Anchor{kept}); err == nil || err.Error() != tc.want {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.want)
		}
	}
	for _, bad := range []string{"facts:0:" + head.Hash, "facts:2:abc", "facts::" + head.Hash} {
		if _, err := ledger.ParseAnchor(bad); err == nil || ledger.ErrorMessage(err) != fmt.Sprintf("invalid anchor %q: want facts:SEQ:HASH (a fact chain link's seq and its 64-hex-digit hash)", bad) {
			t.Errorf("ParseAnchor(%q): %v", bad, err)
		}
	}
	journal, facts := ledger.SplitAnchors([]ledger.Anchor{{ID: 5, Hash: "a"}, kept, {ID: 7, Hash: "b"}})
	if len(journal) != 2 || journal[1].ID != 7 || len(facts) != 1 || facts[0] != kept {
		t.Errorf("SplitAnchors = %v, %v", journal, facts)
	}
}
