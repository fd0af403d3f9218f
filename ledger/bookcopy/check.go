package bookcopy

import (
	"bytes"
	"context"
	"fmt"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

// Book is what Check reads of either side.
type Book interface {
	TrialBalance(ctx context.Context, q ledger.BalanceQuery) ([]ledger.Balance, error)
	books.Verifier
	Books() books.Store
}

// Checked is what Check found equal.
type Checked struct {
	Entries    int64  // entries in each journal
	HeadHash   string // the chain head, recomputed on the target by its verify
	Balances   int    // lines of the trial balance
	Statements int    // final statements
}

// Check verifies the target (every invariant, the hash chain recomputed)
// and compares it with the source: the same number of entries and chain
// head, the same trial balance line by line, the same final statements
// (body and hash). The first difference is an EINVALID error naming it.
func Check(ctx context.Context, from, to Book) (Checked, error) {
	var c Checked
	src, err := reports.Verifier{Store: from}.Verify(ctx)
	if err != nil {
		return c, fmt.Errorf("verify the source: %w", err)
	}
	dst, err := reports.Verifier{Store: to}.Verify(ctx)
	if err != nil {
		return c, fmt.Errorf("verify the copy: %w", err)
	}
	differ := func(format string, args ...any) error {
		return ledger.Errorf(ledger.EINVALID, "the copy differs from the source: "+format, args...)
	}
	switch {
	case !dst.OK:
		return c, differ("verify on the copy fails: %s", dst.Violation)
	case src.Entries != dst.Entries || src.HeadHash != dst.HeadHash:
		return c, differ("%d entries with chain head %s, the source %d with %s", dst.Entries, dst.HeadHash, src.Entries, src.HeadHash)
	}
	c.Entries, c.HeadHash = dst.Entries, dst.HeadHash

	srcTB, dstTB, err := readBoth(ctx, from, to, func(ctx context.Context, b Book) ([]ledger.Balance, error) {
		return b.TrialBalance(ctx, ledger.BalanceQuery{})
	})
	if err != nil {
		return c, err
	}
	if len(srcTB) != len(dstTB) {
		return c, differ("the trial balance has %d lines, the source's %d", len(dstTB), len(srcTB))
	}
	for i, b := range srcTB {
		d := dstTB[i]
		if b.Account != d.Account || b.Currency != d.Currency || b.Type != d.Type || !b.Amount.Equal(d.Amount) {
			return c, differ("trial balance line %d is %s %s %s, the source's %s %s %s", i+1, d.Account, d.Amount, d.Currency, b.Account, b.Amount, b.Currency)
		}
	}
	c.Balances = len(srcTB)

	srcFS, dstFS, err := readBoth(ctx, from, to, finalStatements)
	if err != nil {
		return c, err
	}
	if len(srcFS) != len(dstFS) {
		return c, differ("%d final statements, the source %d", len(dstFS), len(srcFS))
	}
	for i, s := range srcFS {
		d := dstFS[i]
		if s.Contract != d.Contract || s.Period != d.Period || s.Hash != d.Hash || !bytes.Equal(s.Body, d.Body) {
			return c, differ("final statement %s %s (hash %s), the source's %s %s (hash %s)", d.Contract, d.Period, d.Hash, s.Contract, s.Period, s.Hash)
		}
	}
	c.Statements = len(srcFS)
	return c, nil
}

func finalStatements(ctx context.Context, b Book) ([]books.FinalStatement, error) {
	var out []books.FinalStatement
	err := b.Books().View(ctx, func(tx books.ReadTx) error {
		var err error
		out, err = tx.FinalStatements()
		return err
	})
	return out, err
}

// readBoth reads the same thing of the source and of the copy.
func readBoth[T any](ctx context.Context, from, to Book, read func(context.Context, Book) (T, error)) (src, dst T, err error) {
	if src, err = read(ctx, from); err == nil {
		dst, err = read(ctx, to)
	}
	return src, dst, err
}
