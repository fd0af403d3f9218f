package storetest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger"
)

// BenchEntry is the n-th entry of the storage benchmarks, the same for
// every backend so that their figures compare: two postings, two meta keys.
func BenchEntry(n int) ledger.Entry {
	amt := fmt.Sprintf("%d.%02d", n%100000, n%100)
	ch := []string{"direct", "azure", "aws", "gcp"}[n%4]
	return ledger.Entry{
		Key:         ledger.Key{Source: "import", ExternalID: fmt.Sprintf("batch-%d", n)},
		Date:        D("2026-01-01").AddDays(n / 5000 % 365),
		Description: "usage " + ch,
		Meta:        map[string]string{"batch": fmt.Sprint(n / 1000), "channel": ch},
		Postings: []ledger.Posting{
			P("assets:receivable:openai:"+ch, amt, "USD"),
			P("income:revenue:openai:"+ch, "-"+amt, "USD"),
		},
	}
}

// BenchEntries returns the n benchmark entries from the from-th on.
func BenchEntries(from, n int) []ledger.Entry {
	es := make([]ledger.Entry, n)
	for i := range es {
		es[i] = BenchEntry(from + i)
	}
	return es
}

// WritePerEventCSV writes the usage book of issue #15: sellers × 2
// channels × days events, one per seller, channel and day, so that every
// event is its own group and posts its own entry (in day order from
// 2023-01-01; the layout of docs/import.md).
func WritePerEventCSV(w io.Writer, sellers, days int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("event_id,occurred_at,seller,channel,customer,product,region,amount,currency\n")
	day0 := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	var b []byte
	n := 0
	for d := 0; d < days; d++ {
		date := day0.AddDate(0, 0, d).Format("2006-01-02")
		for s := 0; s < sellers; s++ {
			for c := 0; c < 2; c++ {
				n++
				b = fmt.Appendf(b[:0], "e%d,%s,seller%03d,ch%d,cust-%d,prod-%d,r%d,%d.%02d,USD\n", n, date, s, c, n%5000, n%7, n%3, n*7919%10000, n%100)
				bw.Write(b)
			}
		}
	}
	return bw.Flush()
}

// BenchBatchSizes are the batch sizes that the posting benchmarks, and the
// raw inserts they are compared with, write in.
var BenchBatchSizes = []int{1, 1000, 10000}

// BenchPost is the posting benchmark of every backend: for each batch size,
// a new journal from open, and the benchmark entries posted in batches of
// that size (each batch built outside the timer). It reports ns/entry.
func BenchPost(b *testing.B, open func(b *testing.B) ledger.Journal) {
	BenchBatches(b, func(b *testing.B) (func(n, size int) []ledger.Entry, func([]ledger.Entry) error) {
		j := open(b)
		ctx := context.Background()
		return BenchEntries, func(batch []ledger.Entry) error {
			_, err := j.Post(ctx, batch)
			return err
		}
	})
}

// BenchBatches is the loop of the posting benchmarks and of the raw writes
// they are compared with, so that both are timed alike: for each of
// BenchBatchSizes, a sub-benchmark that calls setup once (untimed), then,
// until b.N entries are written, builds the next batch outside the timer
// (build(n, size): entries n to n+size-1) and times write on it. It
// reports ns/entry.
func BenchBatches[T any](b *testing.B, setup func(b *testing.B) (build func(n, size int) T, write func(T) error)) {
	for _, size := range BenchBatchSizes {
		b.Run(fmt.Sprintf("batch=%d", size), func(b *testing.B) {
			build, write := setup(b)
			n := 0
			b.ResetTimer()
			for done := 0; done < b.N; done += size {
				b.StopTimer()
				batch := build(n, size)
				n += size
				b.StartTimer()
				if err := write(batch); err != nil {
					b.Fatal(err)
				}
			}
			ReportPerEntry(b, size)
		})
	}
}

// ReportPerEntry reports the time per entry of a benchmark that wrote b.N
// entries in batches of size (a last, partial batch counts whole).
func ReportPerEntry(b *testing.B, size int) {
	entries := (b.N + size - 1) / size * size
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(entries), "ns/entry")
}
