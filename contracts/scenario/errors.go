package scenario

import (
	"fmt"

	"github.com/revshare/revshare/contracts"
)

// Problem is one thing wrong with a scenario file: where (a path in the
// document, like streams[0].growth.monthly), why, and the line in the
// file (Parse and Prepare set it; 0 when unknown). It is the contracts
// package's type; scenario problems leave Column at 0.
type Problem = contracts.Problem

// ValidationError lists every problem found in a scenario file, in document
// order, under the header "invalid scenario (N problems):". It is the
// contracts package's type with Subject "scenario"; it unwraps to an
// EINVALID *ledger.Error carrying the same text, so ledger.ErrorCode reports
// it as invalid input. Build one with invalid, which sets the subject.
type ValidationError = contracts.ValidationError

// invalid is the *ValidationError for a scenario file with these problems.
func invalid(ps ...Problem) *ValidationError {
	return &ValidationError{Subject: "scenario", Problems: ps}
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
	return invalid(ps.list...)
}
