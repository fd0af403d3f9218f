package reports

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
)

// Verifier verifies the books (ledger.Verifier): everything the store
// keeps, then the final statements (VerifyFinalStatements), in one read
// snapshot.
type Verifier struct{ Store books.Verifier }

// Verify reports the first violation as a result with OK false.
func (v Verifier) Verify(ctx context.Context, anchors ...ledger.Anchor) (ledger.VerifyResult, error) {
	res, err := v.Store.VerifyBooksReport(ctx, VerifyFinalStatements, anchors...)
	var ve *ledger.VerifyError
	if errors.As(err, &ve) {
		return ledger.VerifyResult{Violation: ve.Error(), EntryID: ve.EntryID}, nil
	}
	return res, err
}

// VerifyFinalStatements checks the final statements a store holds, in
// tx (books.Verifier runs it after the store's own checks, in the same
// read snapshot): each one's period is closed, its hash recomputes from its
// body, its body equals the statement rendered again from the books as of
// its close, and every close stored the final statements it had to. The
// first violation is a *ledger.VerifyError naming the row.
func VerifyFinalStatements(tx books.ReadTx) error {
	rows, err := tx.FinalStatements()
	if err != nil {
		return err
	}
	if err := verifyStatementHashes(tx, rows); err != nil {
		return err
	}
	if err := verifyStatementBodies(tx, rows); err != nil {
		return err
	}
	return verifyClosesFinalized(tx, rows)
}

