package bookcopy

import (
	"bytes"
	"context"
	"fmt"

	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/internal/spelling"
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
		return c, differ("%s with chain head %s, the source %d with %s", spelling.Count(dst.Entries, "entry", "entries"), dst.HeadHash, src.Entries, src.HeadHash)
	}
	c.Entries, c.HeadHash = dst.Entries, dst.HeadHash

	srcTB, dstTB, err := readBoth(ctx, from, to, func(ctx context.Context, b Book) ([]ledger.Balance, error) {
		return b.TrialBalance(ctx, ledger.BalanceQuery{})
	})
	if err != nil {
		return c, err
	}
	err = firstDifference(srcTB, dstTB,
		func(b, d ledger.Balance) bool {
			return b.Account == d.Account && b.Currency == d.Currency && b.Type == d.Type && b.Amount.Equal(d.Amount)
		},
		func(dstN, srcN int) error {
			return differ("the trial balance has %s, the source's %d", spelling.Count(dstN, "line", "lines"), srcN)
		},
		func(i int, b, d ledger.Balance) error {
			return differ("trial balance line %d is %s %s %s, the source's %s %s %s", i+1, d.Account, d.Amount, d.Currency, b.Account, b.Amount, b.Currency)
		})
	if err != nil {
		return c, err
	}
	c.Balances = len(srcTB)

	srcFS, dstFS, err := readBoth(ctx, from, to, finalStatements)
	if err != nil {
		return c, err
	}
	err = firstDifference(srcFS, dstFS,
		func(s, d books.FinalStatement) bool {
			return s.Contract == d.Contract && s.Period == d.Period && s.Hash == d.Hash && bytes.Equal(s.Body, d.Body)
		},
		func(dstN, srcN int) error {
			return differ("%s, the source %d", spelling.Count(dstN, "final statement", "final statements"), srcN)
		},
		func(_ int, s, d books.FinalStatement) error {
			return differ("final statement %s %s (hash %s), the source's %s %s (hash %s)", d.Contract, d.Period, d.Hash, s.Contract, s.Period, s.Hash)
		})
	if err != nil {
		return c, err
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

// firstDifference compares the source's list src with the copy's dst, item
// by item with same, and returns the first difference as an error: the one
// count makes of the two lengths (the copy's first) when they differ, else
// the one item makes of the first unequal pair (its index from 0, the
// source's item first); nil when the lists are the same.
func firstDifference[T any](src, dst []T, same func(s, d T) bool, count func(dstN, srcN int) error, item func(i int, s, d T) error) error {
	if len(src) != len(dst) {
		return count(len(dst), len(src))
	}
	for i, s := range src {
		if !same(s, dst[i]) {
			return item(i, s, dst[i])
		}
	}
	return nil
}

// readBoth reads the same thing of the source and of the copy.
func readBoth[T any](ctx context.Context, from, to Book, read func(context.Context, Book) (T, error)) (src, dst T, err error) {
	if src, err = read(ctx, from); err == nil {
		dst, err = read(ctx, to)
	}
	return src, dst, err
}
