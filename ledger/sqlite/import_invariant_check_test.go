package sqlite

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

// check runs the invariants that hold after every operation.
func (s *invState) check(ctx context.Context) {
	s.t.Helper()
	if _, err := s.db.VerifyBooksReport(ctx, reports.VerifyFinalStatements); err != nil {
		s.fatalf("Verify: %v", err)
	}
	// The stored events are exactly the model's.
	seen := map[string]bool{}
	var events []ledger.Event
	err := s.db.EachEvent(ctx, ledger.EventFilter{}, func(e *ledger.Event) error {
		events = append(events, *e) // its Quantity, UnitPrice and Meta are its own
		k := s.key(e.Source, e.EventID)
		if seen[k] {
			return fmt.Errorf("event %q of source %q stored twice", e.EventID, e.Source)
		}
		seen[k] = true
		want, ok := s.events[k]
		if !ok {
			return fmt.Errorf("event %d (%q of source %q) is not in the model", e.ID, e.EventID, e.Source)
		}
		if got := invContent(e); got != want.content {
			return fmt.Errorf("event %d (%q of source %q):\nstored %s\nmodel  %s", e.ID, e.EventID, e.Source, got, want.content)
		}
		if e.Late != want.late || e.BatchID != want.batch {
			return fmt.Errorf("event %d (%q of source %q): late %v batch %d, model %v %d", e.ID, e.EventID, e.Source, e.Late, e.BatchID, want.late, want.batch)
		}
		return nil
	})
	if err != nil {
		s.fatal(err)
	}
	if len(seen) != len(s.events) {
		s.fatalf("%d events stored, the model has %d", len(seen), len(s.events))
	}
	// Every current contract evaluates from its usage set as from the events.
	rates, cs := s.storedRatesAndContracts(ctx)
	if len(cs) != len(s.contracts) {
		s.fatalf("%d contracts stored, the model has %d", len(cs), len(s.contracts))
	}
	for _, sc := range cs {
		c := sc.Contract
		if string(c.Canonical()) != string(mustParse(s, s.contracts[c.ID].yaml()).Canonical()) {
			s.fatalf("contract %s: stored version is not the model's", c.ID)
		}
		for _, d := range []ledger.Date{{Year: 2026, Month: 12, Day: 31}, s.randDate()} {
			s.compareEvaluations(ctx, c, events, c.PeriodOf(d), rates, true)
		}
		// A version with other rates and caps (same signature, not stored)
		// evaluates from the stored set too.
		v := s.contracts[c.ID].clone()
		for i := range v.rules {
			s.randRates(&v.rules[i])
		}
		s.compareEvaluations(ctx, mustParse(s, v.yaml()), events, c.PeriodOf(s.randDate()), rates, false)
	}
}

func mustParse(s *invState, doc string) *contracts.Contract {
	c, err := contracts.Parse([]byte(doc))
	if err != nil {
		s.fatalf("parse:\n%s\n%v", doc, err)
	}
	return c
}

// compareEvaluations evaluates c through p from its usage set and from the
// stored events (read by EachEvent, in ID order), and compares the lines as JSON (event IDs included when traced).
func (s *invState) compareEvaluations(ctx context.Context, c *contracts.Contract, events []ledger.Event, p ledger.Period, rates []ledger.FXRate, trace bool) {
	s.t.Helper()
	fromUsage, ok, uerr := evaluateUsage(ctx, s.db.r, c, p, rates, trace)
	if !ok && uerr == nil {
		s.fatalf("contract %s has no usage set", c.ID)
	}
	fromEvents, eerr := contracts.Compute(c, events, rates, p, contracts.Options{TraceEvents: trace})
	var mu, me *contracts.MissingRateError
	switch {
	case uerr != nil || eerr != nil:
		if !errors.As(uerr, &mu) || !errors.As(eerr, &me) {
			s.fatalf("contract %s through %s: from usage: %v; from events: %v", c.ID, p.Label(), uerr, eerr)
		}
		// Each names the first rate it missed in its own order (aggregates
		// in Rows order, events in ID order): both must truly be missing.
		for _, m := range []*contracts.MissingRateError{mu, me} {
			for _, r := range rates {
				if r.From == m.From && r.To == m.To && !r.Date.After(m.Date) {
					s.fatalf("contract %s through %s: %v, but the rate of %s is stored", c.ID, p.Label(), m, r.Date)
				}
			}
		}
		return
	}
	a, _ := json.Marshal(fromUsage.Lines)
	b, _ := json.Marshal(fromEvents.Lines)
	if string(a) != string(b) {
		s.fatalf("contract %s through %s (trace %v):\nusage  %s\nevents %s\n%s", c.ID, p.Label(), trace, a, b, s.contracts[c.ID].yaml())
	}
}

// storedRatesAndContracts reads every stored FX rate and the current
// version of every stored contract.
func (s *invState) storedRatesAndContracts(ctx context.Context) ([]ledger.FXRate, []contracts.StoredContract) {
	s.t.Helper()
	rates, err := loadRates(ctx, s.db.r)
	if err != nil {
		s.fatal(err)
	}
	cs, err := s.db.Contracts(ctx)
	if err != nil {
		s.fatal(err)
	}
	return rates, cs
}

// checkBooked checks, after a run through the date through, that every
// contract's payables equal what the engine computes: per payer and payee,
// the sum of the lines' totals through the run's period (or the latest
// period booked before, as runContract does), in the contract's currency,
// and nothing in any other currency.
func (s *invState) checkBooked(ctx context.Context, through ledger.Date) {
	s.t.Helper()
	rates, cs := s.storedRatesAndContracts(ctx)
	bs, err := s.db.TrialBalance(ctx, ledger.BalanceQuery{})
	if err != nil {
		s.fatal(err)
	}
	for _, sc := range cs {
		c := sc.Contract
		booked, err := booksRows{ctx, s.db.r}.Bookings(c.ID)
		if err != nil {
			s.fatal(err)
		}
		evalThrough := c.PeriodOf(through)
		for _, b := range booked {
			p, err := ledger.ParsePeriod(b.Period)
			if err != nil {
				s.fatal(err)
			}
			if p.Freq == evalThrough.Freq && evalThrough.Before(p) {
				evalThrough = p
			}
		}
		res, _, err := evaluateUsage(ctx, s.db.r, c, evalThrough, rates, false)
		if err != nil {
			s.fatalf("contract %s through %s after a run: %v", c.ID, evalThrough.Label(), err)
		}
		want := map[string]decimal.Decimal{} // account -> balance in c.Currency
		for _, ln := range res.Lines {
			a := ledger.SharePayableAccount(ln.Payer, ln.Payee, c.ID)
			want[a] = want[a].Sub(ln.Total)
		}
		suffix := ":" + ledger.AccountSegment(c.ID)
		for _, b := range bs {
			if !strings.HasPrefix(b.Account, "liabilities:revshare:") || !strings.HasSuffix(b.Account, suffix) {
				continue
			}
			w := decimal.Zero
			if b.Currency == c.Currency {
				w = want[b.Account]
				delete(want, b.Account)
			}
			if !b.Amount.Equal(w) {
				s.fatalf("after a run through %s: %s %s = %s, the engine says %s (through %s)\n%s",
					through, b.Account, b.Currency, b.Amount, w, evalThrough.Label(), s.contracts[c.ID].yaml())
			}
		}
		for a, w := range want {
			if !w.IsZero() {
				s.fatalf("after a run through %s: %s %s = 0, the engine says %s", through, a, c.Currency, w)
			}
		}
	}
}
