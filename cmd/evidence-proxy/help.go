package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// envAnnotation is the flag annotation naming the environment variable a
// flag can also be set with; help lists them.
const envAnnotation = "env"

// exitCodesHelp documents the exit codes, in the root help.
const exitCodesHelp = `  0  success
  1  failure (the message says what failed)
  2  usage error: unknown command or flag, wrong arguments
  3  verify: every check passed, but no --pubkey vouches for the signer (unauthenticated)`

// writeHelp is every command's help: what it does, usage, subcommands,
// flags (GNU --long form), environment variables, examples.
func writeHelp(w io.Writer, c *cobra.Command) {
	hw := &lineWriter{w: w}
	desc := c.Long
	if desc == "" {
		desc = c.Short
	}
	hw.printf("%s\n", strings.TrimSpace(desc))
	hw.printf("Usage:\n  %s", usageLine(c))
	if c.HasAvailableSubCommands() {
		hw.printf("\nCommands:")
		var names, shorts []string
		width := 0
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() || sub.Name() == "help" {
				name := strings.TrimSuffix(sub.Use, " [flags]")
				names, shorts = append(names, name), append(shorts, sub.Short)
				width = max(width, len(name))
			}
		}
		for i := range names {
			hw.printf("  %-*s   %s", width, names[i], shorts[i])
		}
	}
	if c.HasAvailableFlags() {
		hw.printf("\nFlags:\n%s", flagUsages(c.Flags()))
	}
	if env := envUsages(c.Flags()); env != "" {
		hw.printf("\nEnvironment (each sets the flag it names; flags win, then these, then --config):\n%s", env)
	}
	if c.Example != "" {
		hw.printf("\nExamples:\n%s", strings.TrimRight(c.Example, "\n"))
	}
	if !c.HasParent() {
		hw.printf("\nExit codes:\n%s", exitCodesHelp)
		hw.printf("\nRun \"%s help <command>\" or \"%s <command> --help\" for a command's flags and examples.", c.Name(), c.Name())
	}
}

// usageAnnotation, on a command, is its synopsis when the default would
// mislead (a command that runs on its own and also has subcommands).
const usageAnnotation = "usage"

// usageLine is the command's synopsis: "evidence-proxy matrix <command>"
// for a command with subcommands, its Use line otherwise.
func usageLine(c *cobra.Command) string {
	if u := c.Annotations[usageAnnotation]; u != "" {
		return u
	}
	if c.HasAvailableSubCommands() {
		return c.CommandPath() + " <command> [flags]"
	}
	return c.UseLine()
}

// flagUsages lists flags one a line, "  -o, --out FILE   usage (default x)".
// Flags without a shorthand start "  --name" (not pflag's padded column),
// so every flag line starts with two spaces and a dash.
func flagUsages(fs *pflag.FlagSet) string {
	var lefts, rights []string
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		varname, usage := pflag.UnquoteUsage(f)
		left := "  --" + f.Name
		if f.Shorthand != "" {
			left = "  -" + f.Shorthand + ", --" + f.Name
		}
		if varname != "" {
			left += " " + varname
		}
		if def := defaultText(f); def != "" {
			usage += " (default " + def + ")"
		}
		width = max(width, len(left))
		lefts, rights = append(lefts, left), append(rights, usage)
	})
	var b strings.Builder
	indent := strings.Repeat(" ", width+3)
	for i := range lefts {
		lines := wrap(rights[i], max(helpWidth-width-3, 30))
		fmt.Fprintf(&b, "%-*s   %s\n", width, lefts[i], strings.Join(lines, "\n"+indent))
	}
	return strings.TrimRight(b.String(), "\n")
}

// helpWidth is the width flag descriptions are wrapped to.
const helpWidth = 100

// wrap breaks s into lines of at most width characters, at spaces.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(lines, line)
}

// defaultText is a flag's default as help shows it; "" for a zero value.
func defaultText(f *pflag.Flag) string {
	switch f.DefValue {
	case "", "0", "false", "[]", "0s":
		return ""
	}
	if f.Value.Type() == "string" {
		return fmt.Sprintf("%q", f.DefValue)
	}
	return f.DefValue
}

// envUsages lists the environment variables of the flags that have one.
func envUsages(fs *pflag.FlagSet) string {
	var names, flags []string
	width := 0
	fs.VisitAll(func(f *pflag.Flag) {
		if env := f.Annotations[envAnnotation]; len(env) == 1 {
			names, flags = append(names, env[0]), append(flags, "--"+f.Name)
			width = max(width, len(env[0]))
		}
	})
	var b strings.Builder
	for i := range names {
		fmt.Fprintf(&b, "  %-*s   %s\n", width, names[i], flags[i])
	}
	return strings.TrimRight(b.String(), "\n")
}

// lineWriter prints lines and keeps the first error.
type lineWriter struct {
	w   io.Writer
	err error
}

func (l *lineWriter) printf(format string, a ...any) {
	if l.err == nil {
		_, l.err = fmt.Fprintf(l.w, format+"\n", a...)
	}
}
