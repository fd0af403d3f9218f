package ledger

import "github.com/shopspring/decimal"

// FXRate is one imported exchange rate: 1 unit of From is Rate units of To,
// from Date on (until a later rate for the same pair). A rate is read in its
// own direction only; no inverse is inferred.
type FXRate struct {
	Date Date
	From string
	To   string
	Rate decimal.Decimal
}
