package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// The fact chain seals the stored facts that are not journal entries and
// that nothing else verify checks can rebuild: runs, closes, contract
// versions, final statements and import batches. Each such row, once
// revshare has written it for good, is sealed by appending a link to the
// chain: its table, its key and its columns as text (Fact.Content), hashed
// with the link before it. The head (the last link's seq and hash) is kept
// beside the chain. verify recomputes the chain, checks the head, and
// compares every sealed row with its row as stored now: an edit names the
// row and the column, a deleted row (the last one included) names the row,
// and a row that no link seals names the row as added outside revshare.
// Like the journal's chain it is unkeyed (docs/ledger.md, "Limit").

// Fact is one stored row as the fact chain seals it: its table, its key
// ("id=3") and its columns as text, in a fixed order.
type Fact struct {
	Table, Key string
	Columns    []FactColumn
	// Unsealed says the row is not final yet and may stay out of the chain
	// (an import batch still running).
	Unsealed bool
}

// FactColumn is one column of a Fact.
type FactColumn struct{ Name, Value string }

// Name is how violations name the row: "runs id=3".
func (f Fact) Name() string { return f.Table + " " + f.Key }

// Content is the columns as the chain stores them: one "name=value" line
// each, the value quoted (strconv.Quote) so that a line never breaks.
func (f Fact) Content() string {
	var b strings.Builder
	for _, c := range f.Columns {
		b.WriteString(c.Name)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(c.Value))
		b.WriteByte('\n')
	}
	return b.String()
}

// FactLink is one link of the fact chain as stored.
type FactLink struct {
	Seq           int64
	Table, Key    string
	Content, Hash string
}

// FactHead is the last link's seq and hash (0 and "" for an empty chain).
type FactHead struct {
	Seq  int64
	Hash string
}

// FactHash is a link's hash: SHA-256 (hex) of
// "prev=<prev hash>\nseq=<seq>\nfact=<table> <key>\n" + content.
func FactHash(prev string, seq int64, table, key, content string) string {
	sum := sha256.Sum256([]byte("prev=" + prev + "\nseq=" + strconv.FormatInt(seq, 10) + "\nfact=" + table + " " + key + "\n" + content))
	return hex.EncodeToString(sum[:])
}

// SealFact is the link that seals f after head.
func SealFact(head FactHead, f Fact) FactLink {
	l := FactLink{Seq: head.Seq + 1, Table: f.Table, Key: f.Key, Content: f.Content()}
	l.Hash = FactHash(head.Hash, l.Seq, l.Table, l.Key, l.Content)
	return l
}

// SealFacts is the links that seal facts, in order, after head (nil for
// an empty chain), and the head after the last of them.
func SealFacts(head *FactHead, facts []Fact) ([]FactLink, FactHead) {
	at := FactHead{}
	if head != nil {
		at = *head
	}
	links := make([]FactLink, 0, len(facts))
	for _, f := range facts {
		l := SealFact(at, f)
		links = append(links, l)
		at = FactHead{Seq: l.Seq, Hash: l.Hash}
	}
	return links, at
}

// FactsToSeal is the final facts (not Unsealed) that no link named in
// sealed ("table key", Fact.Name) seals yet, in the order given: what a
// book upgraded to the fact chain, or copied, has left to seal.
func FactsToSeal(facts []Fact, sealed []string) []Fact {
	done := make(map[string]bool, len(sealed))
	for _, name := range sealed {
		done[name] = true
	}
	var todo []Fact
	for _, f := range facts {
		if !done[f.Name()] && !f.Unsealed {
			todo = append(todo, f)
		}
	}
	return todo
}

// parseContent reads Content back into its columns; ok is false when a
// line is not name="quoted value".
func parseContent(content string) (cols []FactColumn, ok bool) {
	for _, line := range strings.SplitAfter(content, "\n") {
		if line == "" {
			continue
		}
		name, quoted, found := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		v, err := strconv.Unquote(quoted)
		if !found || err != nil {
			return nil, false
		}
		cols = append(cols, FactColumn{name, v})
	}
	return cols, true
}

