package sqlite

import (
	"context"
	"database/sql"
	"strings"
)

// verify's quick_check leaves out the CHECK constraints that verify's own
// reads enforce (docs/design/speed.md, section 4). PRAGMA quick_check
// evaluates every CHECK constraint on every row unless the connection has
// PRAGMA ignore_check_constraints = ON (SQLite's pragma.c skips them when
// SQLITE_IgnoreChecks is set); on the 1M-entry book the postings'
// amount_format alone, seven GLOB and instr calls on each of 2M amounts,
// was about 1.8 s of quick_check's 6 s of CPU. verify's quick_check
// therefore runs with the constraints off, then PRAGMA quick_check(T) with
// them on for every table that has CHECK constraints except those of
// selfCheckedTables, whose rows verify reads and checks anyway:
//
//   - postings: the journal scan reads every posting of the journal (a
//     posting outside it is an orphan or a missing entry, reported as such)
//     and requires seq 1..n (seq >= 1), a known ISO 4217 currency
//     (length(currency) = 3) and an amount splitText accepts: an optional
//     '-', 1 to 54 digits and optionally '.' and 1 to 18 digits, which is
//     amount_format's grammar. A malformed amount is now named by its entry
//     and posting instead of "CHECK constraint failed in postings".
//   - entries: the journal scan parses every date (ledger.ParseDate takes
//     YYYY-MM-DD only: length(date) = 10) or reports the entry unreadable.
//   - event_index: the index check compares every stored row with the index
//     rebuilt from the events, which has dimensions 1 to 6 only (dim BETWEEN
//     1 AND 6): a row of any other dimension is a difference.
//
// TestSelfCheckedConstraints pins the CHECK constraints of these tables
// (a migration that adds one fails it until verify checks it too) and
// TestVerifyCheckConstraints makes each of them fail.
var selfCheckedTables = map[string]bool{"postings": true, "entries": true, "event_index": true}

// quickCheck runs SQLite's PRAGMA quick_check (the file's structure: pages,
// records, NOT NULL and CHECK constraints, without cross-checking indexes)
// before anything reads the rows: a damaged file is named as such, in the
// words the commands use (QuickCheck). The CHECK constraints of
// selfCheckedTables are left to verify's own reads.
func quickCheck(ctx context.Context, db *DB, tx *sql.Tx) error {
	problems, err := verifyQuickCheckProblems(ctx, tx)
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		problems = []string{err.Error()}
	}
	if len(problems) > 0 {
		return &VerifyError{Reason: damagedMessage(db, strings.Join(problems, "; "))}
	}
	return nil
}

// checkConn is one connection (a *sql.Conn or a *sql.Tx): PRAGMA
// ignore_check_constraints holds for the connection it ran on.
type checkConn interface {
	querier
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// verifyQuickCheckProblems is quickCheckProblems for verify and for the
// commands that write (QuickCheck): the whole file with CHECK constraints
// off, then each table with CHECK constraints that verify does not check
// itself, with them on.
func verifyQuickCheckProblems(ctx context.Context, tx checkConn) ([]string, error) {
	tables, err := checkedTables(ctx, tx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA ignore_check_constraints = ON`); err != nil {
		return nil, err
	}
	problems, err := quickCheckProblems(ctx, tx)
	// The connection goes back to the pool as it came (it is query-only, but
	// nothing else should find the flag set).
	if _, rerr := tx.ExecContext(context.WithoutCancel(ctx), `PRAGMA ignore_check_constraints = OFF`); err == nil {
		err = rerr
	}
	if err != nil || len(problems) > 0 {
		return problems, err
	}
	for _, t := range tables {
		p, err := quickCheckQuery(ctx, tx, `PRAGMA quick_check(`+quoteIdent(t)+`)`)
		if err != nil {
			return nil, err
		}
		problems = append(problems, p...)
		if len(problems) >= 5 {
			break
		}
	}
	return problems, nil
}

// checkedTables are the tables with CHECK constraints that verify's own
// reads do not enforce, by name.
func checkedTables(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql IS NOT NULL ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		if !selfCheckedTables[name] && len(checkConstraints(def)) > 0 {
			tables = append(tables, name)
		}
	}
	return tables, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// checkConstraints returns the expressions of the CHECK constraints in a
// CREATE TABLE statement, as written between the parentheses after CHECK
// (comments, string literals and quoted names are skipped when looking
// for the keyword).
func checkConstraints(def string) []string {
	var exprs []string
	for i := 0; i < len(def); {
		j := skipSQLToken(def, i)
		if j-i == len("check") && strings.EqualFold(def[i:j], "check") {
			k := j
			for k < len(def) && (def[k] == ' ' || def[k] == '\t' || def[k] == '\n' || def[k] == '\r') {
				k++
			}
			if k < len(def) && def[k] == '(' {
				end, depth := k, 0
				for end < len(def) {
					switch def[end] {
					case '(':
						depth++
					case ')':
						depth--
					}
					end = skipSQLToken(def, end)
					if depth == 0 {
						break
					}
				}
				exprs = append(exprs, strings.TrimSpace(def[k+1:end-1]))
				j = end
			}
		}
		i = j
	}
	return exprs
}

// skipSQLToken returns the end of the token of SQL text s starting at i: a
// comment, a quoted string or name, a word, or one other byte.
func skipSQLToken(s string, i int) int {
	word := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	switch c := s[i]; {
	case strings.HasPrefix(s[i:], "--"):
		if n := strings.IndexByte(s[i:], '\n'); n >= 0 {
			return i + n + 1
		}
		return len(s)
	case strings.HasPrefix(s[i:], "/*"):
		if n := strings.Index(s[i+2:], "*/"); n >= 0 {
			return i + 2 + n + 2
		}
		return len(s)
	case c == '\'' || c == '"' || c == '`' || c == '[':
		closing := c
		if c == '[' {
			closing = ']'
		}
		for j := i + 1; j < len(s); j++ {
			if s[j] == closing {
				if closing != ']' && j+1 < len(s) && s[j+1] == closing {
					j++ // a doubled quote
					continue
				}
				return j + 1
			}
		}
		return len(s)
	case word(c):
		j := i + 1
		for j < len(s) && word(s[j]) {
			j++
		}
		return j
	}
	return i + 1
}
