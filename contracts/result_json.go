package contracts

import (
	"encoding/json"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

// MarshalJSON renders a Result with amounts as strings: money (gross, caps,
// obligation, true-up, total) in the contract currency's minor units
// ("200.00", "1852" in JPY), bases and breakdowns exactly as summed.
func (r *Result) MarshalJSON() ([]byte, error) {
	type capJSON struct {
		Shared         string  `json:"shared,omitempty"`
		Kind           CapKind `json:"kind"`
		Limit          string  `json:"limit"`
		ConsumedBefore string  `json:"consumed_before"`
		Applied        string  `json:"applied"`
		RemainingAfter string  `json:"remaining_after"`
		Bound          bool    `json:"bound"`
	}
	type splitJSON struct {
		Payee  string `json:"payee"`
		Share  string `json:"share"`
		Amount string `json:"amount"`
	}
	type lineJSON struct {
		Rule          string            `json:"rule"`
		Payer         string            `json:"payer"`
		Payee         string            `json:"payee"`
		Period        ledger.Period     `json:"period"`
		Base          string            `json:"base"`
		Events        int               `json:"events"`
		ByChannel     map[string]string `json:"by_channel,omitempty"`
		ByProduct     map[string]string `json:"by_product,omitempty"`
		Gross         string            `json:"gross"`
		Caps          []capJSON         `json:"caps"`
		Obligation    string            `json:"obligation"`
		MinimumTrueUp string            `json:"minimum_true_up"`
		Total         string            `json:"total"`
		EventIDs      []int64           `json:"event_ids,omitempty"`
		RefundFloor   string            `json:"refund_floor,omitempty"`
		Splits        []splitJSON       `json:"splits,omitempty"`
	}
	cur := ""
	id := ""
	if r.Contract != nil {
		cur, id = r.Contract.Currency, r.Contract.ID
	}
	m := func(d decimal.Decimal) string { return ledger.FormatMoney(d, cur) }
	exact := func(in map[string]decimal.Decimal) map[string]string {
		if in == nil {
			return nil
		}
		out := make(map[string]string, len(in))
		for k, v := range in {
			out[k] = ledger.FormatAmount(v)
		}
		return out
	}
	out := struct {
		Contract string         `json:"contract"`
		Currency string         `json:"currency"`
		First    *ledger.Period `json:"first,omitempty"`
		Through  ledger.Period  `json:"through"`
		Lines    []lineJSON     `json:"lines"`
	}{Contract: id, Currency: cur, Through: r.Through, Lines: []lineJSON{}}
	if len(r.Lines) > 0 {
		out.First = &r.First
	}
	for _, ln := range r.Lines {
		lj := lineJSON{Rule: ln.Rule, Payer: ln.Payer, Payee: ln.Payee, Period: ln.Period, Base: ledger.FormatAmount(ln.Base),
			Events: ln.Events, ByChannel: exact(ln.ByChannel), ByProduct: exact(ln.ByProduct), Gross: m(ln.Gross),
			Caps: []capJSON{}, Obligation: m(ln.Obligation), MinimumTrueUp: m(ln.MinimumTrueUp), Total: m(ln.Total), EventIDs: ln.EventIDs}
		for _, c := range ln.Caps {
			lj.Caps = append(lj.Caps, capJSON{c.Shared, c.Kind, m(c.Limit), m(c.ConsumedBefore), m(c.Applied), m(c.RemainingAfter), c.Bound})
		}
		if ln.RefundFloor != nil {
			lj.RefundFloor = m(*ln.RefundFloor)
		}
		for _, sp := range ln.Splits {
			lj.Splits = append(lj.Splits, splitJSON{sp.Payee, ledger.FormatAmount(sp.Share), m(sp.Amount)})
		}
		out.Lines = append(out.Lines, lj)
	}
	return json.Marshal(out)
}