// VerifyFactChain checks the fact chain (links in seq order, and head, nil
// when no head is stored) and the facts stored now: seqs run 1, 2, …
// without a gap; each hash recomputes from the link before it; the head is
// the last link; each link's row is stored with the columns it sealed; no
// row is sealed twice; and every fact but an Unsealed one is sealed. The
// first violation is a *VerifyError naming the link or the row.
func VerifyFactChain(links []FactLink, head *FactHead, facts []Fact) error {
	var at FactHead
	sealed := map[string]FactLink{}
	for _, l := range links {
		if l.Seq != at.Seq+1 {
			return &VerifyError{Reason: fmt.Sprintf("fact_chain: seq jumps from %d to %d: links were removed", at.Seq, l.Seq)}
		}
		if h := FactHash(at.Hash, l.Seq, l.Table, l.Key, l.Content); h != l.Hash {
			return &VerifyError{Reason: fmt.Sprintf("fact_chain seq=%d (%s %s): hash does not match its content (stored %.12s, computed %.12s)", l.Seq, l.Table, l.Key, l.Hash, h)}
		}
		name := l.Table + " " + l.Key
		if first, dup := sealed[name]; dup {
			return &VerifyError{Reason: fmt.Sprintf("fact_chain seq=%d: seals %s again (first sealed at seq=%d)", l.Seq, name, first.Seq)}
		}
		sealed[name] = l
		at = FactHead{l.Seq, l.Hash}
	}
	stored := FactHead{}
	if head != nil {
		stored = *head
	}
	if stored != at {
		return &VerifyError{Reason: fmt.Sprintf("fact_head: says seq %d (%.12s), the fact chain ends at seq %d (%.12s): links were removed or added outside revshare",
			stored.Seq, stored.Hash, at.Seq, at.Hash)}
	}
	now := map[string]Fact{}
	for _, f := range facts {
		now[f.Name()] = f
	}
	for _, l := range links {
		name := l.Table + " " + l.Key
		f, ok := now[name]
		if !ok {
			return FactError(l.Table, l.Key, "row", fmt.Sprintf("the row sealed at fact_chain seq=%d", l.Seq), "(missing)")
		}
		delete(now, name)
		if err := sameColumns(l, f); err != nil {
			return err
		}
	}
	for _, f := range facts {
		if _, left := now[f.Name()]; left && !f.Unsealed {
			return &VerifyError{Reason: fmt.Sprintf("%s: no link of fact_chain seals it (added outside revshare)", f.Name())}
		}
	}
	return nil
}

// CheckFactChain is VerifyFactChain, then CheckFactAnchors with the
// anchors; it returns the chain's head (zero when empty).
func CheckFactChain(links []FactLink, head *FactHead, facts []Fact, anchors []Anchor) (FactHead, error) {
	if err := VerifyFactChain(links, head, facts); err != nil {
		return FactHead{}, err
	}
	var at FactHead
	if head != nil {
		at = *head
	}
	return at, CheckFactAnchors(links, anchors)
}

// CheckFactAnchors checks that the fact chain (links, verified) still
// holds each anchor's link with the anchor's hash: an anchor kept outside
// catches a chain rewritten after it, which recomputes by itself.
func CheckFactAnchors(links []FactLink, anchors []Anchor) error {
	for _, a := range anchors {
		if a.ID > int64(len(links)) {
			return &VerifyError{Reason: fmt.Sprintf("fact anchor facts:%d: the fact chain ends at seq %d: links were removed", a.ID, len(links))}
		}
		// Verified links run 1, 2, … without a gap: seq s is links[s-1].
		if l := links[a.ID-1]; l.Hash != a.Hash {
			return &VerifyError{Reason: fmt.Sprintf("fact anchor facts:%d: the link's hash %.12s differs from the anchor's %.12s: the fact chain was rewritten", a.ID, l.Hash, a.Hash)}
		}
	}
	return nil
}

// sameColumns names the first column of f that differs from what link l
// sealed.
func sameColumns(l FactLink, f Fact) error {
	cols, ok := parseContent(l.Content)
	if !ok {
		return &VerifyError{Reason: fmt.Sprintf("fact_chain seq=%d (%s %s): content is not the columns revshare seals", l.Seq, l.Table, l.Key)}
	}
	for i, c := range cols {
		found := "(no such column)"
		if i < len(f.Columns) && f.Columns[i].Name == c.Name {
			found = f.Columns[i].Value
		}
		if found != c.Value {
			return FactError(l.Table, l.Key, c.Name, fmt.Sprintf("%s (sealed at fact_chain seq=%d)", c.Value, l.Seq), found)
		}
	}
	if len(f.Columns) != len(cols) {
		return &VerifyError{Reason: fmt.Sprintf("%s: has %d sealed columns, fact_chain seq=%d sealed %d", f.Name(), len(f.Columns), l.Seq, len(cols))}
	}
	return nil
}