// statementKey names a statements row in a violation.
func statementKey(r books.FinalStatement) string {
	return "contract=" + r.Contract + " period=" + r.Period
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
func verifyStatementHashes(tx books.ReadTx, rows []books.FinalStatement) error {
	closed, err := tx.ClosedThrough()
	if err != nil {
		return err
	}
	for _, r := range rows {
		if p, err := ledger.ParsePeriod(r.Period); err != nil || closed.IsZero() || p.Last().After(closed) {
			expected := "a period closed (through " + closed.String() + ")"
			if closed.IsZero() {
				expected = "a closed period (no period is closed)"
			}
			return ledger.FactError("statements", statementKey(r), "period", expected, r.Period)
		}
		stated, computed, err := statementHash(string(r.Body))
		if err != nil {
			return ledger.FactError("statements", statementKey(r), "body", "a statement's JSON", fmt.Sprintf("unreadable (%v)", err))
		}
		if computed != stated {
			return ledger.FactError("statements", statementKey(r), "body", "a body whose hash recomputes to "+stated[:min(12, len(stated))], "one that hashes to "+computed[:min(12, len(computed))]+": altered after its close")
		}
		if r.Hash != stated {
			return ledger.FactError("statements", statementKey(r), "hash", stated+" (from its body)", r.Hash)
		}
		if !canonicalBody(string(r.Body)) {
			return ledger.FactError("statements", statementKey(r), "body", "its JSON as revshare writes it (indented by two spaces, one final newline)", "other bytes: altered after its close")
		}
		s, err := ParseStored(r.Body)
		if err != nil {
			return ledger.FactError("statements", statementKey(r), "body", "a statement's JSON", fmt.Sprintf("unreadable (%v)", err))
		}
		for _, f := range [][3]string{ // column, found, expected
			{"body's contract", s.Contract, r.Contract}, {"body's period", s.Period.Label, r.Period}, {"body's status", s.Status, "final"},
		} {
			if f[1] != f[2] {
				return ledger.FactError("statements", statementKey(r), f[0], f[2], f[1])
			}
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
func verifyStatementBodies(tx books.ReadTx, rows []books.FinalStatement) error {
	legacyBefore, err := tx.BasisRecordedSince()
	if err != nil {
		return err
	}
	type group struct {
		contract string
		basis    books.StatementBasis
	}
	groups := map[group][]books.FinalStatement{}
	var order []group
	for _, r := range rows {
		if !r.HasBasis {
			fin, err := time.Parse(time.RFC3339Nano, r.FinalizedAt)
			if err != nil || legacyBefore.IsZero() || !fin.Before(legacyBefore) {
				return ledger.FactError("statements", statementKey(r), "version, events_through and rates_through", "what it was rendered from", "NULL on a statement stored after migration 0010")
			}
			continue
		}
		g := group{r.Contract, r.Basis}
		if groups[g] == nil {
			order = append(order, g)
		}
		groups[g] = append(groups[g], r)
	}
	// Every group is evaluated in one walk over the events: a walk per
	// group made verify cost the number of groups times the number of
	// events (500 one-seller contracts closed once over 100,000 events:
	// 200 s of CPU).
	prepared := make([]*statementGroup, len(order))
	var evals []*evaluation
	for i, g := range order {
		sg := prepareStatementGroup(tx, g.contract, g.basis, groups[g])
		prepared[i] = sg
		if sg.eval != nil {
			evals = append(evals, sg.eval)
		}
	}
	if err := evaluateTogether(tx, evals); err != nil {
		for _, sg := range prepared { // named as the first group's evaluation
			if sg.eval != nil {
				return &ledger.VerifyError{Reason: fmt.Sprintf("statements contract=%s: cannot render again as of its close: %v", sg.sc.Contract.ID, err)}
			}
		}
	}
	for _, sg := range prepared {
		if err := sg.verify(tx); err != nil {
			return err
		}
	}
	return nil
}

// statementGroup is the statements of one contract stored with the same
// basis (at one close), rendered again from one evaluation.
type statementGroup struct {
	rows    []books.FinalStatement
	sc      contracts.StoredContract
	periods []ledger.Period
	eval    *evaluation // nil when err is set
	err     error       // the group cannot be evaluated: its violation
}

// prepareStatementGroup reads the group's contract version and periods and
// sets up its evaluation as of its close.
func prepareStatementGroup(tx books.ReadTx, id string, basis books.StatementBasis, rows []books.FinalStatement) *statementGroup {
	sg := &statementGroup{rows: rows}
	sc, err := tx.ContractVersion(id, basis.Version)
	if err != nil {
		sg.err = ledger.FactError("statements", statementKey(rows[0]), "version", "a stored version of the contract", fmt.Sprint(basis.Version))
		return sg
	}
	sg.sc = sc
	c := sc.Contract
	var last ledger.Period
	sg.periods = make([]ledger.Period, len(rows))
	for i, r := range rows {
		p, err := ledger.ParsePeriod(r.Period)
		if err != nil || p.Freq != c.Period {
			sg.err = ledger.FactError("statements", statementKey(r), "period", "a "+string(c.Period)+" of version "+fmt.Sprint(basis.Version), r.Period)
			return sg
		}
		sg.periods[i] = p
		if last.Before(p) || i == 0 {
			last = p
		}
	}
	rates, err := tx.RatesThrough(basis.RatesThrough)
	if err != nil {
		sg.err = &ledger.VerifyError{Reason: fmt.Sprintf("statements contract=%s: cannot render again as of its close: %v", id, err)}
		return sg
	}
	sg.eval = newEvaluation(c, last, rates, basis.EventsThrough)
	return sg
}

// verify renders the group's statements again from its evaluation and
// compares each with its stored body.
func (sg *statementGroup) verify(tx books.ReadTx) error {
	if sg.err != nil {
		return sg.err
	}
	res, err := sg.eval.result()
	if err != nil {
		return &ledger.VerifyError{Reason: fmt.Sprintf("statements contract=%s: cannot render again as of its close: %v", sg.sc.Contract.ID, err)}
	}
	for i, r := range sg.rows {
		s, err := StatementFromBooks(tx, sg.sc, sg.periods[i], true, res)
		if err != nil {
			return &ledger.VerifyError{Reason: fmt.Sprintf("statements %s: cannot render again: %v", statementKey(r), err)}
		}
		body, err := RenderStored(s)
		if err != nil {
			return err
		}
		if path, want, got, same := sameJSON(body, r.Body); !same {
			return ledger.FactError("statements", statementKey(r), "body at "+path, want+" (rendered again from the ledger as of its close)", got)
		}
	}
	return nil
}

// errStopEvents ends an event walk early.
var errStopEvents = errors.New("stop")

// evaluation runs the engine for one contract over the events numbered up
// to eventsThrough (those committed before a close).
type evaluation struct {
	acc           *contracts.Accumulator
	eventsThrough int64
	err           error // the first error adding an event; it stops the evaluation
}

// newEvaluation sets up the evaluation of c through p; one that cannot be
// set up keeps its error for result.
func newEvaluation(c *contracts.Contract, through ledger.Period, rates []ledger.FXRate, eventsThrough int64) *evaluation {
	acc, err := contracts.NewAccumulator(c, through, rates, contracts.Options{TraceEvents: true})
	return &evaluation{acc: acc, eventsThrough: eventsThrough, err: err}
}

func (ev *evaluation) result() (*contracts.Result, error) {
	if ev.err != nil {
		return nil, ev.err
	}
	return ev.acc.Result()
}

// evaluateTogether feeds each evaluation its events in one walk over them.
func evaluateTogether(tx books.ReadTx, evals []*evaluation) error {
	if len(evals) == 0 {
		return nil
	}
	var last int64
	for _, ev := range evals {
		last = max(last, ev.eventsThrough)
	}
	err := tx.EachEvent(func(e *ledger.Event) error {
		if e.ID > last {
			return errStopEvents
		}
		for _, ev := range evals {
			if ev.err == nil && e.ID <= ev.eventsThrough {
				ev.err = ev.acc.Add(e)
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopEvents) {
		return err
	}
	return nil
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
		for _, k := range ledger.SortedKeys(x, y) {
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
func verifyClosesFinalized(tx books.ReadTx, stmts []books.FinalStatement) error {
	type closeRow struct {
		through       ledger.Date
		closedAt      string
		at            time.Time
		eventsThrough int64 // the last event whose import entry precedes the close's head
	}
	var closes []closeRow
	stored, err := tx.Closes()
	if err != nil {
		return err
	}
	for _, c := range stored {
		cr := closeRow{closedAt: c.ClosedAt, eventsThrough: c.EventsThrough}
		if cr.through, err = ledger.ParseDate(c.Through); err != nil {
			return &ledger.VerifyError{Reason: fmt.Sprintf("period_closes through=%q: not a date", c.Through)}
		}
		if cr.at, err = time.Parse(time.RFC3339Nano, cr.closedAt); err != nil {
			return &ledger.VerifyError{Reason: fmt.Sprintf("period_closes through=%s: closed_at %q is not a time", c.Through, cr.closedAt)}
		}
		closes = append(closes, cr)
	}
	if len(closes) == 0 {
		return nil
	}
	final := map[[2]string]bool{}
	versionAt := map[[2]string]int64{} // contract, finalized_at -> version
	closeAt := map[string]closeRow{}
	for _, cr := range closes {
		closeAt[cr.closedAt] = cr
	}
	for _, s := range stmts {
		final[[2]string{s.Contract, s.Period}] = true
		if s.HasBasis {
			versionAt[[2]string{s.Contract, s.FinalizedAt}] = int64(s.Basis.Version)
		}
		// A statement stored by a close: of a period that close closed,
		// rendered from the events committed before it. One whose
		// finalized_at is no close's instant was stored by closing a date
		// already closed, which adds no period_closes row but stores the
		// statements of contracts added since (CloseThrough); its
		// finalized_at is sealed by the fact chain like every column.
		cr, ok := closeAt[s.FinalizedAt]
		if !ok {
			continue
		}
		if p, err := ledger.ParsePeriod(s.Period); err == nil && p.Last().After(cr.through) {
			return ledger.FactError("statements", statementKey(s), "period", "a period the close through "+cr.through.String()+" that stored it closed", s.Period)
		}
		if s.HasBasis && s.Basis.EventsThrough != cr.eventsThrough {
			return ledger.FactError("statements", statementKey(s), "events_through", fmt.Sprintf("%d (the last event committed before the close through %s)", cr.eventsThrough, cr.through), fmt.Sprint(s.Basis.EventsThrough))
		}
	}
	type version struct {
		n  int
		at time.Time
		c  *contracts.Contract
	}
	versions := map[string][]version{}
	var ids []string
	docs, err := tx.ContractDocuments()
	if err != nil {
		return err
	}
	for _, d := range docs {
		id, v := d.ID, version{n: d.Version}
		if v.at, err = time.Parse(time.RFC3339Nano, d.RecordedAt); err != nil {
			return &ledger.VerifyError{Reason: fmt.Sprintf("contracts id=%s version=%d: recorded_at %q is not a time", id, v.n, d.RecordedAt)}
		}
		if v.c, err = contracts.ParseStored([]byte(d.Document)); err != nil {
			return &ledger.VerifyError{Reason: fmt.Sprintf("contracts id=%s version=%d: unreadable: %v", id, v.n, err)}
		}
		if versions[id] == nil {
			ids = append(ids, id)
		}
		versions[id] = append(versions[id], v)
	}
	// A rule without a start has statements from the period of the first
	// event it counts (FirstPeriod) among the events committed before the
	// close: a late event committed after it can open an earlier period
	// (corrected by an adjustment), whose statement a later close stores.
	rates, err := tx.Rates()
	if err != nil {
		return err
	}
	// contractAt is the version of contract id as of close cr: the one its
	// statements record, or the last recorded before it; nil when the
	// contract came later.
	contractAt := func(id string, cr closeRow) *contracts.Contract {
		var c *contracts.Contract
		if n, ok := versionAt[[2]string{id, cr.closedAt}]; ok {
			for _, v := range versions[id] {
				if int64(v.n) == n {
					c = v.c
				}
			}
			return c
		}
		for _, v := range versions[id] {
			if v.at.Before(cr.at) {
				c = v.c
			}
		}
		return c
	}
	// The open-start contracts are evaluated as of every close in one walk
	// over the events (see verifyStatementBodies).
	type closeContract struct {
		close int
		id    string
	}
	openStart := map[closeContract]*evaluation{}
	var evals []*evaluation
	for i, cr := range closes {
		for _, id := range ids {
			if c := contractAt(id, cr); c != nil && c.OpenStart() {
				ev := newEvaluation(c, LastPeriodThrough(c, cr.through), rates, cr.eventsThrough)
				openStart[closeContract{i, id}], evals = ev, append(evals, ev)
			}
		}
	}
	if err := evaluateTogether(tx, evals); err != nil {
		return &ledger.VerifyError{Reason: fmt.Sprintf("final statements: cannot evaluate the open-start contracts as of their closes: %v", err)}
	}
	for i, cr := range closes {
		for _, id := range ids {
			c := contractAt(id, cr)
			if c == nil {
				continue // the contract came later
			}
			first, ok := c.FirstPeriod()
			if c.OpenStart() {
				res, err := openStart[closeContract{i, id}].result()
				if err != nil {
					return &ledger.VerifyError{Reason: fmt.Sprintf("contract %s: cannot evaluate as of the close through %s: %v", c.ID, cr.through, err)}
				}
				first, ok = FirstPeriod(c, res)
			}
			if !ok {
				continue
			}
			for p, last := first, LastPeriodThrough(c, cr.through); !last.Before(p); p = p.Next() {
				if !final[[2]string{id, p.Label()}] {
					return ledger.FactError("statements", "contract="+id+" period="+p.Label(), "row", "the final statement stored by the close through "+cr.through.String(), "(missing)")
				}
			}
		}
	}
	return nil
}
