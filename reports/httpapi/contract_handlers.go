package httpapi

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
)

// ContractJSON is a contract as the API shows it (the contract file's
// fields, amounts as strings).
type ContractJSON struct {
	ID         string              `json:"id"`
	Name       string              `json:"name"`
	Version    int                 `json:"version"`
	Currency   string              `json:"currency"`
	Timezone   string              `json:"timezone"`
	Period     string              `json:"period"`
	Rounding   string              `json:"rounding"`
	Parties    []string            `json:"parties"`
	Rules      []RuleJSON          `json:"rules"`
	SharedCaps []SharedCapJSON     `json:"shared_caps,omitempty"`
	Advances   []AdvanceJSON       `json:"advances,omitempty"`
	Amendments []contractAmendment `json:"amendments"`
}

// SharedCapJSON is a cap over several rules of one payer.
type SharedCapJSON struct {
	ID    string            `json:"id"`
	Rules []string          `json:"rules"`
	Cap   map[string]string `json:"cap"`
}

// AdvanceJSON is a recoupable advance.
type AdvanceJSON struct {
	ID         string   `json:"id"`
	Payer      string   `json:"payer"`
	Payee      string   `json:"payee"`
	Date       string   `json:"date"`
	Amount     string   `json:"amount"`
	RecoupFrom []string `json:"recoup_from"`
}

// SplitJSON is one payee's share of a split rule.
type SplitJSON struct {
	Party string `json:"party"`
	Share string `json:"share"`
}

// RuleJSON is a contract rule.
type RuleJSON struct {
	ID         string              `json:"id"`
	Payer      string              `json:"payer"`
	Payee      string              `json:"payee"`
	Payees     []SplitJSON         `json:"payees,omitempty"` // a split rule's payees (payee is then empty)
	Match      map[string][]string `json:"match"`
	Rate       string              `json:"rate,omitempty"`
	Tiers      []map[string]string `json:"tiers,omitempty"`
	TierWindow string              `json:"tier_window,omitempty"`
	From       string              `json:"from,omitempty"`
	Through    string              `json:"through,omitempty"` // inclusive, when the contract wrote the end so
	Until      string              `json:"until,omitempty"`   // exclusive
	Cap        map[string]string   `json:"cap"`
	Minimum    map[string]string   `json:"minimum,omitempty"`
	FXRule     string              `json:"fx_rule,omitempty"`
}

type contractAmendment struct {
	Date string `json:"date"`
	Note string `json:"note"`
}

func toContractJSON(sc contracts.StoredContract) ContractJSON {
	c := sc.Contract
	j := ContractJSON{ID: c.ID, Name: c.Name, Version: sc.Version, Currency: c.Currency, Timezone: c.Timezone, Period: string(c.Period),
		Rounding: string(c.Rounding), Parties: c.Parties, Rules: []RuleJSON{}, Amendments: []contractAmendment{}}
	for _, a := range c.Amendments {
		j.Amendments = append(j.Amendments, contractAmendment{a.Date.String(), a.Note})
	}
	for i := range c.Rules {
		j.Rules = append(j.Rules, toRuleJSON(&c.Rules[i]))
	}
	for _, sc := range c.SharedCaps {
		sj := SharedCapJSON{ID: sc.ID, Rules: sc.Rules, Cap: map[string]string{}}
		for _, l := range sc.Caps() {
			sj.Cap[string(l.Kind)] = ledger.FormatAmount(l.Limit)
		}
		j.SharedCaps = append(j.SharedCaps, sj)
	}
	for _, a := range c.Advances {
		j.Advances = append(j.Advances, AdvanceJSON{ID: a.ID, Payer: a.Payer, Payee: a.Payee, Date: a.Date.String(),
			Amount: ledger.FormatAmount(a.Amount), RecoupFrom: a.RecoupFrom})
	}
	return j
}

func toRuleJSON(r *contracts.Rule) RuleJSON {
	j := RuleJSON{ID: r.ID, Payer: r.Payer, Payee: r.Payee, Match: map[string][]string{}, TierWindow: string(r.TierWindow),
		From: dateText(r.From), Through: dateText(r.Through), Until: dateText(r.Until), Cap: map[string]string{}, FXRule: string(r.FXRule)}
	for k, v := range map[string][]string{"seller": r.Match.Seller, "channel": r.Match.Channel, "customer": r.Match.Customer, "product": r.Match.Product, "region": r.Match.Region} {
		if len(v) > 0 {
			j.Match[k] = v
		}
	}
	// Rates and bounds as written ("0.20", not "0.2").
	if r.Rate != nil {
		j.Rate = ledger.FormatAmount(*r.Rate)
	}
	for _, t := range r.Tiers {
		m := map[string]string{"rate": ledger.FormatAmount(t.Rate)}
		if t.UpTo != nil {
			m["up_to"] = ledger.FormatAmount(*t.UpTo)
		}
		j.Tiers = append(j.Tiers, m)
	}
	if len(r.Tiers) == 0 {
		j.TierWindow = ""
	}
	for _, c := range r.Caps() {
		j.Cap[string(c.Kind)] = ledger.FormatAmount(c.Limit)
	}
	if r.Minimum.PerYear != nil {
		j.Minimum = map[string]string{"per_year": ledger.FormatAmount(*r.Minimum.PerYear)}
	}
	for _, sp := range r.Payees {
		j.Payees = append(j.Payees, SplitJSON{Party: sp.Party, Share: ledger.FormatAmount(sp.Share)})
	}
	return j
}

func (s *Server) contractsPage(r *http.Request) ([]ContractJSON, string, error) {
	pg, err := pageOf(r)
	if err != nil {
		return nil, "", err
	}
	cs, err := s.read.Contracts.Contracts(r.Context())
	if err != nil {
		return nil, "", err
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].Contract.ID < cs[j].Contract.ID })
	cs, next := pageFrom(cs, pg.limit,
		func(c contracts.StoredContract) bool { return pg.cursor == "" || c.Contract.ID > pg.cursor },
		func(c contracts.StoredContract) string { return c.Contract.ID })
	items := make([]ContractJSON, len(cs))
	for i, c := range cs {
		items[i] = toContractJSON(c)
	}
	return items, next, nil
}

func (s *Server) contracts(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodPost {
		return s.addContract(w, r)
	}
	return serveList(w, r, s.contractsPage, contractsCSV)
}

var contractsCSV = csvTable[ContractJSON]{
	header: []string{"id", "name", "version", "currency", "period", "parties", "rules"},
	row: func(c ContractJSON) []string {
		return []string{c.ID, c.Name, strconv.Itoa(c.Version), c.Currency, c.Period, strings.Join(c.Parties, " "), strconv.Itoa(len(c.Rules))}
	},
}

func (s *Server) addContract(w http.ResponseWriter, r *http.Request) error {
	doc, err := readBody(r)
	if err != nil {
		return err
	}
	c, err := contracts.Parse(doc)
	if err != nil {
		return err
	}
	// POST adds a contract or a new version of one.
	_, existsErr := s.write.Contracts.Contract(r.Context(), c.ID)
	v, err := s.write.Contracts.SaveContract(r.Context(), c, existsErr == nil)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"contract": c.ID, "version": v})
}

func (s *Server) contractOf(r *http.Request) (contracts.StoredContract, error) {
	return contracts.FindContract(r.Context(), s.read.Contracts, pathVar(r, "id"))
}

func (s *Server) getContract(w http.ResponseWriter, r *http.Request) error {
	c, err := s.contractOf(r)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toContractJSON(c))
}
