package main

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestOneFileKnowsTheStorage: store.go is the only file of the command (its
// tests aside) that imports the storage backends; every other file works
// through the domain's services.
func TestOneFileKnowsTheStorage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var importers []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			switch path {
			case "github.com/revshare/revshare/ledger/sqlite", "github.com/revshare/revshare/ledger/postgres":
				importers = append(importers, f+" imports "+path)
			}
		}
	}
	want := []string{"store.go imports github.com/revshare/revshare/ledger/postgres", "store.go imports github.com/revshare/revshare/ledger/sqlite"}
	if strings.Join(importers, "\n") != strings.Join(want, "\n") {
		t.Errorf("want store.go alone to import the storage packages, got %q", importers)
	}
}
