package storetest

import (
	"context"
	"testing"

	"github.com/revshare/revshare/contracts"
)

// ParseContract parses the contract YAML doc, failing t on an error: the
// one way the tests of every backend turn a document into a contract.
func ParseContract(t testing.TB, doc string) *contracts.Contract {
	t.Helper()
	c, err := contracts.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// SaveContract parses doc and stores it in s (update as
// contracts.ContractStore.SaveContract takes it), failing t on an error;
// it returns the contract stored.
func SaveContract(t testing.TB, s contracts.ContractStore, doc string, update bool) *contracts.Contract {
	t.Helper()
	c := ParseContract(t, doc)
	if _, err := s.SaveContract(context.Background(), c, update); err != nil {
		t.Fatalf("SaveContract %s: %v", c.ID, err)
	}
	return c
}
