package scenario

import (
	"errors"
	"fmt"
	"testing"
)

// TestScenarioErrorHeader: a scenario's problems come back under the
// "invalid scenario" header, never "invalid contract".
func TestScenarioErrorHeader(t *testing.T) {
	_, err := Parse([]byte("a: 1\n---\nb: 2\n"), ParseOptions{})
	want := "invalid scenario (1 problem):\nmore than one YAML document in the file"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	var ve *ValidationError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &ve) || ve.Subject != "scenario" {
		t.Fatalf("errors.As: %#v", ve)
	}
	var ps problems
	ps.add("streams[0].growth", "want %s", "a mapping")
	ps.add("", "no streams")
	want = "invalid scenario (2 problems):\nstreams[0].growth: want a mapping\nno streams"
	if err := ps.err(); err == nil || err.Error() != want {
		t.Fatalf("problems.err() = %v, want %q", err, want)
	}
}
