package coverage

import (
	"bufio"
	"fmt"
	"strings"
)

// The app-events part of a report: how many events of each name the app
// sent, and the names no requirement waits for (a misspelt name, or
// evidence the matrix does not judge). Reports without events show
// nothing of it.

// eventsUnknownText is the line about the names no requirement waits
// for; "" when there are none.
func eventsUnknownText(e *EventSummary) string {
	if len(e.Unknown) == 0 {
		return ""
	}
	return fmt.Sprintf("%s no requirement waits for (misspelt, or evidence the matrix does not judge): %s",
		plural(len(e.Unknown), "name", "names"), strings.Join(e.Unknown, ", "))
}

// eventsUntrackedText is the line about the events whose names were not
// counted one by one; "" when there are none.
func eventsUntrackedText(e *EventSummary) string {
	if e.Untracked == 0 {
		return ""
	}
	return fmt.Sprintf("%s had names beyond the first %d, not counted by name",
		plural(e.Untracked, "more event", "more events"), MaxEventNames)
}

// mdEvents writes the "App events" section, when the app sent any.
func mdEvents(w *bufio.Writer, r *Report) {
	e := r.Events
	if e == nil {
		return
	}
	fmt.Fprintf(w, "## App events\n\n%s recorded.\n\n", plural(e.Total, "event", "events"))
	fmt.Fprintf(w, "| Event | Count | Judged |\n|---|--:|---|\n")
	for _, n := range e.Names {
		judged := "no requirement waits for it"
		if n.Known {
			judged = "a requirement waits for it"
		}
		fmt.Fprintf(w, "| %s | %s | %s |\n", mdCell(mdCode(n.Name)), groupThousands(n.Count), judged)
	}
	fmt.Fprintln(w)
	for _, line := range []string{eventsUnknownText(e), eventsUntrackedText(e)} {
		if line != "" {
			fmt.Fprintf(w, "%s.\n\n", mdText(line))
		}
	}
}

// tableEvents writes the app events in two or three lines, when the app
// sent any.
func tableEvents(w *bufio.Writer, r *Report) {
	e := r.Events
	if e == nil {
		return
	}
	counts := make([]string, len(e.Names))
	for i, n := range e.Names {
		counts[i] = fmt.Sprintf("%s %d", oneLineText(n.Name), n.Count)
	}
	fmt.Fprintf(w, "\nAPP EVENTS\n  %s recorded: %s\n", groupThousands(e.Total), strings.Join(counts, ", "))
	for _, line := range []string{eventsUnknownText(e), eventsUntrackedText(e)} {
		if line != "" {
			fmt.Fprintf(w, "  %s\n", oneLineText(line))
		}
	}
}
