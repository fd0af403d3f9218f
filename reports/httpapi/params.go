package httpapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/revshare/revshare/ledger"
)

// page is a list request's position and size.
type page struct {
	cursor string // the decoded cursor: the last key of the previous page
	limit  int
}

const cursorVersion = "v1:"

// encodeCursor makes an opaque cursor from the last key of a page.
func encodeCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorVersion + key))
}

// pageOf reads cursor and limit: limit defaults to DefaultPageSize and may
// not exceed MaxPageSize.
func pageOf(r *http.Request) (page, error) {
	q := r.URL.Query()
	p := page{limit: DefaultPageSize}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return page{}, ledger.Errorf(ledger.EINVALID, "invalid limit %q: want a whole number from 1 to %d", s, MaxPageSize)
		}
		if n > MaxPageSize {
			return page{}, ledger.Errorf(ledger.EINVALID, "limit %d is above the maximum page size of %d", n, MaxPageSize)
		}
		p.limit = n
	}
	if s := q.Get("cursor"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil || !strings.HasPrefix(string(b), cursorVersion) {
			return page{}, ledger.Errorf(ledger.EINVALID, "invalid cursor %q: pass the next_cursor of a previous page", s)
		}
		p.cursor = strings.TrimPrefix(string(b), cursorVersion)
	}
	return p, nil
}

// cutPage trims items, read with a limit of limit+1, to limit. next is the
// cursor of the following page, made from key of this page's last item, or
// "" when there is no following page.
func cutPage[T any](items []T, limit int, key func(T) string) (page []T, next string) {
	if len(items) <= limit {
		return items, ""
	}
	items = items[:limit]
	return items, encodeCursor(key(items[limit-1]))
}

// pageFrom is the page of all (in memory) that holds the first limit items
// keep accepts, in order; keep is called once an item, in order, and may
// keep state. next is as cutPage's. The page is never nil.
func pageFrom[T any](all []T, limit int, keep func(T) bool, key func(T) string) (page []T, next string) {
	page = []T{}
	for _, v := range all {
		if !keep(v) {
			continue
		}
		if len(page) == limit {
			return page, encodeCursor(key(page[limit-1]))
		}
		page = append(page, v)
	}
	return page, ""
}

// idPageOf is pageOf for lists keyed by ID: the page and the ID its
// cursor names, after which it starts (0 on the first page).
func idPageOf(r *http.Request) (page, int64, error) {
	p, err := pageOf(r)
	if err != nil || p.cursor == "" {
		return p, 0, err
	}
	id, err := strconv.ParseInt(p.cursor, 10, 64)
	if err != nil || id < 0 {
		return p, 0, ledger.Errorf(ledger.EINVALID, "invalid cursor: pass the next_cursor of a previous page")
	}
	return p, id, nil
}

// dateParam reads an optional YYYY-MM-DD query parameter.
func dateParam(r *http.Request, name string) (ledger.Date, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return ledger.Date{}, nil
	}
	d, err := ledger.ParseDate(s)
	if err != nil {
		// ParseDate's reason, as the command line gives it: a day that does
		// not exist is named as such ("not a calendar date (2026-02 has 28
		// days)"), not as a wrong shape.
		reason := strings.TrimPrefix(err.Error(), fmt.Sprintf("invalid date %q: ", s))
		return ledger.Date{}, ledger.Errorf(ledger.EINVALID, "invalid %s %q: %s", name, s, reason)
	}
	return d, nil
}

// timeParam reads an optional RFC 3339 timestamp (a date means its end:
// everything recorded on or before that day, UTC).
func timeParam(r *http.Request, name string) (time.Time, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if d, err := ledger.ParseDate(s); err == nil {
		return d.AddDays(1).In(time.UTC).Add(-time.Nanosecond), nil
	}
	return time.Time{}, ledger.Errorf(ledger.EINVALID, "invalid %s %q: want an RFC 3339 timestamp (2026-04-01T00:00:00Z) or a date", name, s)
}

// dateRange reads from and to (inclusive) and enforces from <= to and a
// span of at most MaxDateRangeDays.
func dateRange(r *http.Request) (from, to ledger.Date, err error) {
	if from, err = dateParam(r, "from"); err != nil {
		return
	}
	if to, err = dateParam(r, "to"); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() {
		if to.Before(from) {
			return from, to, ledger.Errorf(ledger.EINVALID, "to %s is before from %s", to, from)
		}
		days := int(to.In(time.UTC).Sub(from.In(time.UTC)).Hours() / 24)
		if days > MaxDateRangeDays {
			return from, to, ledger.Errorf(ledger.EINVALID, "date range %s to %s spans %d days, at most %d allowed", from, to, days+1, MaxDateRangeDays)
		}
	}
	return from, to, nil
}

// idParam reads a positive integer path variable.
func idParam(r *http.Request, name, what string) (int64, error) {
	s := pathVar(r, name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, ledger.Errorf(ledger.EINVALID, "invalid %s id %q: want a positive whole number", what, s)
	}
	return id, nil
}

// byPathID reads, with find, the record (what: "entry", "event") whose id
// is the path variable id; a bad id is EINVALID (idParam), a missing
// record find's error.
func byPathID[T any](r *http.Request, what string, find func(context.Context, int64) (T, error)) (T, error) {
	id, err := idParam(r, "id", what)
	if err != nil {
		var zero T
		return zero, err
	}
	return find(r.Context(), id)
}

// periodParam reads a period label path variable.
func periodParam(r *http.Request, name string) (ledger.Period, error) {
	p, err := ledger.ParsePeriod(pathVar(r, name))
	if err != nil {
		return ledger.Period{}, ledger.Errorf(ledger.EINVALID, "%s", err.Error())
	}
	return p, nil
}

// formatParam reads ?format= (json by default).
func formatParam(r *http.Request, allowed ...string) (string, error) {
	f := r.URL.Query().Get("format")
	if f == "" {
		return "json", nil
	}
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", ledger.Errorf(ledger.EINVALID, "unknown format %q (want one of %s)", f, strings.Join(allowed, ", "))
}
