package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/scenario"
	"github.com/revshare/revshare/ledger"
)

// RunRequest is the body of POST /runs.
type RunRequest struct {
	Through string `json:"through"`
}

func (s *Server) run(w http.ResponseWriter, r *http.Request) error {
	var req RunRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	p, err := ledger.ParsePeriod(req.Through)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "through: %s", err.Error())
	}
	res, err := s.write.Runs.Run(r.Context(), p.Last())
	countResult(s.metrics.RunsTotal, err)
	if err != nil {
		return err
	}
	res.NoteNotEnded(ledger.DateOf(s.clock.Now().UTC()))
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) closePeriod(w http.ResponseWriter, r *http.Request) error {
	p, err := periodParam(r, "period")
	if err != nil {
		return err
	}
	res, err := s.write.Closer.Close(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

// PaymentRequest is the body of POST /payments (amount as a string).
type PaymentRequest struct {
	Contract  string `json:"contract"`
	Payer     string `json:"payer"`
	Payee     string `json:"payee"`
	Amount    string `json:"amount"`
	Date      string `json:"date"`
	Reference string `json:"reference"`
}

func (s *Server) pay(w http.ResponseWriter, r *http.Request) error {
	var req PaymentRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	var missing []string
	for _, f := range []struct{ name, v string }{{"contract", req.Contract}, {"payer", req.Payer}, {"payee", req.Payee}, {"amount", req.Amount}, {"date", req.Date}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return ledger.Errorf(ledger.EINVALID, "missing %s", strings.Join(missing, ", "))
	}
	amt, err := ledger.ParseDecimal(req.Amount)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "invalid amount %s", ledger.ErrorMessage(err))
	}
	d, err := ledger.ParseDate(req.Date)
	if err != nil {
		return ledger.Errorf(ledger.EINVALID, "%s", err.Error())
	}
	res, err := s.write.Payments.Pay(r.Context(), contracts.Payment{Contract: req.Contract, Payer: req.Payer, Payee: req.Payee, Amount: amt, Date: d, Reference: req.Reference})
	if err != nil {
		return err
	}
	// A repeat (same reference, same payment) records nothing: it says so,
	// as `pay` does, so that a client retrying after a timeout can tell
	// that nothing was paid twice.
	status := http.StatusCreated
	if res.AlreadyRecorded {
		status = http.StatusOK
	}
	return writeJSON(w, status, PaymentResponse{Entry: res.Entry, Reference: res.Reference, AlreadyRecorded: res.AlreadyRecorded})
}

// PaymentResponse is the answer to POST /payments: 201 with the new entry,
// or 200 with already_recorded when the reference was paid before with the
// same payment (Entry is then the first one). Reference is the one the
// payment is recorded under (derived from its content when none was given).
type PaymentResponse struct {
	Entry           int64  `json:"entry"`
	Reference       string `json:"reference"`
	AlreadyRecorded bool   `json:"already_recorded"`
}

func (s *Server) scenario(w http.ResponseWriter, r *http.Request) error {
	doc, err := readBody(r)
	if err != nil {
		return err
	}
	res, err := s.read.Scenarios.Evaluate(r.Context(), doc)
	var we *scenario.WorkError
	switch {
	case errors.As(err, &we):
		return ledger.Errorf(ledger.EINVALID, "scenario too large for one request: %s; run it on your own machine with the command line, which has no such limit: revshare scenario FILE.yaml", we)
	case errors.Is(err, context.DeadlineExceeded):
		return ledger.Errorf(ETimeout, "the scenario took longer than %d minutes, the most one request may, and was stopped; run it on your own machine with the command line, which has no time limit: revshare scenario FILE.yaml", LongTimeout.Round(time.Minute)/time.Minute)
	case err != nil:
		return scenarioInvalid(err)
	}
	// The result's own JSON, as revshare scenario --format json writes it.
	var buf bytes.Buffer
	if err := res.WriteJSON(&buf); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, json.RawMessage(buf.Bytes()))
}

// scenarioInvalid is an invalid scenario's error as one EINVALID message
// listing its problems; other errors pass through.
func scenarioInvalid(err error) error {
	var ve *scenario.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	ps := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		ps[i] = fmt.Sprint(p)
	}
	return ledger.Errorf(ledger.EINVALID, "invalid scenario: %s", strings.Join(ps, "; "))
}
