package sqlite

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// chainHasher computes ledger.ChainHashOf for the entries of one
// transaction (one recorded-at instant) without its allocations.
type chainHasher struct {
	recorded string // RFC 3339 with nanoseconds, as ChainHashOf formats it
	buf      []byte
	hex      [2 * sha256.Size]byte
}

func newChainHasher(now time.Time) chainHasher {
	return chainHasher{recorded: now.UTC().Format(time.RFC3339Nano)}
}

func (h *chainHasher) hash(prevHash string, id int64, content string) string {
	return h.sum(append(h.header(prevHash, id), content...))
}

// hashBytes is hash with the content in a byte slice.
func (h *chainHasher) hashBytes(prevHash string, id int64, content []byte) string {
	return h.sum(append(h.header(prevHash, id), content...))
}

// header starts the hashed text in h.buf: everything before the content.
func (h *chainHasher) header(prevHash string, id int64) []byte {
	b := append(h.buf[:0], "prev="...)
	b = append(b, prevHash...)
	b = append(b, "\nid="...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "\nrecorded="...)
	b = append(b, h.recorded...)
	return append(b, '\n')
}

// sum returns the hash of b (kept as h.buf for the next entry).
func (h *chainHasher) sum(b []byte) string {
	h.buf = b
	sum := sha256.Sum256(b)
	hex.Encode(h.hex[:], sum[:])
	return string(h.hex[:])
}
