package httpapi_test

import (
	"encoding/json"
	"testing"

	"github.com/revshare/revshare/reports/httpapi"
)

// listPage is one page of a paginated list as the API serves it.
type listPage[T any] struct {
	Total      int
	Items      []T
	NextCursor string `json:"next_cursor"`
}

// walkPages GETs path (which has a query) and then each next page, path
// with the previous page's cursor, and returns the pages in order. A
// status other than 200, a body that is not a page or more than max pages
// fail t.
func walkPages[T any](t *testing.T, get func(path string) (int, string), path string, max int) []listPage[T] {
	t.Helper()
	var out []listPage[T]
	next := path
	for range max {
		status, body := get(next)
		var p listPage[T]
		if err := json.Unmarshal([]byte(body), &p); err != nil || status != 200 {
			t.Fatalf("%s: %d %s", next, status, body)
		}
		out = append(out, p)
		if p.NextCursor == "" {
			return out
		}
		next = path + "&cursor=" + p.NextCursor
	}
	t.Fatalf("%s: more than %d pages", path, max)
	return nil
}

// getAs is e.get for walkPages: the status and body of a GET as role.
func (e *env) getAs(t *testing.T, role httpapi.Role) func(path string) (int, string) {
	return func(path string) (int, string) {
		status, _, body := e.get(t, path, role)
		return status, body
	}
}
