package postgres_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/revshare/revshare/internal/revsharetest"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/postgres"
)

// What a user of the trial balance sees on each backend, for
// BenchmarkTrialBalance1M when REVSHARE_BENCH_PROCESS_ROUNDS is set
// (bench/trial-balance.sh sets it to 30): the one-shot command
// (`revshare --db … balance` and `balance --as-of`, one process a call,
// the rounds alternating between the backends) and the REST API
// (`GET /api/v1/trial-balance` and `?as_of=` on a warm `revshare serve`
// of each backend, with its response cache and with --no-cache).
//
// CPU comes from the kernel: a command's from its rusage; a PostgreSQL
// command's backend from a fresh connection's backend doing the same in
// this process (/proc/PID/schedstat, before it closes), and, as a check,
// from the postmaster's reaped children (cutime + cstime) over the
// commands, which also counts any other session's backend that ends
// meanwhile (an upper bound, exact only on a quiet machine); a server's
// from /proc for the serve process and the database's backends (10 ms
// ticks: REVSHARE_BENCH_REQUESTS, default 1,000, requests a measurement).

// userBook is one backend's book as the command reaches it.
type userBook struct {
	name string // "sqlite" or "postgres"
	db   string // the --db argument
}

// userViews measures the one-shot command and the REST API on both books
// and logs the tables.
func userViews(b *testing.B, conn *pgx.Conn, books []userBook, asOf string, rounds int) {
	ctx := context.Background()
	dir := b.TempDir()
	bin := revsharetest.Build(b, dir)
	postmaster := postmasterPID(b, conn)
	load := func() string {
		l, _ := os.ReadFile("/proc/loadavg")
		return strings.Join(strings.Fields(string(l))[:3], " ")
	}
	b.Logf("one-shot command and REST API: load average %s at the start", load())

	// The one-shot command: the two backends alternate, view by view.
	views := []struct{ name, args, query string }{
		{"balance", "", ""},
		{"balance --as-of " + asOf, "--as-of " + asOf, "?as_of=" + asOf},
	}
	type sample struct{ wall, cpu time.Duration }
	cli := map[string][]sample{}
	backendCPU := map[string]time.Duration{} // the PostgreSQL backends' CPU a command, by view
	want := map[string]string{}
	for _, v := range views {
		// The backends' CPU in all over the view's rounds: a backend of
		// a few ms would show as 0 or 1 tick of 10 ms on its own.
		s0, others0 := childrenCPU(b, postmaster), otherSessions(b, conn)
		for r := 0; r < rounds; r++ {
			for i := range books {
				bk := books[(i+r)%len(books)] // who goes first alternates
				args := append([]string{"--db", bk.db, "balance", "--format", "csv"}, strings.Fields(v.args)...)
				cmd := exec.Command(bin, args...)
				var out bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &out
				start := time.Now()
				if err := cmd.Run(); err != nil {
					b.Fatalf("revshare %s: %v\n%s", strings.Join(args, " "), err, out.String())
				}
				k := v.name + "/" + bk.name
				cli[k] = append(cli[k], sample{wall: time.Since(start), cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()})
				if w, ok := want[v.name]; !ok {
					want[v.name] = out.String()
				} else if w != out.String() {
					b.Fatalf("%s on %s prints\n%s\nnot\n%s", v.name, bk.name, out.String(), w)
				}
			}
		}
		time.Sleep(300 * time.Millisecond) // the last backend ends after its client
		backendCPU[v.name] = (childrenCPU(b, postmaster) - s0) / time.Duration(rounds)
		if n := otherSessions(b, conn) - others0; n > 0 {
			b.Logf("%s: %d sessions of other databases ended meanwhile: their CPU is in the backend's", v.name, n)
		}
	}
	b.Logf("load average %s after the one-shot commands", load())
	fresh := freshConnections(b, books, asOf, rounds)
	var tab strings.Builder
	fmt.Fprintf(&tab, "\none process a call, %d rounds alternating (ms): wall median (min); revshare CPU median; the PostgreSQL backend's CPU (a fresh connection's, median); CPU in all; ratios to SQLite; the postmaster's reaped children a command (an upper bound: other sessions' backends too)\n", rounds)
	fmt.Fprintf(&tab, "| command | backend | wall median (min) | revshare CPU | backend CPU | CPU in all | wall ratio median (min) | CPU ratio | reaped children |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, v := range views {
		base := cli[v.name+"/sqlite"]
		for _, bk := range books {
			ss := cli[v.name+"/"+bk.name]
			wall, minWall := medianMin(ss, func(s sample) time.Duration { return s.wall })
			cpu, _ := medianMin(ss, func(s sample) time.Duration { return s.cpu })
			var server, reaped time.Duration
			if bk.name == "postgres" {
				server, reaped = fresh[v.name], backendCPU[v.name]
			}
			bw, bmin := medianMin(base, func(s sample) time.Duration { return s.wall })
			bcpu, _ := medianMin(base, func(s sample) time.Duration { return s.cpu })
			fmt.Fprintf(&tab, "| `%s` | %s | %s (%s) | %s | %s | %s | %.2f× (%.2f×) | %.2f× | %s |\n", v.name, bk.name,
				ms(wall), ms(minWall), ms(cpu), ms(server), ms(cpu+server), ratio(wall, bw), ratio(minWall, bmin), ratio(cpu+server, bcpu), ms(reaped))
		}
	}
	b.Log(tab.String())

	// The REST API on a warm server of each book, with its response cache
	// (a request reads the data version, then answers from the cache)
	// and without (a request authenticates its token and reads the view).
	type server struct {
		book       userBook
		mode       string
		url, token string
		pid        int
	}
	var servers []server
	for _, bk := range books {
		token := strings.TrimSpace(run(b, bin, "--db", bk.db, "token", "create", "--role", "auditor", "--name", "bench"))
		for _, mode := range []string{"cached", "no-cache"} {
			args := []string{"--db", bk.db, "serve", "--addr", "127.0.0.1:0", "--log-level", "warn"}
			if mode == "no-cache" {
				args = append(args, "--no-cache")
			}
			cmd := exec.Command(bin, args...)
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				b.Fatal(err)
			}
			cmd.Stderr = os.Stderr
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
			line, err := bufio.NewReader(stdout).ReadString('\n')
			m := regexp.MustCompile(`http://(\S+)/ \(web view\)`).FindStringSubmatch(line)
			if err != nil || m == nil {
				b.Fatalf("serve said %q (%v)", line, err)
			}
			go io.Copy(io.Discard, stdout)
			servers = append(servers, server{book: bk, mode: mode, url: "http://" + m[1] + "/api/v1/trial-balance", token: token, pid: cmd.Process.Pid})
		}
	}
	requests := benchSize(b, "REVSHARE_BENCH_REQUESTS", 1000)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	get := func(srv server, query string) string {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.url+query, nil)
		req.Header.Set("Authorization", "Bearer "+srv.token)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("GET %s: %d %v\n%s", srv.url+query, resp.StatusCode, err, body)
		}
		return string(body)
	}
	type restSample struct{ wall, serve, backends, client float64 } // µs a request
	rest := map[string][]restSample{}
	restRounds := benchSize(b, "REVSHARE_BENCH_REST_ROUNDS", 3)
	for r := 0; r < restRounds; r++ {
		for _, v := range views {
			var body string
			for i := range servers {
				srv := servers[(i+r)%len(servers)]
				if got := get(srv, v.query); body == "" { // warm: the first request fills the caches
					body = got
				} else if got != body {
					b.Fatalf("%s %s on %s answers\n%s\nnot\n%s", srv.mode, v.name, srv.book.name, got, body)
				}
				p0, s0, c0 := procCPU(b, srv.pid), serverCPU(b, conn), processCPU()
				start := time.Now()
				for range requests {
					get(srv, v.query)
				}
				wall := time.Since(start)
				per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 / float64(requests) }
				k := v.name + "/" + srv.book.name + "/" + srv.mode
				rest[k] = append(rest[k], restSample{wall: per(wall), serve: per(procCPU(b, srv.pid) - p0),
					backends: per(serverCPU(b, conn).sub(s0)), client: per(processCPU() - c0)})
			}
		}
	}
	b.Logf("load average %s after the REST requests", load())
	tab.Reset()
	fmt.Fprintf(&tab, "\nREST on a warm `revshare serve`, %d requests a measurement, %d rounds (µs a request, median of the rounds): wall; serve CPU; PostgreSQL backends' CPU; server CPU in all; ratios to SQLite in the same mode\n", requests, restRounds)
	fmt.Fprintf(&tab, "| request | server | wall | serve CPU | backends CPU | server CPU | client CPU | wall ratio | server CPU ratio |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, v := range views {
		for _, mode := range []string{"cached", "no-cache"} {
			med := func(backend string, f func(restSample) float64) float64 {
				var xs []float64
				for _, s := range rest[v.name+"/"+backend+"/"+mode] {
					xs = append(xs, f(s))
				}
				slices.Sort(xs)
				return xs[len(xs)/2]
			}
			for _, bk := range books {
				wall := med(bk.name, func(s restSample) float64 { return s.wall })
				srvCPU := med(bk.name, func(s restSample) float64 { return s.serve + s.backends })
				fmt.Fprintf(&tab, "| `GET /api/v1/trial-balance%s` | %s, %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.2f× | %.2f× |\n", v.query, bk.name, mode,
					wall, med(bk.name, func(s restSample) float64 { return s.serve }), med(bk.name, func(s restSample) float64 { return s.backends }),
					srvCPU, med(bk.name, func(s restSample) float64 { return s.client }),
					wall/med("sqlite", func(s restSample) float64 { return s.wall }),
					srvCPU/med("sqlite", func(s restSample) float64 { return s.serve + s.backends }))
			}
		}
	}
	b.Log(tab.String())
}

