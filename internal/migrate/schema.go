package migrate

import (
	"fmt"
	"maps"
	"slices"
)

// SchemaObject is one object of a book's schema as a backend's catalog
// describes it: its kind ("table", "index", "trigger", "view", …) and,
// through String, the words verify names it with.
type SchemaObject interface {
	Kind() string
	fmt.Stringer
}

// SchemaDifference words the first difference, in the order of the keys,
// between a book's schema (got) and what the migrations create (want): an
// object the book lacks, one it has beyond them, or one that changed
// (changed words how, "" when it did not). An index or view added by hand
// is let be: it reads the book and changes no row. It returns "" when the
// schemas agree. Both backends' verify compare their schema so, each from
// its own catalog.
func SchemaDifference[O SchemaObject](want, got map[string]O, changed func(got, want O) string) string {
	keys := slices.Collect(maps.Keys(want))
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inGot:
			return fmt.Sprintf("schema: the book lacks %s, which revshare's migrations create (removed outside revshare)", w)
		case !inWant && (g.Kind() == "index" || g.Kind() == "view"):
		case !inWant:
			return fmt.Sprintf("schema: the book has %s, which revshare's migrations do not create (added outside revshare)", g)
		default:
			if why := changed(g, w); why != "" {
				return fmt.Sprintf("schema: the book's %s %s", g, why)
			}
		}
	}
	return ""
}
