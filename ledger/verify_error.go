package ledger

import "fmt"

// VerifyError is an invariant violation found by a verification: what a
// Verifier reports as VerifyResult.Violation. EntryID is the first broken
// entry (0 when the violation is not one entry's, such as ledger totals or
// a stored fact's link check).
type VerifyError struct {
	EntryID int64
	Reason  string
}

func (e *VerifyError) Error() string {
	if e.EntryID == 0 {
		return e.Reason
	}
	return fmt.Sprintf("entry %d: %s", e.EntryID, e.Reason)
}

// FactError is the violation of a stored fact: in table, the row named by
// key has column found where the facts give expected.
func FactError(table, key, column, expected, found string) *VerifyError {
	return &VerifyError{Reason: fmt.Sprintf("%s %s: %s is %q, expected %q", table, key, column, found, expected)}
}
