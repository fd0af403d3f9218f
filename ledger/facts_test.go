package ledger_test

import (
	"testing"

	"github.com/revshare/revshare/ledger"
)

func run(id, through string) ledger.Fact {
	return ledger.Fact{Table: "runs", Key: "id=" + id, Columns: []ledger.FactColumn{{Name: "through", Value: through}, {Name: "entries", Value: "0"}}}
}

// chain seals facts in order and returns the links and the head.
func chain(facts ...ledger.Fact) ([]ledger.FactLink, *ledger.FactHead) {
	var links []ledger.FactLink
	head := ledger.FactHead{}
	for _, f := range facts {
		l := ledger.SealFact(head, f)
		links = append(links, l)
		head = ledger.FactHead{Seq: l.Seq, Hash: l.Hash}
	}
	return links, &head
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
