package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/revshare/revshare/ledger"
)

// writeJSON prints v as indented JSON followed by a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// checkFormat refuses a --format value outside allowed.
func checkFormat(format string, allowed ...string) error {
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return fmt.Errorf("unknown --format %q (want %s)", format, orList(allowed))
}

// orList writes choices as a person would: "text or json", "json, csv, md
// or html". (The error printed Go's slice syntax, "[json csv md html]".)
func orList(choices []string) string {
	if len(choices) < 2 {
		return strings.Join(choices, "")
	}
	return strings.Join(choices[:len(choices)-1], ", ") + " or " + choices[len(choices)-1]
}

// storeFor refuses a --format value outside allowed, then opens the store:
// a bad format is reported before any database is opened or created.
func (m *Main) storeFor(ctx context.Context, format string, allowed ...string) (*store, error) {
	if err := checkFormat(format, allowed...); err != nil {
		return nil, err
	}
	return m.Store(ctx)
}

// periodStoreFor is storeFor of a command about a period: it also refuses
// a period that does not parse before it opens the store.
func (m *Main) periodStoreFor(ctx context.Context, period, format string, allowed ...string) (ledger.Period, *store, error) {
	if err := checkFormat(format, allowed...); err != nil {
		return ledger.Period{}, nil, err
	}
	p, err := ledger.ParsePeriod(period)
	if err != nil {
		return ledger.Period{}, nil, err
	}
	st, err := m.Store(ctx)
	return p, st, err
}

// outputFlag adds -o/--output FILE to cmd: the command writes there
// (writeOutput) instead of standard output.
func outputFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().VarP(&nonEmpty{p, "want a file path, or - for standard output"}, "output", "o",
		"write to `FILE` (replaced atomically) instead of standard output")
}

// nonEmpty is a string flag that refuses an empty value when the flag is
// parsed, saying what it wants instead. A script's unset variable
// (-o "$OUT", --as-of "$DAY", --source "$SRC") would otherwise read as the
// flag not given: the command printed to standard output, answered for
// today instead of that day, or imported under the default source (every
// event of the file again), and exited 0.
type nonEmpty struct {
	p    *string
	want string
}

// nonEmptyFlag adds the string flag name to cmd, refusing an empty value.
func nonEmptyFlag(cmd *cobra.Command, p *string, name, value, want, usage string) {
	*p = value
	cmd.Flags().Var(&nonEmpty{p, want}, name, usage)
}

func (v *nonEmpty) String() string { return *v.p }
func (v *nonEmpty) Type() string   { return "string" }

func (v *nonEmpty) Set(s string) error {
	if s == "" {
		return errors.New(v.want)
	}
	*v.p = s
	return nil
}

// writeOutput runs write on standard output, or on the -o file path when
// one is given ("-" is standard output).
func (m *Main) writeOutput(path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(m.Stdout)
	}
	if err := m.checkOutputPath("-o", path); err != nil {
		return fmt.Errorf("%w (nothing written)", err)
	}
	return writeFileAtomically(path, write)
}
