package postgres

import "github.com/revshare/revshare/ledger"

// EventsQuery is the query Events runs for f, and its arguments.
func EventsQuery(f ledger.EventFilter) (string, []any) {
	where, args := eventWhere(f)
	return eventSelect + " WHERE (" + where + ") ORDER BY e.id LIMIT 10000", args
}
