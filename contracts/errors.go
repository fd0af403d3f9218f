package contracts

import (
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// Problem is one reason a document is invalid: where (Path, as in
// "rules[1].tiers[0].up_to", indexes from 0; Line and Column in the
// document, 1-based, 0 when unknown) and why. Contract documents and
// scenario files (package scenario) both report their problems this way.
type Problem struct {
	Path   string `json:"path"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Reason string `json:"reason"`
}

// String is "path: reason", or the reason alone when there is no path;
// Line and Column are not part of the text.
func (p Problem) String() string {
	if p.Path == "" {
		return p.Reason
	}
	return p.Path + ": " + p.Reason
}

// ValidationError lists every problem found in a document, in document
// order. It unwraps to a *ledger.Error with code EINVALID whose message is
// the same text, so ledger.ErrorCode and ledger.ErrorMessage work.
type ValidationError struct {
	// Subject names the kind of document in the header line, as in
	// "invalid scenario (2 problems):"; empty means "contract".
	Subject  string
	Problems []Problem
}

// Error lists the problems one per line after a header line.
func (e *ValidationError) Error() string {
	subject := e.Subject
	if subject == "" {
		subject = "contract"
	}
	var b strings.Builder
	if len(e.Problems) == 1 {
		fmt.Fprintf(&b, "invalid %s (1 problem):", subject)
	} else {
		fmt.Fprintf(&b, "invalid %s (%d problems):", subject, len(e.Problems))
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
