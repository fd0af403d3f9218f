package storetest

import (
	"testing"

	"github.com/revshare/revshare/contracts"
	"github.com/revshare/revshare/contracts/books"
	"github.com/revshare/revshare/ledger"
	"github.com/revshare/revshare/ledger/usage"
)

// Backend is a storage backend that implements every service the suites
// of this package test.
type Backend interface {
	ledger.Journal
	usage.Importer
	ledger.EventStore
	ledger.ImportStore
	ledger.TokenStore
	contracts.ContractStore
	Books() books.Store
}

// RunAll runs every suite of the package against the backends open
// returns, each as a subtest named after its service: Journal, Events,
// Imports, Tokens, Contracts and Books. Each backend's TestStore calls it:
//
//	func TestStore(t *testing.T) {
//		storetest.RunAll(t, func(t *testing.T, clock ledger.Clock) storetest.Backend { return openDB(t, clock) })
//	}
//
// open must return an empty backend whose "now" comes from clock.
func RunAll(t *testing.T, open func(t *testing.T, clock ledger.Clock) Backend) {
	t.Run("Journal", func(t *testing.T) {
		RunJournal(t, func(t *testing.T, clock ledger.Clock) ledger.Journal { return open(t, clock) })
	})
	t.Run("Events", func(t *testing.T) {
		RunEvents(t, func(t *testing.T, clock ledger.Clock) EventBackend { return open(t, clock) })
	})
	t.Run("Imports", func(t *testing.T) {
		RunImports(t, func(t *testing.T, clock ledger.Clock) ImportBackend { return open(t, clock) })
	})
	t.Run("Tokens", func(t *testing.T) {
		RunTokens(t, func(t *testing.T, clock ledger.Clock) ledger.TokenStore { return open(t, clock) })
	})
	t.Run("Contracts", func(t *testing.T) {
		RunContracts(t, func(t *testing.T, clock ledger.Clock) contracts.ContractStore { return open(t, clock) })
	})
	t.Run("Books", func(t *testing.T) {
		RunBooks(t, func(t *testing.T, clock ledger.Clock) BooksBackend {
			db := open(t, clock)
			return BooksBackend{Books: db.Books(), Contracts: db}
		})
	})
}