// freshConnections measures, in this process, what a one-shot command's
// PostgreSQL backend costs the server: a fresh connection opened
// read-only (connect, ping, migration check), the view (with the first
// query for the accounts' names) and pg_backend_pid(), then the backend's
// time on a CPU from /proc/PID/schedstat (nanoseconds, its own alone)
// before it closes. Its exit is left out.
func freshConnections(b *testing.B, books []userBook, asOf string, rounds int) map[string]time.Duration {
	ctx := context.Background()
	var url string
	for _, bk := range books {
		if bk.name == "postgres" {
			url = bk.db
		}
	}
	date, err := ledger.ParseDate(asOf)
	if err != nil {
		b.Fatal(err)
	}
	medians := map[string]time.Duration{}
	for _, q := range []struct {
		name string
		q    ledger.BalanceQuery
	}{{"balance", ledger.BalanceQuery{}}, {"balance --as-of " + asOf, ledger.BalanceQuery{AsOf: date}}} {
		var cpu []time.Duration
		for range rounds {
			db, err := postgres.OpenReadOnly(ctx, url)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.TrialBalance(ctx, q.q); err != nil {
				b.Fatal(err)
			}
			var pid int
			if err := db.Pool().QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
				b.Fatal(err)
			}
			if db.Pool().Stat().TotalConns() != 1 {
				b.Fatalf("%d connections, want 1", db.Pool().Stat().TotalConns())
			}
			stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
			if err != nil {
				b.Fatal(err)
			}
			ns, _ := strconv.ParseInt(strings.Fields(string(stat))[0], 10, 64)
			cpu = append(cpu, time.Duration(ns))
			db.Close()
		}
		medians[q.name], _ = medianMin(cpu, func(d time.Duration) time.Duration { return d })
	}
	return medians
}

