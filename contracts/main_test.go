package contracts_test

import (
	"os"
	"testing"

	"github.com/revshare/revshare/ledger/postgres/pgtest"
)

// pg is the test run's PostgreSQL database (pgtest: $REVSHARE_TEST_POSTGRES
// or the local server), in which TestBooksDifferential's postgres subtest
// opens a fresh schema per case. Without a server that subtest skips,
// except under CI=true, where it fails.
var pg pgtest.Database

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, &pg)) }
