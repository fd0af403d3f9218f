package contracts

import (
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// Problem is one reason a contract document is invalid: where (Path, as in
// "rules[1].tiers[0].up_to", indexes from 0; Line and Column in the
// document, 1-based, 0 when unknown) and why.
type Problem struct {
	Path   string `json:"path"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Reason
	}
	return p.Path + ": " + p.Reason
}

// ValidationError lists every problem found in a contract document, in
// document order. It unwraps to a *ledger.Error with code EINVALID whose
// message is the same text, so ledger.ErrorCode and ledger.ErrorMessage work.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems one per line after a header line.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("invalid contract (1 problem):")
	} else {
		fmt.Fprintf(&b, "invalid contract (%d problems):", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap exposes the application error (EINVALID).
func (e *ValidationError) Unwrap() error {
	return &ledger.Error{Code: ledger.EINVALID, Message: e.Error()}
}
