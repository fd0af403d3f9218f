package httpapi

import (
	"context"
	"crypto/sha256"
	"net/http"
	"sync"
)

// Versioner reports the version of the stored data: any committed write,
// from this process or another, changes it. With one, the server caches
// GET responses and authenticated tokens until the version changes.
type Versioner interface {
	DataVersion(ctx context.Context) (int64, error)
}

// Cache bounds.
const (
	maxCachedResponses = 4096
	maxCachedBytes     = 64 << 20
	maxCachedBody      = 1 << 20 // larger responses are not cached
	maxCachedTokens    = 4096
)

type cachedResponse struct {
	version int64
	header  http.Header
	body    []byte
}

type authEntry struct {
	version int64
	p       Principal
}

// respCache holds GET responses and token lookups, each tagged with the
// data version it was computed at; an entry of another version is stale.
type respCache struct {
	mu     sync.Mutex
	resp   map[string]*cachedResponse
	bytes  int
	tokens map[[32]byte]authEntry
}

func newRespCache() *respCache {
	return &respCache{resp: map[string]*cachedResponse{}, tokens: map[[32]byte]authEntry{}}
}

func (c *respCache) get(key string, version int64) *cachedResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.resp[key]
	if e == nil || e.version != version {
		return nil
	}
	return e
}

func (c *respCache) put(key string, e *cachedResponse) {
	if len(e.body) > maxCachedBody {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.resp[key]; old != nil {
		c.bytes -= len(old.body)
	}
	// Crude but bounded: when full, start over.
	if len(c.resp) >= maxCachedResponses || c.bytes+len(e.body) > maxCachedBytes {
		c.resp = map[string]*cachedResponse{}
		c.bytes = 0
	}
	c.resp[key] = e
	c.bytes += len(e.body)
}

func (c *respCache) principal(tok string, version int64) (Principal, bool) {
	k := sha256.Sum256([]byte(tok))
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.tokens[k]
	if !ok || e.version != version {
		return Principal{}, false
	}
	return e.p, true
}

func (c *respCache) putPrincipal(tok string, version int64, p Principal) {
	k := sha256.Sum256([]byte(tok))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.tokens) >= maxCachedTokens {
		c.tokens = map[[32]byte]authEntry{}
	}
	c.tokens[k] = authEntry{version, p}
}

// recorder passes a response through, remembering its status as
// statusWriter does, and keeps a copy of its body (up to one byte over
// maxCachedBody, enough to tell that it is too long to cache).
type recorder struct {
	statusWriter
	body []byte
}

func (r *recorder) Write(b []byte) (int, error) {
	if len(r.body)+len(b) <= maxCachedBody+1 {
		r.body = append(r.body, b...)
	}
	return r.statusWriter.Write(b)
}
