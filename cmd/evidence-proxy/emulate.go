package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/evidence-proxy/evidence-proxy/internal/axysemu"
)

// emulateFlags are the flags of "evidence-proxy emulate".
type emulateFlags struct {
	listen, certsDir, profile, logLevel string
	seed                                int64
	timeScale                           float64
	deny                                bool
	chaos                               axysemu.Chaos
}

func newEmulateFlags(fs *pflag.FlagSet) *emulateFlags {
	f := &emulateFlags{}
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8443", "`ADDR` to serve mTLS on")
	fs.StringVar(&f.certsDir, "certs-dir", "", "`DIR` holding ca.pem, client-cert.pem, client-key.pem and api-key.txt, created on first run, reused later (default: evidence-proxy/emulator in the user's config directory)")
	fs.StringVar(&f.profile, "profile", "staging", "staging, or production (same API, 404 on every /staging/* path)")
	fs.StringVar(&f.logLevel, "log-level", "info", "debug, info, warn or error (debug logs every call)")
	fs.Int64Var(&f.seed, "seed", 0, "seed of the emulated world, for reproducible runs; 0 picks one and prints it")
	fs.Float64Var(&f.timeScale, "time-scale", 1, "multiplier for every emulated delay: 1 is real time, 0.001 turns an hour into 3.6 s")
	fs.BoolVar(&f.deny, "deny-allowlist", false, `answer every call with the two-cause 403 "No Authorised IPs configured"`)
	fs.DurationVar(&f.chaos.Latency, "latency", 0, "upper bound of a random extra delay per call (wall clock, not scaled)")
	fs.Float64Var(&f.chaos.ErrorRate, "error-rate", 0, "fraction of calls answered with a random 500, 502 or 503")
	fs.Float64Var(&f.chaos.ThrottleRate, "throttle-rate", 0, "fraction of calls answered 429 with Retry-After at random")
	fs.Float64Var(&f.chaos.RateLimit, "rate-limit", 0, "calls per second allowed before 429 with Retry-After; 0 is unlimited")
	fs.IntVar(&f.chaos.RateBurst, "rate-burst", 0, "calls allowed in a burst above --rate-limit; 0 means the rate")
	return f
}

// defaultCertsDir is the user's config directory, or ./emulator-certs.
func defaultCertsDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "emulator-certs"
	}
	return filepath.Join(dir, "evidence-proxy", "emulator")
}

// validate checks the flags without side effects.
func (f *emulateFlags) validate() error {
	if _, err := axysemu.ParseProfile(f.profile); err != nil {
		return newUsageError("--profile: %v", err)
	}
	if f.timeScale <= 0 {
		return newUsageError("--time-scale %g must be positive", f.timeScale)
	}
	if err := f.chaos.Validate(); err != nil {
		return newUsageError("%v", err)
	}
	if _, err := parseLogLevel(f.logLevel); err != nil {
		return newUsageError("--log-level: %v", err)
	}
	return nil
}

// options turns validated flags into the emulator's options, picking a
// seed when none was given.
func (f *emulateFlags) options(logger *slog.Logger) axysemu.Options {
	profile, _ := axysemu.ParseProfile(f.profile)
	if f.seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		f.seed = int64(binary.BigEndian.Uint64(b[:]) >> 1)
	}
	return axysemu.Options{
		Seed: f.seed, TimeScale: f.timeScale, Profile: profile, DenyAllowlist: f.deny,
		Chaos: f.chaos, Logger: logger,
	}
}

func newEmulateCmd() *cobra.Command {
	var f *emulateFlags
	cmd := &cobra.Command{
		Use:   "emulate [flags]",
		Short: "serve the local Axys staging emulator",
		Long: `Serve the local Axys staging emulator over mTLS, with the credentials a sidecar
(or curl) needs written to --certs-dir on first run.`,
		Example: `  evidence-proxy emulate
  evidence-proxy emulate --listen 127.0.0.1:9443 --seed 7 --time-scale 0.01
  evidence-proxy emulate --error-rate 0.05 --throttle-rate 0.02 --latency 200ms`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return f.run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f = newEmulateFlags(cmd.Flags())
	return cmd
}

// runEmulate runs "emulate" with args, as the command line would.
func runEmulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return run(ctx, append([]string{"emulate"}, args...), stdout, stderr)
}

func (f *emulateFlags) run(ctx context.Context, stdout, stderr io.Writer) error {
	if err := f.validate(); err != nil {
		return err
	}
	if f.certsDir == "" {
		f.certsDir = defaultCertsDir()
	}
	opts := f.options(newLogger(stderr, f.logLevel))
	creds, created, err := axysemu.LoadOrCreateCredentials(f.certsDir, time.Now())
	if err != nil {
		return fmt.Errorf("emulate: %w", err)
	}
	srv, err := axysemu.Start(ctx, axysemu.StartOptions{Options: opts, Addr: f.listen, Credentials: creds})
	if err != nil {
		return fmt.Errorf("emulate: %w", err)
	}
	printEmulatorBanner(stdout, srv, f, created)
	select {
	case <-ctx.Done():
	case <-srv.Done():
	}
	if err := srv.Close(); err != nil {
		return fmt.Errorf("emulate: %w", err)
	}
	return nil
}

func printEmulatorBanner(w io.Writer, srv *axysemu.Server, f *emulateFlags, created bool) {
	state := "reused"
	if created {
		state = "created"
	}
	dir := f.certsDir
	fmt.Fprintf(w, "Axys emulator (%s profile, seed %d, time scale %g) serving %s\n", f.profile, f.seed, f.timeScale, srv.URL)
	fmt.Fprintf(w, "credentials %s in %s: %s %s %s %s\n\n", state, dir,
		axysemu.CAFile, axysemu.ClientCertFile, axysemu.ClientKeyFile, axysemu.APIKeyFile)
	fmt.Fprintf(w, "try:\n  curl --cacert %s --cert %s --key %s \\\n    -H \"X-API-Key: $(cat %s)\" %s/cardholders\n\n",
		filepath.Join(dir, axysemu.CAFile), filepath.Join(dir, axysemu.ClientCertFile),
		filepath.Join(dir, axysemu.ClientKeyFile), filepath.Join(dir, axysemu.APIKeyFile), srv.URL)
	fmt.Fprintln(w, "stop with Ctrl-C")
}
