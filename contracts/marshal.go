package contracts

import (
	"bytes"
	"encoding/json"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"
)

// document is the canonical form of a contract: every default made
// explicit, decimals as strings (exactly as parsed), dates as YYYY-MM-DD.
// Its YAML and JSON forms both re-parse to an equal Contract.
type document struct {
	ID         string         `yaml:"id" json:"id"`
	Name       string         `yaml:"name,omitempty" json:"name,omitempty"`
	Currency   string         `yaml:"currency" json:"currency"`
	Timezone   string         `yaml:"timezone" json:"timezone"`
	Period     string         `yaml:"period" json:"period"`
	Rounding   string         `yaml:"rounding" json:"rounding"`
	Parties    []string       `yaml:"parties,flow" json:"parties"`
	Rules      []ruleDoc      `yaml:"rules" json:"rules"`
	SharedCaps []sharedCapDoc `yaml:"shared_caps,omitempty" json:"shared_caps,omitempty"`
	Advances   []advanceDoc   `yaml:"advances,omitempty" json:"advances,omitempty"`
	Amendments []amendmentDoc `yaml:"amendments,omitempty" json:"amendments,omitempty"`
}

type ruleDoc struct {
	ID         string     `yaml:"id" json:"id"`
	Payer      string     `yaml:"payer" json:"payer"`
	Payee      string     `yaml:"payee,omitempty" json:"payee,omitempty"`
	Payees     []splitDoc `yaml:"payees,omitempty" json:"payees,omitempty"`
	Match      *matchDoc  `yaml:"match,omitempty,flow" json:"match,omitempty"`
	Rate       string     `yaml:"rate,omitempty" json:"rate,omitempty"`
	Tiers      []tierDoc  `yaml:"tiers,omitempty" json:"tiers,omitempty"`
	TierWindow string     `yaml:"tier_window,omitempty" json:"tier_window,omitempty"`
	From       string     `yaml:"from,omitempty" json:"from,omitempty"`
	Through    string     `yaml:"through,omitempty" json:"through,omitempty"`
	Until      string     `yaml:"until,omitempty" json:"until,omitempty"`
	Cap        *capDoc    `yaml:"cap,omitempty" json:"cap,omitempty"`
	Minimum    *minDoc    `yaml:"minimum,omitempty" json:"minimum,omitempty"`
	FXRule     string     `yaml:"fx_rule" json:"fx_rule"`
}

type matchDoc struct {
	Seller   []string `yaml:"seller,omitempty" json:"seller,omitempty"`
	Channel  []string `yaml:"channel,omitempty" json:"channel,omitempty"`
	Customer []string `yaml:"customer,omitempty" json:"customer,omitempty"`
	Product  []string `yaml:"product,omitempty" json:"product,omitempty"`
	Region   []string `yaml:"region,omitempty" json:"region,omitempty"`
}

type tierDoc struct {
	UpTo string `yaml:"up_to,omitempty" json:"up_to,omitempty"`
	Rate string `yaml:"rate" json:"rate"`
}

type capDoc struct {
	Total     string `yaml:"total,omitempty" json:"total,omitempty"`
	PerYear   string `yaml:"per_year,omitempty" json:"per_year,omitempty"`
	PerPeriod string `yaml:"per_period,omitempty" json:"per_period,omitempty"`
}

type minDoc struct {
	PerYear string `yaml:"per_year" json:"per_year"`
}

type splitDoc struct {
	Party string `yaml:"party" json:"party"`
	Share string `yaml:"share" json:"share"`
}

// sharedCapDoc holds a cap's limits beside its id and rules (JSON promotes
// the embedded fields; YAML needs inline).
type sharedCapDoc struct {
	ID     string   `yaml:"id" json:"id"`
	Rules  []string `yaml:"rules,flow" json:"rules"`
	capDoc `yaml:",inline"`
}

type advanceDoc struct {
	ID         string   `yaml:"id" json:"id"`
	Payer      string   `yaml:"payer" json:"payer"`
	Payee      string   `yaml:"payee" json:"payee"`
	Date       string   `yaml:"date" json:"date"`
	Amount     string   `yaml:"amount" json:"amount"`
	RecoupFrom []string `yaml:"recoup_from,flow" json:"recoup_from"`
}

type amendmentDoc struct {
	Date string `yaml:"date" json:"date"`
	Note string `yaml:"note" json:"note"`
}

func decString(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return ledger.FormatAmount(*d)
}

func dateString(d ledger.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

func (c Cap) doc() capDoc {
	return capDoc{decString(c.Total), decString(c.PerYear), decString(c.PerPeriod)}
}

func (c *Contract) document() document {
	doc := document{
		ID: c.ID, Name: c.Name, Currency: c.Currency, Timezone: c.Timezone,
		Period: string(c.Period), Rounding: string(c.Rounding), Parties: c.Parties,
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		rd := ruleDoc{ID: r.ID, Payer: r.Payer, Payee: r.Payee, Rate: decString(r.Rate),
			From: dateString(r.From), FXRule: string(r.FXRule)}
		if r.Through.IsZero() {
			rd.Until = dateString(r.Until)
		} else {
			rd.Through = dateString(r.Through)
		}
		m := r.Match
		if len(m.Seller)+len(m.Channel)+len(m.Customer)+len(m.Product)+len(m.Region) > 0 {
			rd.Match = &matchDoc{m.Seller, m.Channel, m.Customer, m.Product, m.Region}
		}
		if len(r.Tiers) > 0 {
			rd.TierWindow = string(r.TierWindow)
			for _, t := range r.Tiers {
				rate := t.Rate
				rd.Tiers = append(rd.Tiers, tierDoc{UpTo: decString(t.UpTo), Rate: decString(&rate)})
			}
		}
		if r.Cap != (Cap{}) {
			cd := r.Cap.doc()
			rd.Cap = &cd
		}
		if r.Minimum.PerYear != nil {
			rd.Minimum = &minDoc{decString(r.Minimum.PerYear)}
		}
		for _, sp := range r.Payees {
			share := sp.Share
			rd.Payees = append(rd.Payees, splitDoc{sp.Party, decString(&share)})
		}
		doc.Rules = append(doc.Rules, rd)
	}
	for _, sc := range c.SharedCaps {
		doc.SharedCaps = append(doc.SharedCaps, sharedCapDoc{sc.ID, sc.Rules, sc.Cap.doc()})
	}
	for _, a := range c.Advances {
		amount := a.Amount
		doc.Advances = append(doc.Advances, advanceDoc{a.ID, a.Payer, a.Payee, a.Date.String(), decString(&amount), a.RecoupFrom})
	}
	for _, a := range c.Amendments {
		doc.Amendments = append(doc.Amendments, amendmentDoc{a.Date.String(), a.Note})
	}
	return doc
}

// MarshalYAML renders the canonical document (see Canonical).
func (c *Contract) MarshalYAML() (any, error) { return c.document(), nil }

// MarshalJSON renders the canonical document as JSON, decimals as strings.
func (c *Contract) MarshalJSON() ([]byte, error) { return json.Marshal(c.document()) }

// Canonical returns the contract as canonical YAML: defaults explicit,
// decimals as quoted strings, fields in the order of spec section 3.
// Parse(c.Canonical()) returns a contract equal to c.
func (c *Contract) Canonical() []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(c.document()); err != nil {
		// Encoding plain strings and slices cannot fail.
		panic("contracts: canonical YAML: " + err.Error())
	}
	enc.Close()
	return b.Bytes()
}
