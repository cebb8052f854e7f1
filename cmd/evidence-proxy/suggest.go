package main

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// suggestDistance is how many edits apart a typo and a name may be.
const suggestDistance = 2

// checkCommand refuses an unknown command before cobra runs, with a
// suggestion: cobra alone would answer it with the whole help.
func checkCommand(root *cobra.Command, args []string) error {
	if len(args) > 0 && strings.HasPrefix(args[0], cobra.ShellCompRequestCmd) {
		return nil // the shell asking for completions: cobra adds that command itself
	}
	cmd, rest, err := root.Find(args)
	if err == nil {
		return nil
	}
	if cmd == nil {
		cmd = root
	}
	return unknownCommand(cmd, "command", firstWord(rest))
}

// unknownCommand is the usage error for a word that names no subcommand
// of parent (what says what the word was meant to be).
func unknownCommand(parent *cobra.Command, what, word string) error {
	msg := fmt.Sprintf("unknown %s %q", what, word)
	if s := commandSuggestions(parent, word); len(s) > 0 {
		msg += "; did you mean " + quoteList(s) + "?"
	}
	return &usageError{msg: msg, usage: shortUsage(parent)}
}

// commandSuggestions returns parent's subcommands within suggestDistance
// edits of word, or that it starts.
func commandSuggestions(parent *cobra.Command, word string) []string {
	var out []string
	word = strings.ToLower(word)
	for _, c := range parent.Commands() {
		if !c.IsAvailableCommand() {
			continue
		}
		if editDistance(word, c.Name()) <= suggestDistance || (word != "" && strings.HasPrefix(c.Name(), word)) {
			out = append(out, c.Name())
		}
	}
	return out
}

func firstWord(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// flagError is every command's FlagErrorFunc: a usage error that suggests
// the flag meant (cobra suggests only commands).
func flagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		msg = unknownFlagMessage(cmd.Flags(), ne)
	}
	return &usageError{msg: msg, usage: shortUsage(cmd)}
}

func unknownFlagMessage(fs *pflag.FlagSet, ne *pflag.NotExistError) string {
	if short := ne.GetSpecifiedShortnames(); short != "" {
		// "-listen": the Go flag package's single-dash spelling.
		if f := fs.Lookup(short); f != nil {
			return fmt.Sprintf("unknown flag -%s: long flags take two dashes: --%s", short, f.Name)
		}
		msg := fmt.Sprintf("unknown flag -%s", short)
		if s := flagSuggestions(fs, short); len(s) > 0 {
			msg += "; did you mean " + strings.Join(s, " or ") + "?"
		}
		return msg
	}
	name := ne.GetSpecifiedName()
	msg := fmt.Sprintf("unknown flag --%s", name)
	if s := flagSuggestions(fs, name); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return msg
}

// flagSuggestions returns the flags within suggestDistance edits of typed,
// or that it is a prefix of, closest first.
func flagSuggestions(fs *pflag.FlagSet, typed string) []string {
	type cand struct {
		name string
		d    int
	}
	var cands []cand
	typed = strings.ToLower(typed)
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		d := editDistance(typed, f.Name)
		if d <= suggestDistance || (len(typed) >= 3 && strings.HasPrefix(f.Name, typed)) {
			cands = append(cands, cand{"--" + f.Name, d})
		}
	})
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].d < cands[j].d })
	var out []string
	for _, c := range cands[:min(len(cands), 3)] {
		out = append(out, c.name)
	}
	return out
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, " or ")
}
