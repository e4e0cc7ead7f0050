package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set with -ldflags "-X main.version=... -X main.commit=... -X main.buildDate=..."
// (make build, the Dockerfile); empty, they come from the build info Go
// records (module version, VCS revision and time).
var (
	version   string
	commit    string
	buildDate string
)

// buildInfo is what strata version prints.
type buildInfo struct {
	Version, Commit, Date, Go, Atlas, Platform string
	Modified                                   bool // built from a working tree with changes
}

// readBuildInfo merges the ldflags values over the binary's build info.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "(devel)", Go: runtime.Version(), Atlas: "unknown", Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" {
			b.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				b.Commit = s.Value
			case "vcs.time":
				b.Date = s.Value
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
		for _, d := range bi.Deps {
			if d.Path == "ariga.io/atlas" {
				b.Atlas = d.Version
				if d.Replace != nil {
					b.Atlas = d.Replace.Version
				}
			}
		}
	}
	for _, o := range []struct {
		dst *string
		v   string
	}{{&b.Version, version}, {&b.Commit, commit}, {&b.Date, buildDate}} {
		if o.v != "" {
			*o.dst = o.v
		}
	}
	return b
}

// String is the version block of strata version and --version.
func (b buildInfo) String() string {
	c, d := b.Commit, b.Date
	if c == "" {
		c = "unknown"
	} else if b.Modified {
		c += " (modified)"
	}
	if d == "" {
		d = "unknown"
	}
	return fmt.Sprintf("strata %s\ncommit:   %s\nbuilt:    %s\ngo:       %s\natlas:    %s\nplatform: %s\n", b.Version, c, d, b.Go, b.Atlas, b.Platform)
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print strata's version, commit, build date, and its Go and Atlas versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := io.WriteString(cmd.OutOrStdout(), readBuildInfo().String())
			return err
		},
	}
}
