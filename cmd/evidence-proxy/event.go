package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/evidence-proxy/evidence-proxy/events"
	"github.com/evidence-proxy/evidence-proxy/internal/secretfile"
)

// eventOptions are the event command's flags.
type eventOptions struct {
	url       string
	tokenFile string
}

// newEventCmd is "evidence-proxy event NAME key=value…": one app event
// from a shell script, posted to a running sidecar's event receiver.
func newEventCmd() *cobra.Command {
	var o eventOptions
	cmd := &cobra.Command{
		Use:   "event [flags] NAME [KEY=VALUE...]",
		Short: "record an app event in a running sidecar's store",
		Long: `Record one app event (what the app did with what its calls showed) in a running
sidecar's store, through its event receiver's POST /events, for shell scripts and apps
without OpenTelemetry. Each KEY=VALUE is an attribute; a VALUE that reads as JSON (a
number, true, false, null, a quoted string, an array or object) is taken as such, any
other as a string: axys.card_id=8812 is the number 8812, axys.card_id='"8812"' the string.
Name the entities with the documented attributes (axys.cardholder_id, axys.card_id,
axys.wallet_id, axys.deposit_id, axys.transaction_id). Exits 0 once the event is
recorded (committed, in sync durability).`,
		Example: `  evidence-proxy event card.shown axys.card_id='"8812"' screen=wallet
  evidence-proxy event deposit.ledger_updated axys.deposit_id='"5521"' amount=1000
  evidence-proxy event --otlp http://sidecar:4318 --admin-token-file /run/secrets/admin-token otp.delivered axys.card_id='"8812"'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return newUsageError("event takes an event NAME, then KEY=VALUE attributes")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return o.run(cmd, args[0], args[1:]) },
	}
	cmd.Flags().StringVar(&o.url, "otlp", events.DefaultURL, "event receiver `URL` of the sidecar (its --otlp-listen)")
	cmd.Flags().StringVar(&o.tokenFile, "admin-token-file", "", "`FILE` holding the bearer token (a receiver beyond loopback requires the admin token)")
	return cmd
}

func (o *eventOptions) run(cmd *cobra.Command, name string, attrs []string) error {
	entry, err := events.ParseArgs(name, attrs, time.Now())
	if err != nil {
		return newUsageError("%v", err)
	}
	opts := events.ClientOptions{URL: o.url}
	if o.tokenFile != "" {
		if opts.BearerToken, err = secretfile.ReadToken(o.tokenFile); err != nil {
			return fmt.Errorf("--admin-token-file: %w", err)
		}
	}
	res, err := events.Send(cmd.Context(), opts, entry)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(cmd.OutOrStdout(), "recorded %d event %s (%d attributes)\n", res.Accepted, name, len(entry.Attributes))
	return err
}
