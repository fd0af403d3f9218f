package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// versionInfo is what `revshare version --format json` prints.
type versionInfo struct {
	Version  string `json:"version"`
	Commit   string `json:"commit,omitempty"`
	Modified bool   `json:"modified,omitempty"`
	Go       string `json:"go"`
}

// buildVersion reads the module version and VCS stamp that the Go toolchain
// records in the binary: "(devel)" for a build from a work tree, the tag for
// `go install ...@vX.Y.Z`.
func buildVersion() versionInfo {
	v := versionInfo{Version: "(devel)", Go: runtime.Version()}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

// version is the one line `revshare version` and `revshare --version` print.
func version() string {
	v := buildVersion()
	s := "revshare " + v.Version
	if v.Commit != "" {
		s += " (commit " + short12(v.Commit)
		if v.Modified {
			s += ", modified"
		}
		s += ")"
	}
	return s + " " + v.Go
}

func newVersionCommand(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:     "version",
		Short:   "print the version of this binary",
		Args:    cobra.NoArgs,
		Example: "  revshare version\n  revshare version --format json",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(m.Stdout, buildVersion())
			}
			_, err := fmt.Fprintln(m.Stdout, version())
			return err
		},
	}
	formatFlag(cmd, &format, "text", "text", "json")
	return cmd
}
