package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// TestVerifyFactAnchor: verify prints the fact chain's head as an anchor
// (facts:SEQ:HASH) and --anchor checks one kept from earlier: it still
// holds as the chain grows; a wrong hash and a link past the end are
// named; and an attacker who removes the last run and its link, and moves
// the head back, passes verify alone (the chain recomputes by itself) but
// not verify with the anchor kept before.
func TestVerifyFactAnchor(t *testing.T) { onBothBackends(t, testVerifyFactAnchor) }

func testVerifyFactAnchor(t *testing.T, newDB newDB) {
	db := bookedRunsBook(t, newDB)
	cli(t, db, "close", "2026-01")
	factAnchor := func() (string, int64) {
		t.Helper()
		out := cli(t, db, "verify")
		_, anchor, ok := strings.Cut(strings.TrimSuffix(out, "\n"), "; fact chain head ")
		parts := strings.Split(anchor, ":")
		seq, err := strconv.ParseInt(parts[len(parts)-2], 10, 64)
		if !ok || len(parts) != 3 || parts[0] != "facts" || err != nil || len(parts[2]) != 64 {
			t.Fatalf("verify: %q, want a fact chain head facts:SEQ:HASH", out)
		}
		return anchor, seq
	}
	kept, seq := factAnchor()
	if out := cli(t, db, "verify", "--anchor", kept); !strings.HasSuffix(out, "; fact chain head "+kept+"\n") {
		t.Errorf("verify --anchor %s: %q", kept, out)
	}
	cli(t, db, "run", "--through", "2026-02") // books nothing: one more runs row, one more link
	last, lastSeq := factAnchor()
	if lastSeq != seq+1 {
		t.Fatalf("a run that booked nothing: the fact chain went from seq %d to %d, want %d", seq, lastSeq, seq+1)
	}
	if out := cli(t, db, "verify", "--anchor", kept, "--anchor", last); !strings.HasPrefix(out, "ok: ") {
		t.Errorf("verify with both anchors: %q", out)
	}
	hash := last[strings.LastIndex(last, ":")+1:]
	wrong := strings.Repeat("0", 64)
	wantRefused(t, fmt.Sprintf("revshare: verify failed: fact anchor facts:%d: the link's hash %.12s differs from the anchor's 000000000000: the fact chain was rewritten\n", lastSeq, hash),
		"--db", db, "verify", "--anchor", fmt.Sprintf("facts:%d:%s", lastSeq, wrong))
	wantRefused(t, fmt.Sprintf("revshare: verify failed: fact anchor facts:%d: the fact chain ends at seq %d: links were removed\n", lastSeq+5, lastSeq),
		"--db", db, "verify", "--anchor", fmt.Sprintf("facts:%d:%s", lastSeq+5, hash))

	wantRefused(t, `revshare: --anchor: invalid anchor "facts:x:1": want facts:SEQ:HASH (a fact chain link's seq and its 64-hex-digit hash)`+"\n",
		"--db", db, "verify", "--anchor", "facts:x:1")

	tamper(t, db,
		`DELETE FROM runs WHERE id = (SELECT max(id) FROM runs)`,
		`DELETE FROM fact_chain WHERE seq = (SELECT max(seq) FROM fact_chain)`,
		`UPDATE fact_head SET seq = seq - 1, hash = (SELECT f.hash FROM fact_chain f WHERE f.seq = fact_head.seq - 1)`)
	if out := cli(t, db, "verify"); !strings.HasSuffix(out, "; fact chain head "+kept+"\n") {
		t.Errorf("verify of the rewritten chain without an anchor: %q, want it to pass ending at %s", out, kept)
	}
	wantRefused(t, fmt.Sprintf("revshare: verify failed: fact anchor facts:%d: the fact chain ends at seq %d: links were removed\n", lastSeq, seq),
		"--db", db, "verify", "--anchor", last)
}
