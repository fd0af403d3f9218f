package ledger

import (
	"fmt"
	"strings"
)

// Idempotent posting: an entry posted again under a key already used must
// carry the same Content. These two checks word the refusal once for every
// storage backend.

// SameContentInBatch compares an entry posted earlier in the same batch
// under key (content oldC) with the one posted again (newC); ECONFLICT
// naming the first differing line when they differ.
func SameContentInBatch(key Key, oldC, newC string) error {
	if oldC == newC {
		return nil
	}
	was, now := firstDifference(oldC, newC)
	return Errorf(ECONFLICT, "entry %q appears twice in one batch with different content: first %s, then %s",
		key.String(), was, now)
}

// SameAsPosted compares an entry posted again under key (content newC)
// with the stored entry; ECONFLICT naming the stored ID and the first
// differing line when they differ.
func SameAsPosted(key Key, newC string, stored *Entry) error {
	oldC := stored.Content()
	if oldC == newC {
		return nil
	}
	was, now := firstDifference(oldC, newC)
	return Errorf(ECONFLICT, "entry %q conflicts with entry %d posted earlier under the same key: posted %s, now %s",
		key.String(), stored.ID, was, now)
}

// firstDifference returns the first differing line of two Content texts,
// made readable.
func firstDifference(a, b string) (string, string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return readableLine(x), readableLine(y)
		}
	}
	return "(same)", "(same)"
}

func readableLine(s string) string {
	if s == "" {
		return "(nothing)"
	}
	s = strings.ReplaceAll(s, "\x1f", " ")
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return fmt.Sprintf("%q", s)
}
