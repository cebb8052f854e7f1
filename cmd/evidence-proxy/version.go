package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/internal/buildinfo"
)

// version is an older way to set the version at build time
// (-ldflags "-X main.version=…", still used by the Dockerfile); "" or "dev"
// defers to internal/buildinfo, whose own -X variable is the one to use.
var version = ""

func toolVersion() string {
	if version != "" && version != "dev" {
		return version
	}
	return buildinfo.Version()
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Long: `Print the version: the one linked in at build time, else the module version or
the git revision the Go toolchain stamped ("-modified" for a modified tree).`,
		Example: `  evidence-proxy version
  evidence-proxy --version`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "evidence-proxy", toolVersion())
			return err
		},
	}
}
