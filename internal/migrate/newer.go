package migrate

import (
	"fmt"
	"strings"

	"github.com/revshare/revshare/internal/spelling"
)

// NewerSchema is how both backends refuse a book that records migrations
// this binary does not have (unknown: their file names, in number order):
// a newer revshare applied them, and this one would half-understand the
// book. It names them rather than this binary's highest migration: numbers
// have gaps, so a book's unknown migration may be below that one
// ("it has 0063_x.sql, this binary knows up to 0066_y.sql" read as if
// the book were older).
func NewerSchema(unknown []string) string {
	return fmt.Sprintf("the database's schema is newer than this revshare: it has %s this binary does not know (%s): use a newer revshare",
		spelling.Count(len(unknown), "migration", "migrations"), strings.Join(unknown, ", "))
}
