package ledger

// EachPage walks rows in ID order a page at a time, so that memory holds
// one page however many rows match: read returns up to n rows with an ID
// above after, in ID order, and id says a row's ID. fn is called with
// each row in turn. The walk ends after limit rows (0: no limit), at a
// page shorter than asked for, or at the first error of read or fn, which
// it returns. Both storage backends stream entries and events through it.
func EachPage[T any](after int64, limit, pageSize int, read func(after int64, n int) ([]T, error), id func(*T) int64, fn func(*T) error) error {
	left := limit
	for {
		n := pageSize
		if limit > 0 && left < n {
			n = left
		}
		if n == 0 {
			return nil
		}
		page, err := read(after, n)
		if err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < n {
			return nil
		}
		after = id(&page[len(page)-1])
		left -= len(page)
	}
}
