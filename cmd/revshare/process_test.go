package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/revshare/revshare/ledger/postgres/pgtest"
)

// Tests that need real, separate `revshare` processes start the test binary
// itself (startCLI, cliProcess): TestMain turns it into the command when
// cliProcessEnv is set (nothing is built, and under -race the children are
// race-checked too). cliStartAtEnv holds a Unix time in nanoseconds the child
// sleeps until before it starts, so that processes launched one after the
// other begin their work at the same moment.
const (
	cliProcessEnv = "REVSHARE_TEST_AS_CLI"
	cliStartAtEnv = "REVSHARE_TEST_START_AT"
)

func TestMain(m *testing.M) {
	if os.Getenv(cliProcessEnv) == "1" {
		if s := os.Getenv(cliStartAtEnv); s != "" {
			ns, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				fmt.Fprintf(os.Stderr, "%s: %v\n", cliStartAtEnv, err)
				os.Exit(2)
			}
			time.Sleep(time.Until(time.Unix(0, ns)))
		}
		main() // exits non-zero on error
		os.Exit(0)
	}
	os.Exit(pgtest.Run(m, &pg))
}

// cliProc is one revshare process started by startCLI.
type cliProc struct {
	args           []string
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
}

// startCLI starts `revshare --db db args...` as a process. A non-zero
// startAt makes it wait for that moment before running the command.
func startCLI(t *testing.T, startAt time.Time, db string, args ...string) *cliProc {
	t.Helper()
	var env []string
	if !startAt.IsZero() {
		env = []string{cliStartAtEnv + "=" + strconv.FormatInt(startAt.UnixNano(), 10)}
	}
	return startCLIEnv(t, env, db, args...)
}

// startCLIEnv is startCLI with extra environment variables.
func startCLIEnv(t *testing.T, env []string, db string, args ...string) *cliProc {
	t.Helper()
	p := &cliProc{args: args}
	p.cmd = exec.Command(os.Args[0], append([]string{"--db", db}, args...)...)
	// Under -race a process sleeps a second at exit to catch late reports;
	// the tests wait for their processes, so that second is not needed.
	p.cmd.Env = append(append(os.Environ(), cliProcessEnv+"=1", "REVSHARE_DB=", "GORACE=atexit_sleep_ms=0 "+os.Getenv("GORACE")), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return p
}

// wait waits for the process and returns its outputs and exit error.
func (p *cliProc) wait() (string, string, error) {
	err := p.cmd.Wait()
	return p.stdout.String(), p.stderr.String(), err
}

// mustWait waits for the process and fails the test unless it succeeded.
func (p *cliProc) mustWait(t *testing.T) string {
	t.Helper()
	out, errOut, err := p.wait()
	if err != nil {
		t.Fatalf("revshare %s: %v\n%s", strings.Join(p.args, " "), err, errOut)
	}
	return out
}

// cliProcess runs one revshare process to completion and returns its stdout.
func cliProcess(t *testing.T, db string, args ...string) string {
	t.Helper()
	return startCLI(t, time.Time{}, db, args...).mustWait(t)
}
