package contracts

import (
	"fmt"
	"testing"

	"github.com/revshare/revshare/ledger"
)

func TestNotFound(t *testing.T) {
	many := make([]string, 12)
	for i := range many {
		many[i] = fmt.Sprintf("deal-%02d", i)
	}
	for _, tc := range []struct {
		id     string
		stored []string
		want   string
	}{
		{"smal", nil, `contract "smal" not found`},
		{"smal", []string{}, "contract \"smal\" not found: the book holds no contracts yet (add one with `contract add FILE.yaml`)"},
		{"smal", []string{"small"}, `contract "smal" not found: did you mean "small"? (the book holds 1 contract: small)`},
		{"Small", []string{"small", "big"}, `contract "Small" not found: did you mean "small"? (the book holds 2 contracts: big, small)`},
		{"openai", []string{"openai-microsoft", "openai-google", "xai"}, `contract "openai" not found: did you mean "openai-google" or "openai-microsoft"? (the book holds 3 contracts: openai-google, openai-microsoft, xai)`},
		{"sellre", []string{"seller", "buyer"}, `contract "sellre" not found: did you mean "seller"? (the book holds 2 contracts: buyer, seller)`},
		{"ab", []string{"ax", "small"}, `contract "ab" not found (the book holds 2 contracts: ax, small)`}, // one edit of two letters is not a likeness
		{"xyz", []string{"small"}, `contract "xyz" not found (the book holds 1 contract: small)`},
		{"deal-1", many, "contract \"deal-1\" not found: did you mean \"deal-01\" or \"deal-10\" or \"deal-11\"? (the book holds 12 contracts: deal-00, deal-01, deal-02, deal-03, deal-04, deal-05, deal-06, deal-07, deal-08, deal-09 and 2 more (see `contract list`))"},
	} {
		err := NotFound(tc.id, tc.stored)
		if ledger.ErrorCode(err) != ledger.ENOTFOUND || err.Error() != tc.want {
			t.Errorf("NotFound(%q, %q) = %s %q\nwant %q", tc.id, tc.stored, ledger.ErrorCode(err), err, tc.want)
		}
	}
}
