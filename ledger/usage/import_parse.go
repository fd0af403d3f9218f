package usage

import (
	"context"
	"io"

	"github.com/revshare/revshare/ledger"
)

// rowBatch is rows of the file as the parser sends them; their Record and
// Data point into fields and data.
type rowBatch struct {
	rows   []ImportRow
	fields []string
	data   []byte
}

// parse reads the file and sends its rows to the writer, until the end of
// the file, a problem of the whole file, or ctx's end.
func (im *importRun) parse(ctx context.Context) {
	defer close(im.feed)
	var (
		row    Row
		digBuf []byte
		rows   int
		segs   = map[string]string{}
		b      = im.newBatch()
	)
	// ledger.AccountSegment, remembered: a file has few sellers and channels.
	segment := func(s string) string {
		v, ok := segs[s]
		if !ok {
			if len(segs) > 10000 {
				clear(segs)
			}
			v = ledger.AccountSegment(s)
			segs[s] = v
		}
		return v
	}
	send := func() bool {
		for i := range b.rows {
			p := &b.rows[i]
			p.Record = b.fields[p.record[0]:p.record[1]:p.record[1]]
			p.Data = b.data[p.data[0]:p.data[1]:p.data[1]]
		}
		select {
		case im.feed <- b:
			b = im.newBatch()
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		err := im.rd.Next(&row)
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(b.rows) > 0 && !send() {
				return
			}
			im.parseErr = err
			return
		}
		rows++
		if rows%4096 == 0 && im.opts.OnProgress != nil {
			im.opts.OnProgress(rows, im.rd.BytesRead())
		}
		b.rows = append(b.rows, ImportRow{Line: row.Line, Event: row.Event})
		p := &b.rows[len(b.rows)-1]
		p.record[0] = len(b.fields)
		b.fields = append(b.fields, row.Record...)
		p.record[1] = len(b.fields)
		if len(row.Errors) > 0 {
			p.Errors = append([]*RowError(nil), row.Errors...)
		} else {
			p.Date = p.Event.AccountingDate()
			p.Digest, digBuf = Digest(&p.Event, digBuf)
			p.data[0] = len(b.data)
			if b.data, p.Split, err = im.store.EncodeRow(b.data, &row, &p.Digest); err != nil {
				im.parseErr = err
				return
			}
			p.data[1] = len(b.data)
			p.Seller, p.Channel = segment(p.Event.Seller), segment(p.Event.Channel)
		}
		if len(b.rows) == im.tune.BatchRows && !send() {
			return
		}
	}
	if len(b.rows) > 0 && !send() {
		return
	}
	if im.opts.OnProgress != nil {
		im.opts.OnProgress(rows, im.rd.BytesRead())
	}
}

func (im *importRun) newBatch() *rowBatch {
	select {
	case b := <-im.free:
		b.rows, b.fields, b.data = b.rows[:0], b.fields[:0], b.data[:0]
		return b
	default:
		return &rowBatch{rows: make([]ImportRow, 0, im.tune.BatchRows)}
	}
}
