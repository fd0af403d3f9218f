package reports

import (
	"bytes"
	"context"
	"fmt"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// Books serves the statements and caps of the contracts on a books.Store
// and closes their periods (StatementService, CapService, Closer): the
// rules of spec section 5 live here, so that every storage backend closes
// and serves statements alike.
type Books struct {
	Store books.Store
	Clock ledger.Clock // today, for Close and the listings
	// CrashPoint, when set, is called with "close-1", "close-2", ... at
	// each step of a close: after each booking, after the close row,
	// after each final statement, before the commit and after it. The
	// crash test kills the process there; unset, it costs nothing.
	CrashPoint func(name string)
}

// Ended says EINVALID unless period p has ended by today (in UTC, as
// ledger dates are): closing one that has not would refuse every later
// booking dated in it, which is never what a finance team means.
func Ended(p ledger.Period, clock ledger.Clock) error {
	if today := ledger.DateOf(clock.Now().UTC()); !p.Last().Before(today) {
		return ledger.Errorf(ledger.EINVALID, "cannot close %s: it ends on %s, and today is %s (a period is closed once it has ended)",
			p.Label(), p.Last(), today)
	}
	return nil
}

// Close closes the books through period p's last day once p has ended
// (Ended, then CloseThrough).
func (b Books) Close(ctx context.Context, p ledger.Period) (CloseResult, error) {
	if err := Ended(p, b.Clock); err != nil {
		return CloseResult{}, err
	}
	res, err := b.CloseThrough(ctx, p.Last())
	if err != nil {
		return CloseResult{}, err
	}
	res.Period = p.Label()
	return res, nil
}

// CloseThrough closes the books through a date (spec section 5), in one
// write transaction: it books what a run through it would book (books.Run),
// closes every date up to through, and stores the final statement of every
// period of every contract that ends on or before through and has none
// yet, each with what it was rendered from (the contract version, the last
// event and the last exchange-rate batch) so that verify can render it
// again. Any error, or a kill at any point, leaves nothing of it. Closing
// through an earlier date than the closed-through one is EINVALID, before
// anything is booked; closing it again books what a run would and stores
// the statements still missing (of contracts added since). A book with
// neither contracts nor entries is EINVALID, and nothing is closed.
func (b Books) CloseThrough(ctx context.Context, through ledger.Date) (CloseResult, error) {
	res := CloseResult{ClosedThrough: through.String()}
	if through.IsZero() {
		return res, ledger.Errorf(ledger.EINVALID, "no date to close through")
	}
	n := 0
	step := func() {
		if b.CrashPoint != nil {
			n++
			b.CrashPoint(fmt.Sprintf("close-%d", n))
		}
	}
	err := b.Store.Update(ctx, books.Activity{Op: "close", Detail: "through " + through.String()}, func(tx books.Tx) error {
		res.Statements = []string{}
		cur, err := tx.ClosedThrough()
		if err != nil {
			return err
		}
		if _, err := ledger.CheckClose(through, cur); err != nil {
			return err
		}
		if err := somethingToClose(tx); err != nil {
			return err
		}
		if res.Run, err = books.Run(tx, through, step); err != nil {
			return err
		}
		if err := tx.CloseThrough(through); err != nil {
			return err
		}
		step()
		if res.Statements, err = finalizeStatements(tx, through, step); err != nil {
			return err
		}
		step()
		return nil
	})
	if err != nil {
		return res, err
	}
	step()
	return res, nil
}

// somethingToClose says EINVALID for a book with neither contracts nor
// entries: the wrong --db (created by the close itself). Closed, it
// answered "closed 2026-01" with exit 0, and the book a script meant
// stayed open. A journal of usage alone may be closed.
func somethingToClose(tx books.Tx) error {
	cs, err := tx.Contracts()
	if err != nil || len(cs) > 0 {
		return err
	}
	booked, err := tx.BookedThrough()
	if err != nil || !booked.IsZero() {
		return err
	}
	return ledger.Errorf(ledger.EINVALID, "there is nothing to close: the book has no contracts and no entries (is --db the book you meant?); nothing closed")
}

// LastPeriodThrough is the last of c's periods that ends on or before d.
func LastPeriodThrough(c *contracts.Contract, d ledger.Date) ledger.Period {
	p := c.PeriodOf(d)
	if p.Last().After(d) {
		p = c.PeriodOf(p.Start().AddDays(-1))
	}
	return p
}

// finalizeStatements stores the final statement of every period of every
// contract (its latest version) that ends on or before through and has
// none stored, and returns them as "CONTRACT PERIOD".
func finalizeStatements(tx books.Tx, through ledger.Date, step func()) ([]string, error) {
	cs, err := tx.Contracts()
	if err != nil {
		return nil, err
	}
	basis, err := tx.Basis()
	if err != nil {
		return nil, err
	}
	rates, err := tx.Rates()
	if err != nil {
		return nil, err
	}
	stored := []string{}
	for _, sc := range cs {
		c := sc.Contract
		last := LastPeriodThrough(c, through)
		var res *contracts.Result
		if c.OpenStart() {
			if res, err = books.Evaluate(tx, c, last, rates, true); err != nil {
				return nil, fmt.Errorf("finalizing %s: %w", c.ID, err)
			}
		}
		first, ok := FirstPeriod(c, res)
		if !ok || last.Before(first) {
			continue
		}
		for p := first; !last.Before(p); p = p.Next() {
			have, err := tx.HasFinalStatement(c.ID, p.Label())
			if err != nil {
				return nil, err
			}
			if have {
				continue
			}
			if res == nil {
				if res, err = books.Evaluate(tx, c, last, rates, true); err != nil {
					return nil, fmt.Errorf("finalizing %s %s: %w", c.ID, p.Label(), err)
				}
			}
			s, err := StatementFromBooks(tx, sc, p, true, res)
			if err != nil {
				return nil, fmt.Errorf("finalizing %s %s: %w", c.ID, p.Label(), err)
			}
			body, err := RenderStored(s)
			if err != nil {
				return nil, err
			}
			basis.Version = sc.Version
			if err := tx.AddFinalStatement(books.FinalStatement{Contract: c.ID, Period: p.Label(), Body: body, Hash: s.Hash, Basis: basis}); err != nil {
				return nil, err
			}
			stored = append(stored, c.ID+" "+p.Label())
			step()
		}
	}
	return stored, nil
}

// RenderStored is the stored form of a final statement: its JSON rendering.
func RenderStored(s *Statement) ([]byte, error) {
	var body bytes.Buffer
	if err := s.Render(&body, "json"); err != nil {
		return nil, err
	}
	return body.Bytes(), nil
}
