package usage

import (
	"fmt"
	"strings"

	"github.com/revshare/revshare/ledger"
)

// Accounts name a seller and a channel by their account segment
// (ledger.AccountSegment: lowercased, characters other than a-z, 0-9, '-',
// '_' and '.' become '_'). Two sellers whose texts differ but whose segments
// are equal ("Acme" and "acme", "a b" and "a_b") would book to one revenue
// account, while contracts (which match the text exactly) and statements
// keep them apart: the ledger and the statements would disagree. An import
// refuses a row whose seller or channel is new to the book and shares its
// segment with another spelling, stored or earlier in the file; spellings
// already stored side by side (books imported before this rule) import as
// before. docs/import.md, "Names and accounts".

// nameFields are the fields that name accounts, with their store names.
var nameFields = [...]struct {
	f    field
	name string
}{{fSeller, ColSeller}, {fChannel, ColChannel}}

// names is an import's knowledge of the seller and channel texts it met.
type names struct {
	// refused holds the texts met, each with the other spelling that
	// refuses it ("": accepted); it is cleared past maxNameTexts texts and
	// filled again from the store.
	refused [len(nameFields)]map[string]string
	// taken holds the texts this import brought to the book, by segment,
	// with the line of their first row.
	taken [len(nameFields)]map[string]newName
}

type newName struct {
	text string
	line int
}

// maxNameTexts bounds names.refused (a file of a million sellers).
const maxNameTexts = 100000

// checkNames adds a RowError to p for each of its seller and channel that
// would share an account segment with another spelling.
func (im *importRun) checkNames(p *ImportRow) error {
	n := &im.names
	for i, nf := range nameFields {
		v := p.Event.Seller
		if nf.f == fChannel {
			v = p.Event.Channel
		}
		if n.refused[i] == nil || len(n.refused[i]) >= maxNameTexts {
			n.refused[i] = map[string]string{}
		}
		if n.taken[i] == nil {
			n.taken[i] = map[string]newName{}
		}
		other, ok := n.refused[i][v]
		if !ok {
			// A field of the row shares the memory of its whole line: a copy
			// keeps only the text (50,000 sellers kept 50,000 lines).
			v = strings.Clone(v)
			seg := ledger.AccountSegment(v)
			if nn, taken := n.taken[i][seg]; taken {
				if nn.text != v {
					other = nn.text
				}
			} else {
				stored, o, err := im.store.NameInUse(nf.name, v, seg)
				if err != nil {
					return err
				}
				if other = o; !stored && o == "" {
					n.taken[i][seg] = newName{v, p.Line}
				}
			}
			n.refused[i][v] = other
		}
		if other == "" {
			continue
		}
		seg := ledger.AccountSegment(v)
		where := "in the book"
		if nn := n.taken[i][seg]; nn.text == other {
			where = fmt.Sprintf("line %d", nn.line)
		}
		p.Errors = append(p.Errors, im.rd.fieldError(p.Line, nf.f, v, fmt.Sprintf(
			"%s %q and %s %q (%s) would share the accounts of segment %q (lowercased; characters other than a-z, 0-9, '-', '_' and '.' become '_'): write %q if they are the same %s, else rename one",
			nf.name, v, nf.name, other, where, seg, other, nf.name)))
	}
	return nil
}

// fieldError is a RowError of field f on line, named as the file names it.
func (r *Reader) fieldError(line int, f field, val, reason string) *RowError {
	name := fieldNames[f]
	if i := r.idx[f]; i >= 0 {
		name = r.header[i]
	}
	return &RowError{File: r.file, Line: line, Column: name, Value: val, Reason: reason}
}
