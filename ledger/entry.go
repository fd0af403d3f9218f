package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Key is an entry's idempotency key: a retried write with the same key posts
// once; the same key with different content is a conflict.
type Key struct {
	Source     string // the system or process that wrote it: "import", "run", "payment", ...
	ExternalID string // unique within Source
}

func (k Key) String() string { return k.Source + "/" + k.ExternalID }

// Posting is one line of an entry. Amounts follow the debit-positive
// convention: debits are positive, credits negative.
type Posting struct {
	Account  string
	Amount   decimal.Decimal
	Currency string
}

// Entry is an immutable journal entry. Corrections are new entries; a
// reversal names the entry it reverses.
type Entry struct {
	ID          int64     // assigned by the store, 1, 2, 3... in append order
	Key         Key       // idempotency key
	Date        Date      // effective (accounting) date
	RecordedAt  time.Time // when the store appended it (UTC); assigned by the store
	Description string
	Meta        map[string]string // e.g. contract, rule, period, late, batch
	Reverses    int64             // ID of the entry this one reverses, or 0
	Postings    []Posting
	PrevHash    string // hash of the entry before it ("" for the first)
	Hash        string // chain hash: see ChainHash
}

// MaxPostings bounds the postings of one entry.
const MaxPostings = 10000

// Validate checks the journal rules: a key, a date, two or more postings,
// valid accounts and currencies, and postings that sum to zero in every
// currency. Errors are EINVALID and name the entry by its key.
func (e *Entry) Validate() error {
	// The key's text only on the error paths: built up front, it was an
	// allocation per entry of every import (docs/design/speed.md, section
	// 2, session 19).
	if e.Key.Source == "" || e.Key.ExternalID == "" {
		return Errorf(EINVALID, "entry %q: idempotency key needs a source and an external id", e.Key.String())
	}
	if e.Date.IsZero() {
		return Errorf(EINVALID, "entry %q: no effective date", e.Key.String())
	}
	if len(e.Postings) < 2 {
		return Errorf(EINVALID, "entry %q: has %d posting(s), needs at least 2", e.Key.String(), len(e.Postings))
	}
	if len(e.Postings) > MaxPostings {
		return Errorf(EINVALID, "entry %q: has %d postings, at most %d allowed", e.Key.String(), len(e.Postings), MaxPostings)
	}
	oneCurrency := true
	for i, p := range e.Postings {
		if _, err := AccountTypeOf(p.Account); err != nil {
			return Errorf(EINVALID, "entry %q posting %d: %s", e.Key.String(), i+1, ErrorMessage(err))
		}
		if !IsCurrency(p.Currency) {
			return Errorf(EINVALID, "entry %q posting %d: unknown ISO 4217 currency %q", e.Key.String(), i+1, p.Currency)
		}
		oneCurrency = oneCurrency && p.Currency == e.Postings[0].Currency
	}
	var off []string
	if oneCurrency { // the common case, without a map per entry
		sum := e.Postings[0].Amount
		for _, p := range e.Postings[1:] {
			sum = sum.Add(p.Amount)
		}
		if !sum.IsZero() {
			off = append(off, sum.String()+" "+e.Postings[0].Currency)
		}
	} else {
		sums := map[string]decimal.Decimal{}
		for _, p := range e.Postings {
			sums[p.Currency] = sums[p.Currency].Add(p.Amount)
		}
		for _, c := range SortedKeys(sums) {
			if !sums[c].IsZero() {
				off = append(off, sums[c].String()+" "+c)
			}
		}
	}
	if len(off) > 0 {
		return Errorf(EINVALID, "entry %q does not balance: postings sum to %s", e.Key.String(), strings.Join(off, ", "))
	}
	return nil
}

// Content is the canonical text of what an entry says, without store-assigned
// fields (ID, RecordedAt, hashes). Two writes with the same key are the same
// write exactly when their Content is equal.
func (e *Entry) Content() string {
	// Built with WriteString rather than fmt: posting throughput hashes
	// every entry. The text is exactly "key=%s\x1f%s\ndate=%s\ndesc=%s\n
	// reverses=%d\n", then "meta=%s\x1f%s\n" per key in order, then
	// "posting=%s\x1f%s\x1f%s\n" per posting (amount without trailing zeros).
	var b strings.Builder
	b.Grow(96 + len(e.Description) + 64*len(e.Postings) + 32*len(e.Meta))
	b.WriteString("key=")
	b.WriteString(e.Key.Source)
	b.WriteByte('\x1f')
	b.WriteString(e.Key.ExternalID)
	b.WriteString("\ndate=")
	var date [10]byte
	b.Write(e.Date.appendText(date[:0]))
	b.WriteString("\ndesc=")
	b.WriteString(e.Description)
	b.WriteString("\nreverses=")
	b.WriteString(strconv.FormatInt(e.Reverses, 10))
	b.WriteByte('\n')
	var arr [8]string // the keys of a small meta sorted without an allocation
	for _, k := range sortedMetaKeys(arr[:0], e.Meta) {
		b.WriteString("meta=")
		b.WriteString(k)
		b.WriteByte('\x1f')
		b.WriteString(e.Meta[k])
		b.WriteByte('\n')
	}
	for _, p := range e.Postings {
		b.WriteString("posting=")
		b.WriteString(p.Account)
		b.WriteByte('\x1f')
		b.WriteString(p.Amount.String())
		b.WriteByte('\x1f')
		b.WriteString(p.Currency)
		b.WriteByte('\n')
	}
	return b.String()
}

// sortedMetaKeys appends the keys of m to dst and sorts them; with room in
// dst (an array on the caller's stack) it allocates nothing, where
// SortedKeys allocated a slice for every entry hashed.
func sortedMetaKeys(dst []string, m map[string]string) []string {
	for k := range m {
		dst = append(dst, k)
	}
	slices.Sort(dst)
	return dst
}

// ChainHash is the hash of an entry in the tamper-evident chain: SHA-256 over
// the previous hash, the entry's ID and recorded-at time, and its Content.
func ChainHash(prevHash string, e *Entry) string {
	return ChainHashOf(prevHash, e.ID, e.RecordedAt, e.Content())
}

// ChainHashOf is ChainHash given the entry's ID, recorded-at time and
// Content, for callers that computed the Content ahead (in parallel).
func ChainHashOf(prevHash string, id int64, recordedAt time.Time, content string) string {
	h := sha256.New()
	io.WriteString(h, "prev="+prevHash+"\nid="+strconv.FormatInt(id, 10)+"\nrecorded="+recordedAt.UTC().Format(time.RFC3339Nano)+"\n")
	io.WriteString(h, content)
	return hex.EncodeToString(h.Sum(nil))
}

// SortedKeys returns the keys of the maps, each once, in increasing order
// (for output that must not depend on map order).
func SortedKeys[V any](ms ...map[string]V) []string {
	n := 0
	for _, m := range ms {
		n += len(m)
	}
	keys := make([]string, 0, n)
	for _, m := range ms {
		for k := range m {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return slices.Compact(keys)
}
