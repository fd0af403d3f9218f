package scenario

import (
	"fmt"
	"strconv"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
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

// WorkError is a scenario refused up front because evaluating it would
// take more than Sources.MaxWork: Periods evaluated periods × Runs Monte
// Carlo runs (1 without Monte Carlo) × Variants variants × Rules rules of
// the contract. It unwraps to an EINVALID *ledger.Error with the same text.
type WorkError struct {
	Periods, Runs, Variants, Rules int
	Limit                          int64
}

// Work is the product the limit applies to. Each factor is bounded by the
// file's limits and the contract's (periods 1,200, runs 10,000,000 in all
// with the variants, rules per contract), so the product fits in int64.
func (e *WorkError) Work() int64 {
	return int64(e.Periods) * int64(e.Runs) * int64(e.Variants) * int64(e.Rules)
}

func (e *WorkError) Error() string {
	n := func(v int64, one, many string) string {
		if v == 1 {
			return "1 " + one
		}
		return ledger.GroupThousands(strconv.FormatInt(v, 10)) + " " + many
	}
	return fmt.Sprintf("%s × %s × %s × %s is %s rule evaluations, more than the %s allowed here",
		n(int64(e.Periods), "period", "periods"), n(int64(e.Runs), "run", "runs"), n(int64(e.Variants), "variant", "variants"), n(int64(e.Rules), "rule", "rules"),
		ledger.GroupThousands(strconv.FormatInt(e.Work(), 10)), ledger.GroupThousands(strconv.FormatInt(e.Limit, 10)))
}

func (e *WorkError) Unwrap() error { return ledger.Errorf(ledger.EINVALID, "%s", e.Error()) }
