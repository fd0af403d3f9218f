package postgres_test

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/revshare/revshare/contracts"
	cbooks "github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/storetest"
	"github.com/revshare/revshare/ledger/usage"
)

// benchContract counts the events of usageFile (EUR, March 2026) for two
// sellers, by channel and product.
const benchContract = `id: bench
currency: EUR
period: month
parties: [a, b]
rules:
  - {id: r1, payer: a, payee: b, match: {seller: [seller1, seller2]}, rate: "0.10", from: 2026-01-01}
  - {id: r2, payer: b, payee: a, match: {channel: [ch0]}, rate: "0.05", from: 2026-01-01}
`

// The evaluation a run does of a contract over N stored events, both ways,
// alternating iteration by iteration so that both see the same load:
// "each" reads every event (EachEvent into the accumulator, what a run did
// before Usage grouped them), "grouped" is books.Evaluate over the usage
// one GROUP BY builds (Usage). Both give the same lines (checked).
//
//	REVSHARE_BENCH_ROWS=100000 go test ./ledger/postgres -run '^$' -bench UsageEvaluate -benchtime 3x -timeout 1h
//
// The metrics are each one's wall ns/event and Go and server CPU ns/event,
// and each/grouped (how many times faster grouping is, in wall time).
func BenchmarkUsageEvaluate(b *testing.B) {
	needServer(b)
	n := benchSize(b, "REVSHARE_BENCH_ROWS", 100_000)
	ctx := context.Background()
	url := schemaURL(b)
	db := openURL(b, url, storetest.NewClock(storetest.T0))
	conn := connect(b, url)
	c := storetest.SaveContract(b, db, benchContract, false)
	if _, err := db.ImportUsage(ctx, bytes.NewReader(usageFile(n, eventID)), usage.ImportOptions{FileName: "bench.csv"}); err != nil {
		b.Fatal(err)
	}
	p := ledger.Period{Freq: ledger.Month, Year: 2026, Index: 3}
	svc := cbooks.Service{Store: db.Books()}
	var wall, goCPU, serverTime [2]time.Duration
	var results [2]*contracts.Result
	ways := [2]func() (*contracts.Result, error){
		func() (*contracts.Result, error) {
			acc, err := contracts.NewAccumulator(c, p, nil, contracts.Options{})
			if err != nil {
				return nil, err
			}
			if err := db.EachEvent(ctx, ledger.EventFilter{}, acc.Add); err != nil {
				return nil, err
			}
			return acc.Result()
		},
		func() (*contracts.Result, error) { return svc.EvaluateContract(ctx, c, p) },
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for w, way := range ways {
			s0, g0, t0 := serverCPU(b, conn), processCPU(), time.Now()
			res, err := way()
			if err != nil {
				b.Fatal(err)
			}
			wall[w] += time.Since(t0)
			goCPU[w] += processCPU() - g0
			serverTime[w] += serverCPU(b, conn).sub(s0)
			results[w] = res
		}
	}
	b.StopTimer()
	each, grouped := summarizeLines(results[0]), summarizeLines(results[1])
	if last := results[0].Lines[len(results[0].Lines)-1]; each != grouped || last.Events == 0 {
		b.Fatalf("the two ways differ:\n each:    %s\n grouped: %s", each, grouped)
	}
	events := float64(b.N) * float64(n)
	for w, name := range []string{"each", "grouped"} {
		b.ReportMetric(float64(wall[w].Nanoseconds())/events, name+"-ns/event")
		b.ReportMetric(float64(goCPU[w].Nanoseconds())/events, name+"-go-cpu-ns/event")
		b.ReportMetric(float64(serverTime[w].Nanoseconds())/events, name+"-server-cpu-ns/event")
	}
	b.ReportMetric(float64(wall[0])/float64(wall[1]), "each/grouped")
}

func summarizeLines(r *contracts.Result) string {
	var b bytes.Buffer
	for _, l := range r.Lines {
		b.WriteString(l.Rule + " " + l.Period.Label() + " " + l.Base.String() + " " + strconv.Itoa(l.Events) + " " + l.Total.String() + "\n")
	}
	return b.String()
}
