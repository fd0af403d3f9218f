package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/revshare/revshare/ledger"
	"github.com/shopspring/decimal"
)

func init() { verifyChecks = append(verifyChecks, verifyAdvances) }

// verifyAdvances checks the tables of migration 0015 against the journal:
// every advance_bookings row is an entry of source "advance" dated as the
// row, moving exactly its amount from the payer's cash to the advances
// asset; every recoupments row an entry of source "recoup" moving its
// amount from the payer's payable to that asset; every entry of those
// sources has its row; and per advance the recoupments never total below
// zero or above what was paid out (each recomputation keeps them within
// the advance), period by period in order. The first violation is a
// *VerifyError.
func verifyAdvances(ctx context.Context, tx *sql.Tx) error {
	type rowCheck struct {
		table, source string
		query         string
		accounts      func(contract, payer, payee string) (debit, credit string)
	}
	checks := []rowCheck{
		{"advance_bookings", "advance", `SELECT entry_id, contract, payer, payee, amount, date FROM advance_bookings ORDER BY entry_id`,
			func(c, payer, payee string) (string, string) {
				return ledger.AdvanceAccount(payer, payee, c), ledger.CashAccount(payer)
			}},
		{"recoupments", "recoup", `SELECT entry_id, contract, payer, payee, amount, date FROM recoupments ORDER BY entry_id`,
			func(c, payer, payee string) (string, string) {
				return ledger.SharePayableAccount(payer, payee, c), ledger.AdvanceAccount(payer, payee, c)
			}},
	}
	for _, ch := range checks {
		rows, err := tx.QueryContext(ctx, ch.query)
		if err != nil {
			return err
		}
		type row struct {
			id                           int64
			contract, payer, payee, date string
			amount                       decimal.Decimal
		}
		var all []row
		for rows.Next() {
			var r row
			var amount string
			if err := rows.Scan(&r.id, &r.contract, &r.payer, &r.payee, &amount, &r.date); err != nil {
				rows.Close()
				return err
			}
			if r.amount, err = decimal.NewFromString(amount); err != nil {
				rows.Close()
				return broken(r.id, "%s row of entry %d: malformed amount %q", ch.table, r.id, amount)
			}
			all = append(all, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range all {
			var source, date string
			err := tx.QueryRowContext(ctx, `SELECT source, date FROM entries WHERE id = ?`, r.id).Scan(&source, &date)
			if err == sql.ErrNoRows {
				return broken(r.id, "%s row names entry %d, which does not exist", ch.table, r.id)
			}
			if err != nil {
				return err
			}
			if source != ch.source || date != r.date {
				return broken(r.id, "%s row of entry %d: the entry is %s on %s, want %s on %s", ch.table, r.id, source, date, ch.source, r.date)
			}
			debit, credit := ch.accounts(r.contract, r.payer, r.payee)
			if err := checkTwoPostings(ctx, tx, r.id, debit, credit, r.amount); err != nil {
				return fmt.Errorf("%s: %w", ch.table, err)
			}
		}
		var orphan sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT min(e.id) FROM entries e WHERE e.source = ? AND NOT EXISTS (SELECT 1 FROM `+ch.table+` t WHERE t.entry_id = e.id)`,
			ch.source).Scan(&orphan); err != nil {
			return err
		}
		if orphan.Valid {
			return broken(orphan.Int64, "entry %d has source %s but no %s row", orphan.Int64, ch.source, ch.table)
		}
	}
	return verifyRecoupedWithin(ctx, tx)
}

// checkTwoPostings checks that entry id has exactly two postings: amount
// on debit and −amount on credit.
func checkTwoPostings(ctx context.Context, tx *sql.Tx, id int64, debit, credit string, amount decimal.Decimal) error {
	rows, err := tx.QueryContext(ctx, `SELECT a.name, p.amount FROM postings p JOIN accounts a ON a.id = p.account_id WHERE p.entry_id = ? ORDER BY p.seq`, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	got := map[string]decimal.Decimal{}
	n := 0
	for rows.Next() {
		var name, amt string
		if err := rows.Scan(&name, &amt); err != nil {
			return err
		}
		d, err := decimal.NewFromString(amt)
		if err != nil {
			return broken(id, "entry %d: malformed posting amount %q", id, amt)
		}
		got[name] = got[name].Add(d)
		n++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if n != 2 || !got[debit].Equal(amount) || !got[credit].Equal(amount.Neg()) {
		return broken(id, "entry %d does not move %s from %s to %s (postings %v)", id, amount, credit, debit, got)
	}
	return nil
}

// verifyRecoupedWithin checks, per contract and advance, that what is
// recouped to date stays within [0, paid out] after every period.
func verifyRecoupedWithin(ctx context.Context, tx *sql.Tx) error {
	paid := map[[2]string]decimal.Decimal{}
	rows, err := tx.QueryContext(ctx, `SELECT contract, advance, amount FROM advance_bookings`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var c, a, amt string
		if err := rows.Scan(&c, &a, &amt); err != nil {
			rows.Close()
			return err
		}
		paid[[2]string{c, a}] = paid[[2]string{c, a}].Add(decimal.RequireFromString(amt)) // checked above
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx, `SELECT contract, advance, date, amount, entry_id FROM recoupments ORDER BY contract, advance, date, entry_id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	type state struct {
		date   string
		sum    decimal.Decimal
		lastID int64
	}
	cur := map[[2]string]*state{}
	check := func(k [2]string, s *state) error {
		if s.sum.Sign() < 0 || s.sum.GreaterThan(paid[k]) {
			return broken(s.lastID, "contract %s advance %s: %s recouped by %s, outside [0, %s paid]", k[0], k[1], s.sum, s.date, paid[k])
		}
		return nil
	}
	for rows.Next() {
		var c, a, date, amt string
		var id int64
		if err := rows.Scan(&c, &a, &date, &amt, &id); err != nil {
			return err
		}
		k := [2]string{c, a}
		s := cur[k]
		if s == nil {
			s = &state{}
			cur[k] = s
		}
		if s.date != "" && date != s.date {
			if err := check(k, s); err != nil {
				return err
			}
		}
		s.date, s.lastID = date, id
		s.sum = s.sum.Add(decimal.RequireFromString(amt)) // checked above
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for k, s := range cur {
		if err := check(k, s); err != nil {
			return err
		}
	}
	return nil
}
