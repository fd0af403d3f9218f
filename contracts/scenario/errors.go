package scenario

import (
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// Problem is one thing wrong with a scenario file: where (a path in the
// document, like streams[0].growth.monthly) and why.
type Problem struct {
	Path   string `json:"path"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Reason
	}
	return p.Path + ": " + p.Reason
}

// ValidationError lists every problem found in a scenario file, in document
// order. It unwraps to an EINVALID *ledger.Error carrying the same text, so
// ledger.ErrorCode reports it as invalid input.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems one per line after a header line, as
// contracts.ValidationError does.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		b.WriteString("invalid scenario (1 problem):")
	} else {
		fmt.Fprintf(&b, "invalid scenario (%d problems):", len(e.Problems))
	}
	for _, p := range e.Problems {
		b.WriteString("\n")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap exposes the error as an EINVALID application error.
func (e *ValidationError) Unwrap() error {
	return &ledger.Error{Code: ledger.EINVALID, Message: e.Error()}
}

// problems collects Problems while a document is walked.
type problems struct {
	list []Problem
}

func (ps *problems) add(path, format string, args ...any) {
	ps.list = append(ps.list, Problem{Path: path, Reason: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list}
}
