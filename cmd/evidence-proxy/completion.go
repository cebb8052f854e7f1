package main

import (
	"github.com/spf13/cobra"
)

// newCompletionCmd is "evidence-proxy completion SHELL": the shell
// completion script, from cobra.
func newCompletionCmd(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "print the shell completion script",
		Long: `Print the script that completes evidence-proxy's commands and flags in a shell.
Load it in the current shell, or install it where the shell looks for completions.`,
		Example: `  source <(evidence-proxy completion bash)
  evidence-proxy completion bash > /etc/bash_completion.d/evidence-proxy
  evidence-proxy completion zsh > "${fpath[1]}/_evidence-proxy"
  evidence-proxy completion fish > ~/.config/fish/completions/evidence-proxy.fish`,
		ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		Args:      exactArgs(1, "one shell: bash, zsh, fish or powershell"),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, true)
			case "zsh":
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return newUsageError("unknown shell %q: bash, zsh, fish or powershell", args[0])
		},
	}
}
