package httpapi

import (
	"net/http"
	"net/url"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
	"github.com/shopspring/decimal"
)

// dashboardContracts bounds the contracts the dashboard shows; the
// contracts page lists them all.
const dashboardContracts = 20

// dashboardData is the home page: where every contract stands, the
// ledger's state and its latest import.
type dashboardData struct {
	ClosedThrough string
	Contracts     []dashboardContract
	More          int // contracts not shown
	Error         map[string]string
	LastImport    *ledger.ImportBatch
	Verify        dashboardVerify
}

// dashboardContract is one contract on the dashboard: what is due per pair
// at the close of the last final statement and with the open draft, and
// its caps.
type dashboardContract struct {
	ID, Name, Currency string
	Due                []dashboardDue
	Caps               []dashboardCap
	Error              string
}

// dashboardDue is what a statement's pair closes at.
type dashboardDue struct {
	Period, Status string
	Href           string // the statement
	Payer, Payee   string
	Due            string
}

// dashboardCap is a cap's standing with its share used.
type dashboardCap struct {
	CapJSON
	UsedPercent string
}

func (s *Server) webIndex(w http.ResponseWriter, r *http.Request) error {
	d := dashboardData{Error: map[string]string{}}
	ctx := r.Context()
	if ct, err := s.read.Journal.ClosedThrough(ctx); err != nil {
		d.Error["closed"] = ledger.ErrorMessage(err)
	} else {
		d.ClosedThrough = dateText(ct)
	}
	if b, err := s.lastImport(r); err != nil {
		d.Error["import"] = ledger.ErrorMessage(err)
	} else {
		d.LastImport = b
	}
	d.Verify = s.dashboardVerification(r)
	if cs, err := s.read.Contracts.Contracts(ctx); err != nil {
		d.Error["contracts"] = ledger.ErrorMessage(err)
	} else {
		if len(cs) > dashboardContracts {
			d.More = len(cs) - dashboardContracts
			cs = cs[:dashboardContracts]
		}
		for _, sc := range cs {
			d.Contracts = append(d.Contracts, s.dashboardContract(r, sc))
		}
	}
	return s.render(w, r, http.StatusOK, "dashboard", "Dashboard", d)
}

// dashboardContract reads a contract's last final and its latest
// statement, and its caps as of today.
func (s *Server) dashboardContract(r *http.Request, sc contracts.StoredContract) dashboardContract {
	c := sc.Contract
	out := dashboardContract{ID: c.ID, Name: c.Name, Currency: c.Currency}
	periods, err := s.read.Statements.StatementPeriods(r.Context(), c.ID)
	if err != nil {
		out.Error = ledger.ErrorMessage(err)
		return out
	}
	var show []reports.StatementSummary
	for i := len(periods) - 1; i >= 0; i-- {
		if periods[i].Status == "final" {
			show = append(show, periods[i])
			break
		}
		if i == len(periods)-1 {
			show = append(show, periods[i]) // the open draft
		}
	}
	for i := len(show) - 1; i >= 0; i-- { // the final first
		p, err := ledger.ParsePeriod(show[i].Period)
		if err != nil {
			out.Error = err.Error()
			return out
		}
		st, err := s.read.Statements.Statement(r.Context(), c.ID, p)
		if err != nil {
			out.Error = ledger.ErrorMessage(err)
			return out
		}
		for _, pr := range st.Pairs {
			out.Due = append(out.Due, dashboardDue{Period: st.Period.Label, Status: st.Status, Href: "/web/contracts/" + url.PathEscape(c.ID) + "/statements/" + st.Period.Label,
				Payer: pr.Payer, Payee: pr.Payee, Due: pr.ClosingBalance})
		}
	}
	caps, err := s.read.Caps.CapStatus(r.Context(), c.ID, ledger.Date{})
	if err != nil {
		out.Error = ledger.ErrorMessage(err)
		return out
	}
	for _, cp := range caps {
		dc := dashboardCap{CapJSON: CapJSON{cp.Rule, cp.Shared, cp.Kind, cp.Period, ledger.FormatAmount(cp.Limit), ledger.FormatAmount(cp.Consumed), ledger.FormatAmount(cp.Remaining), cp.ProjectedBinding}}
		if cp.Limit.IsPositive() {
			dc.UsedPercent = cp.Consumed.Mul(decimal.NewFromInt(100)).Div(cp.Limit).StringFixed(1)
		}
		out.Caps = append(out.Caps, dc)
	}
	return out
}

// lastImport is the latest import batch, nil when there is none.
func (s *Server) lastImport(r *http.Request) (*ledger.ImportBatch, error) {
	var last *ledger.ImportBatch
	for after := int64(0); ; {
		bs, err := s.read.Imports.ImportBatches(r.Context(), after, MaxPageSize)
		if err != nil {
			return nil, err
		}
		if len(bs) == 0 {
			return last, nil
		}
		last = &bs[len(bs)-1]
		if len(bs) < MaxPageSize {
			return last, nil
		}
		after = last.ID
	}
}
