package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/reports"
)

func init() {
	verifyChecks = append(verifyChecks, verifyStatementHashes, verifyStatementBodies, verifyClosesFinalized)
}

// storedStatementRow is one row of statements.
type storedStatementRow struct {
	contract, period, body, hash, finalizedAt string
	version, eventsThrough, ratesThrough      sql.NullInt64
}

func (r *storedStatementRow) key() string { return "contract=" + r.contract + " period=" + r.period }

func loadStatementRows(ctx context.Context, q querier) ([]storedStatementRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT contract, period, body, hash, finalized_at, version, events_through, rates_through
		FROM statements ORDER BY contract, period`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedStatementRow
	for rows.Next() {
		var r storedStatementRow
		if err := rows.Scan(&r.contract, &r.period, &r.body, &r.hash, &r.finalizedAt, &r.version, &r.eventsThrough, &r.ratesThrough); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// statementHash recomputes a stored statement's hash from its body alone
// (whatever fields the Statement type has today): SHA-256 of the body's
// compact JSON with the hash emptied, which is what reports.Statement.Seal
// hashes. It returns the hash the body states and the recomputed one.
func statementHash(body string) (stated, computed string, err error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, []byte(body)); err != nil {
		return "", "", err
	}
	var top struct {
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(compact.Bytes(), &top); err != nil {
		return "", "", err
	}
	field := `"hash":"` + top.Hash + `"`
	if strings.Count(compact.String(), field) != 1 {
		return top.Hash, "", errors.New("its hash field is not found exactly once")
	}
	sum := sha256.Sum256([]byte(strings.Replace(compact.String(), field, `"hash":""`, 1)))
	return top.Hash, hex.EncodeToString(sum[:]), nil
}

// canonicalBody reports whether body is laid out as Statement.Render
// writes JSON (json.MarshalIndent with two spaces, then a newline), which
// is json.Indent of its compact form: true of any fields.
func canonicalBody(body string) bool {
	var compact, indented bytes.Buffer
	if json.Compact(&compact, []byte(body)) != nil || json.Indent(&indented, compact.Bytes(), "", "  ") != nil {
		return false
	}
	return indented.String()+"\n" == body
}

// verifyStatementHashes checks every stored final statement: its period
// is closed, its body is
// a statement of its contract and period, with status final, whose hash
// recomputes from the body and equals the hash column.
func verifyStatementHashes(ctx context.Context, tx *sql.Tx) error {
	rows, err := loadStatementRows(ctx, tx)
	if err != nil {
		return err
	}
	closed, err := closedThrough(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if p, err := ledger.ParsePeriod(r.period); err != nil || closed.IsZero() || p.Last().After(closed) {
			return factError("statements", r.key(), "period", "a period closed (through "+closed.String()+")", r.period)
		}
		stated, computed, err := statementHash(r.body)
		if err != nil {
			return factError("statements", r.key(), "body", "a statement's JSON", fmt.Sprintf("unreadable (%v)", err))
		}
		if computed != stated {
			return factError("statements", r.key(), "body", "a body whose hash recomputes to "+short(stated), "one that hashes to "+short(computed)+": altered after its close")
		}
		if r.hash != stated {
			return factError("statements", r.key(), "hash", stated+" (from its body)", r.hash)
		}
		if !canonicalBody(r.body) {
			return factError("statements", r.key(), "body", "its JSON as revshare writes it (indented by two spaces, one final newline)", "other bytes: altered after its close")
		}
		s, err := reports.ParseStored([]byte(r.body))
		if err != nil {
			return factError("statements", r.key(), "body", "a statement's JSON", fmt.Sprintf("unreadable (%v)", err))
		}
		if f, bad := firstDiffering([]field{
			{"body's contract", s.Contract, r.contract}, {"body's period", s.Period.Label, r.period}, {"body's status", s.Status, "final"},
		}); bad {
			return factError("statements", r.key(), f.column, f.expected, f.found)
		}
	}
	return nil
}

// verifyStatementBodies renders every final statement again from the
// ledger as of its close (the contract version, events and exchange rates
// it records, the bookings and payments of the ledger) and compares it
// with the stored body. Statements stored before migration 0010 record no
// basis: only their hash is checked (verifyStatementHashes), and a basis
// may be missing only on those.
func verifyStatementBodies(ctx context.Context, tx *sql.Tx) error {
	rows, err := loadStatementRows(ctx, tx)
	if err != nil {
		return err
	}
	legacyBefore, err := migrationApplied(ctx, tx, "0010_statement_basis.sql")
	if err != nil {
		return err
	}
	type group struct {
		contract string
		basis    statementBasis
	}
	groups := map[group][]storedStatementRow{}
	var order []group
	for _, r := range rows {
		if !r.version.Valid || !r.eventsThrough.Valid || !r.ratesThrough.Valid {
			fin, err := time.Parse(time.RFC3339Nano, r.finalizedAt)
			if err != nil || legacyBefore.IsZero() || !fin.Before(legacyBefore) {
				return factError("statements", r.key(), "version, events_through and rates_through", "what it was rendered from", "NULL on a statement stored after migration 0010")
			}
			continue
		}
		g := group{r.contract, statementBasis{int(r.version.Int64), r.eventsThrough.Int64, r.ratesThrough.Int64}}
		if groups[g] == nil {
			order = append(order, g)
		}
		groups[g] = append(groups[g], r)
	}
	for _, g := range order {
		if err := verifyStatementGroup(ctx, tx, g.contract, g.basis, groups[g]); err != nil {
			return err
		}
	}
	return nil
}

// verifyStatementGroup re-renders the statements of one contract stored
// with the same basis (at one close) with one evaluation.
func verifyStatementGroup(ctx context.Context, q querier, id string, basis statementBasis, rows []storedStatementRow) error {
	sc, err := loadContractVersion(ctx, q, id, basis.version)
	if err != nil {
		return factError("statements", rows[0].key(), "version", "a stored version of the contract", fmt.Sprint(basis.version))
	}
	c := sc.Contract
	var last ledger.Period
	periods := make([]ledger.Period, len(rows))
	for i, r := range rows {
		p, err := ledger.ParsePeriod(r.period)
		if err != nil || p.Freq != c.Period {
			return factError("statements", r.key(), "period", "a "+string(c.Period)+" of version "+fmt.Sprint(basis.version), r.period)
		}
		periods[i] = p
		if last.Before(p) || i == 0 {
			last = p
		}
	}
	res, err := evaluateAsOf(ctx, q, c, last, basis)
	if err != nil {
		return &VerifyError{Reason: fmt.Sprintf("statements contract=%s: cannot render again as of its close: %v", id, err)}
	}
	for i, r := range rows {
		s, err := statementFromLedger(ctx, q, sc, periods[i], true, res)
		if err != nil {
			return &VerifyError{Reason: fmt.Sprintf("statements %s: cannot render again: %v", r.key(), err)}
		}
		body, err := renderStored(s)
		if err != nil {
			return err
		}
		if path, want, got, same := sameJSON(body, []byte(r.body)); !same {
			return factError("statements", r.key(), "body at "+path, want+" (rendered again from the ledger as of its close)", got)
		}
	}
	return nil
}

// loadContractVersion reads one version of a contract.
func loadContractVersion(ctx context.Context, q querier, id string, version int) (contracts.StoredContract, error) {
	var doc, recorded string
	sc := contracts.StoredContract{Version: version}
	err := q.QueryRowContext(ctx, `SELECT document, recorded_at FROM contracts WHERE id = ? AND version = ?`, id, version).Scan(&doc, &recorded)
	if err != nil {
		return sc, err
	}
	return sc, parseStoredContract(&sc, id, doc, recorded)
}

// errStopEvents ends an event walk early.
var errStopEvents = errors.New("stop")

// evaluateAsOf runs the engine for c through p over the events and
// exchange rates of basis: events numbered up to eventsThrough, rates of
// batches up to ratesThrough.
func evaluateAsOf(ctx context.Context, q querier, c *contracts.Contract, through ledger.Period, basis statementBasis) (*contracts.Result, error) {
	rates, err := loadRatesWhere(ctx, q, `WHERE batch_id <= ?`, basis.ratesThrough)
	if err != nil {
		return nil, err
	}
	acc, err := contracts.NewAccumulator(c, through, rates, contracts.Options{TraceEvents: true})
	if err != nil {
		return nil, err
	}
	err = eachEvent(ctx, q, ledger.EventFilter{}, func(e *ledger.Event) error {
		if e.ID > basis.eventsThrough {
			return errStopEvents
		}
		return acc.Add(e)
	})
	if err != nil && !errors.Is(err, errStopEvents) {
		return nil, err
	}
	return acc.Result()
}

// migrationApplied returns when a migration was applied (zero if never).
func migrationApplied(ctx context.Context, q querier, name string) (time.Time, error) {
	var at string
	err := q.QueryRowContext(ctx, `SELECT applied_at FROM schema_migrations WHERE name = ?`, name).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return time.Parse(time.RFC3339Nano, at)
}

// sameJSON compares a statement rendered now (want) with a stored body
// (got) as JSON values. A field the stored body lacks is ignored when its
// value now is empty (null, "", 0, false, [] or {}): a field a later
// version of the statement added. It returns the first differing path.
func sameJSON(want, got []byte) (path, w, g string, same bool) {
	var a, b any
	if err := json.Unmarshal(want, &a); err != nil {
		return "$", "JSON", err.Error(), false
	}
	if err := json.Unmarshal(got, &b); err != nil {
		return "$", "JSON", err.Error(), false
	}
	return diffJSON("$", a, b)
}

func diffJSON(path string, a, b any) (string, string, string, bool) {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path, brief(a), brief(b), false
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			av := x[k]
			bv, bok := y[k]
			if !bok && emptyJSON(av) {
				continue
			}
			if p, w, g, same := diffJSON(path+"."+k, av, bv); !same {
				return p, w, g, false
			}
		}
		return "", "", "", true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path, brief(a), brief(b), false
		}
		for i := range x {
			if p, w, g, same := diffJSON(fmt.Sprintf("%s[%d]", path, i), x[i], y[i]); !same {
				return p, w, g, false
			}
		}
		return "", "", "", true
	}
	if !reflect.DeepEqual(a, b) {
		return path, brief(a), brief(b), false
	}
	return "", "", "", true
}

func emptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case float64:
		return x == 0
	case bool:
		return !x
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func brief(v any) string {
	if v == nil {
		return "(missing)"
	}
	b, _ := json.Marshal(v)
	s := string(b)
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

// verifyClosesFinalized checks that every close stored the final
// statements it had to: for each close and each contract that existed then
// (the version its statements stored at that close name, else the latest
// version recorded before the close), every period of that version ending
// on or before the close's date has a stored statement.
func verifyClosesFinalized(ctx context.Context, tx *sql.Tx) error {
	type closeRow struct {
		through       ledger.Date
		closedAt      string
		at            time.Time
		eventsThrough int64 // the last event whose import entry precedes the close's head
	}
	var closes []closeRow
	rows, err := tx.QueryContext(ctx, `SELECT c.through, c.closed_at, ifnull((SELECT max(g.last_event) FROM import_groups g WHERE g.entry_id <= c.head_id), 0)
		FROM period_closes c ORDER BY c.through`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var through string
		var cr closeRow
		if err := rows.Scan(&through, &cr.closedAt, &cr.eventsThrough); err != nil {
			rows.Close()
			return err
		}
		if cr.through, err = ledger.ParseDate(through); err != nil {
			rows.Close()
			return &VerifyError{Reason: fmt.Sprintf("period_closes through=%q: not a date", through)}
		}
		if cr.at, err = time.Parse(time.RFC3339Nano, cr.closedAt); err != nil {
			rows.Close()
			return &VerifyError{Reason: fmt.Sprintf("period_closes through=%s: closed_at %q is not a time", through, cr.closedAt)}
		}
		closes = append(closes, cr)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(closes) == 0 {
		return nil
	}
	stmts, err := loadStatementRows(ctx, tx)
	if err != nil {
		return err
	}
	stored := map[[2]string]bool{}
	versionAt := map[[2]string]int64{} // contract, finalized_at -> version
	closeAt := map[string]closeRow{}
	for _, cr := range closes {
		closeAt[cr.closedAt] = cr
	}
	for _, s := range stmts {
		stored[[2]string{s.contract, s.period}] = true
		if s.version.Valid {
			versionAt[[2]string{s.contract, s.finalizedAt}] = s.version.Int64
		}
		// A statement stored by a close: of a period that close closed,
		// rendered from the events committed before it.
		cr, ok := closeAt[s.finalizedAt]
		if !ok {
			continue
		}
		if p, err := ledger.ParsePeriod(s.period); err == nil && p.Last().After(cr.through) {
			return factError("statements", s.key(), "period", "a period the close through "+cr.through.String()+" that stored it closed", s.period)
		}
		if s.eventsThrough.Valid && s.eventsThrough.Int64 != cr.eventsThrough {
			return factError("statements", s.key(), "events_through", fmt.Sprintf("%d (the last event committed before the close through %s)", cr.eventsThrough, cr.through), fmt.Sprint(s.eventsThrough.Int64))
		}
	}
	type version struct {
		n  int
		at time.Time
		c  *contracts.Contract
	}
	versions := map[string][]version{}
	var ids []string
	crows, err := tx.QueryContext(ctx, `SELECT id, version, document, recorded_at FROM contracts ORDER BY id, version`)
	if err != nil {
		return err
	}
	for crows.Next() {
		var id, doc, rec string
		var v version
		if err := crows.Scan(&id, &v.n, &doc, &rec); err != nil {
			crows.Close()
			return err
		}
		if v.at, err = time.Parse(time.RFC3339Nano, rec); err != nil {
			crows.Close()
			return &VerifyError{Reason: fmt.Sprintf("contracts id=%s version=%d: recorded_at %q is not a time", id, v.n, rec)}
		}
		if v.c, err = contracts.Parse([]byte(doc)); err != nil {
			crows.Close()
			return &VerifyError{Reason: fmt.Sprintf("contracts id=%s version=%d: unreadable: %v", id, v.n, err)}
		}
		if versions[id] == nil {
			ids = append(ids, id)
		}
		versions[id] = append(versions[id], v)
	}
	crows.Close()
	if err := crows.Err(); err != nil {
		return err
	}
	for _, cr := range closes {
		for _, id := range ids {
			var c *contracts.Contract
			if n, ok := versionAt[[2]string{id, cr.closedAt}]; ok {
				for _, v := range versions[id] {
					if int64(v.n) == n {
						c = v.c
					}
				}
			} else {
				for _, v := range versions[id] {
					if v.at.Before(cr.at) {
						c = v.c
					}
				}
			}
			if c == nil {
				continue // the contract came later
			}
			first, ok := c.FirstPeriod()
			if !ok {
				continue
			}
			for p, last := first, lastPeriodThrough(c, cr.through); !last.Before(p); p = p.Next() {
				if !stored[[2]string{id, p.Label()}] {
					return factError("statements", "contract="+id+" period="+p.Label(), "row", "the final statement stored by the close through "+cr.through.String(), "(missing)")
				}
			}
		}
	}
	return nil
}
