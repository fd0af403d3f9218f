package contracts

import (
	"testing"

	"github.com/revshare/revshare/ledger"
)

// TestValidationErrorText pins the header for each subject: empty means
// "contract", and Line and Column never show in the text.
func TestValidationErrorText(t *testing.T) {
	two := []Problem{{Path: "rules[0].rate", Line: 4, Column: 11, Reason: "want a decimal"}, {Reason: "no parties"}}
	tests := []struct {
		err  *ValidationError
		want string
	}{
		{&ValidationError{Problems: two[:1]}, "invalid contract (1 problem):\nrules[0].rate: want a decimal"},
		{&ValidationError{Problems: two}, "invalid contract (2 problems):\nrules[0].rate: want a decimal\nno parties"},
		{&ValidationError{Subject: "scenario", Problems: two[1:]}, "invalid scenario (1 problem):\nno parties"},
		{&ValidationError{Subject: "scenario", Problems: two}, "invalid scenario (2 problems):\nrules[0].rate: want a decimal\nno parties"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
		if code, msg := ledger.ErrorCode(tt.err), ledger.ErrorMessage(tt.err); code != ledger.EINVALID || msg != tt.want {
			t.Errorf("ErrorCode, ErrorMessage = %q, %q, want %q, %q", code, msg, ledger.EINVALID, tt.want)
		}
	}
}