// run runs the command and returns its standard output.
func run(b *testing.B, bin string, args ...string) string {
	cmd := exec.Command(bin, args...)
	var errOut bytes.Buffer
	cmd.Stderr = &errOut
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("revshare %s: %v\n%s", strings.Join(args, " "), err, errOut.String())
	}
	return string(out)
}

// postmasterPID is the server's main process: the parent of this
// connection's backend.
func postmasterPID(b *testing.B, conn *pgx.Conn) int {
	var pid int
	if err := conn.QueryRow(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		b.Fatal(err)
	}
	f := procStat(b, pid)
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// otherSessions is how many sessions of other databases have ended on
// the server (pg_stat_database.sessions): their backends' CPU lands in
// the postmaster's children's too.
func otherSessions(b *testing.B, conn *pgx.Conn) int64 {
	var n int64
	if err := conn.QueryRow(context.Background(), `SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE datname IS DISTINCT FROM current_database()`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// procStat is /proc/PID/stat's fields after the command (field 3 first).
func procStat(b *testing.B, pid int) []string {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("the server must run on this machine: %v", err)
	}
	return strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
}

// procCPU is the CPU time of process pid (utime + stime).
func procCPU(b *testing.B, pid int) time.Duration {
	f := procStat(b, pid)
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100
}

// childrenCPU is the CPU time of pid's reaped children (cutime + cstime).
func childrenCPU(b *testing.B, pid int) time.Duration {
	f := procStat(b, pid)
	ut, _ := strconv.ParseInt(f[13], 10, 64)
	st, _ := strconv.ParseInt(f[14], 10, 64)
	return time.Duration(ut+st) * time.Second / 100
}

func medianMin[T any](xs []T, f func(T) time.Duration) (median, least time.Duration) {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = f(x)
	}
	slices.Sort(ds)
	return ds[len(ds)/2], ds[0]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1e3) }

func ratio(a, b time.Duration) float64 { return float64(a) / float64(b) }
