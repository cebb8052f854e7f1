package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// cli is what every command shares: the process environment, read by the
// commands that take EVIDENCE_PROXY_* variables.
type cli struct {
	environ []string
}

// newRootCmd builds the command tree. onStart is called once a command's
// flags and arguments have been accepted and it starts to run: errors
// before that are usage errors.
//
// The tree is built with cobra and pflag rather than the standard flag
// package for GNU --long flags in help and errors, suggestions, help
// topics and shell completion.
func newRootCmd(environ []string, onStart func()) *cobra.Command {
	c := &cli{environ: environ}
	root := &cobra.Command{
		Use:   "evidence-proxy",
		Short: "record an app's calls to Axys staging as audit evidence",
		Long: `evidence-proxy is an mTLS sidecar between an app and the Axys card-issuing API's
staging environment. It forwards every call with the staging client certificate,
records it durably (redacted, hash-chained), shows live which audit requirements
the recorded traffic covers, and exports a signed bundle the auditor verifies.`,
		Example: `  evidence-proxy demo                      # the whole product on one machine, in seconds
  evidence-proxy serve --client-cert staging/client.crt --client-key staging/client.key \
    --api-key-file staging/api-key
  evidence-proxy export --from http://127.0.0.1:9090 --out evidence.tar.zst
  evidence-proxy verify --pubkey evidence-data/signing-key.pem.pub evidence.tar.zst`,
		Version:                    toolVersion(),
		SilenceErrors:              true,
		SilenceUsage:               true,
		SuggestionsMinimumDistance: suggestDistance,
		CompletionOptions:          cobra.CompletionOptions{DisableDefaultCmd: true},
		PersistentPreRun:           func(*cobra.Command, []string) { onStart() },
	}
	root.Flags().Bool("version", false, "print the version and exit")
	root.SetVersionTemplate("evidence-proxy {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	root.SetHelpFunc(func(cmd *cobra.Command, _ []string) { writeHelp(cmd.OutOrStdout(), cmd) })
	root.SetUsageFunc(func(cmd *cobra.Command) error {
		_, err := fmt.Fprintln(cmd.ErrOrStderr(), shortUsage(cmd))
		return err
	})
	root.AddCommand(
		c.newServeCmd(), newDemoCmd(), newEmulateCmd(), c.newCoverageCmd(), newExportCmd(),
		newVerifyCmd(), newMergeCmd(), c.newCACmd(), newMatrixCmd(), newVersionCmd(),
		newHealthcheckCmd(), newCompactCmd(), newEventCmd(), newKeyCmd(), newCompletionCmd(root),
		newScriptsCmd(),
		newCallsCmd(),
		newGoliveCmd(),
		newSpecCmd(),
	)
	root.SetHelpCommand(newHelpCmd(root))
	root.InitDefaultHelpCmd() // adds it now, so checkCommand knows it
	return root
}

// newHelpCmd is "evidence-proxy help [command]": cobra's own answers an
// unknown topic with exit code 0.
func newHelpCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "show a command's help",
		Long:  "Show the help of a command, or of evidence-proxy itself.",
		Example: `  evidence-proxy help serve
  evidence-proxy help matrix check`,
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := root.Find(args)
			if err != nil || len(rest) > 0 {
				if target == nil {
					target = root
				}
				return unknownCommand(target, "help topic", firstWord(rest))
			}
			target.InitDefaultHelpFlag() // as executing it would
			target.InitDefaultVersionFlag()
			return target.Help()
		},
	}
}

// noArgs refuses positional arguments with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return newUsageError("%s: unexpected argument %q", cmd.Name(), args[0])
	}
	return nil
}

// exactArgs wants n positional arguments, described by what.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return newUsageError("%s takes %s (got %d arguments)", cmd.Name(), what, len(args))
		}
		return nil
	}
}
