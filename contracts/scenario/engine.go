package scenario

import (
	"errors"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// evaluate runs the contract obligation engine over bases per (rule,
// period) and reports, per rule, the obligations of each period and what
// each cap did. TODO(scenario): wire to the contracts engine entry point
// that evaluates from bases once it lands.
var evaluate = func(c *contracts.Contract, periods []ledger.Period, bases [][]decimal.Decimal) ([]ruleOutcome, error) {
	return nil, errors.New("scenario: the obligation engine is not wired yet")
}
