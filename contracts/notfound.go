package contracts

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/revshare/revshare/internal/spelling"
	"github.com/revshare/revshare/ledger"
)

// maxListed bounds the contract IDs a not-found error lists.
const maxListed = 10

// NotFound is the ENOTFOUND of a contract ID no version is stored under,
// the one wording of it: a storage backend returns it with stored nil (it
// names the ID only), and FindContract (or books.FindContract) words it
// again with the IDs of the stored contracts, so that a mistyped ID gets
// the one meant:
//
//	contract "smal" not found: did you mean "small"? (the book holds 1 contract: small)
func NotFound(id string, stored []string) error {
	if stored == nil {
		return ledger.Errorf(ledger.ENOTFOUND, "contract %q not found", id)
	}
	if len(stored) == 0 {
		return ledger.Errorf(ledger.ENOTFOUND, "contract %q not found: the book holds no contracts yet (add one with `contract add FILE.yaml`)", id)
	}
	ids := append([]string(nil), stored...)
	sort.Strings(ids)
	held := fmt.Sprintf("the book holds %d contract%s: ", len(ids), map[bool]string{true: "s"}[len(ids) > 1])
	if len(ids) > maxListed {
		held += strings.Join(ids[:maxListed], ", ") + fmt.Sprintf(" and %d more (see `contract list`)", len(ids)-maxListed)
	} else {
		held += strings.Join(ids, ", ")
	}
	if near := spelling.Nearest(id, ids); len(near) > 0 {
		for i, n := range near {
			near[i] = strconv.Quote(n)
		}
		return ledger.Errorf(ledger.ENOTFOUND, "contract %q not found: did you mean %s? (%s)", id, strings.Join(near, " or "), held)
	}
	return ledger.Errorf(ledger.ENOTFOUND, "contract %q not found (%s)", id, held)
}

// FindContract returns the latest version of contract id in s. An unknown
// ID is NotFound with the stored contracts' IDs (ENOTFOUND); other errors
// are s's.
func FindContract(ctx context.Context, s ContractStore, id string) (StoredContract, error) {
	sc, err := s.Contract(ctx, id)
	if ledger.ErrorCode(err) != ledger.ENOTFOUND {
		return sc, err
	}
	all, lerr := s.Contracts(ctx)
	if lerr != nil {
		return sc, err
	}
	return sc, NotFound(id, IDs(all))
}

// IDs returns the IDs of cs, in order.
func IDs(cs []StoredContract) []string {
	ids := make([]string, len(cs))
	for i, sc := range cs {
		ids[i] = sc.Contract.ID
	}
	return ids
}
