// Package deploy holds the deployment kit for the evidence-proxy sidecar:
// the container image (docker/), Kubernetes manifests (kubernetes/), the
// Prometheus scrape configuration, recording rules and alerts (prometheus/),
// the Grafana dashboard (grafana/) and a hardened systemd unit (systemd/).
// README.md says how to use each.
//
// The package has no Go code of its own. Its tests keep the kit honest
// against the real binary and a real Prometheus:
//
//   - every flag in the Dockerfile, the Kubernetes manifests and the systemd
//     unit is one that "evidence-proxy serve --help" lists, and the ports,
//     probes, volumes and Secret keys the manifests name agree with those
//     flags;
//   - the binary's own "serve --check-config" passes with each shipped set of
//     arguments (listener doors included: a listener beyond loopback has its
//     token or client certificates), and fails without the admin token;
//   - promtool checks the scrape configuration and the rules, and runs the
//     rule unit tests, which cover every alert both firing and quiet;
//   - a live test builds the binary, runs the emulator and the sidecar on
//     loopback, drives calls through it, starts Prometheus with the shipped
//     scrape configuration pointed at the sidecar's admin port, and runs
//     every PromQL expression of the dashboard, the recording rules and the
//     alerts against it: each must evaluate, and each metric it names must
//     be in the sidecar's real exposition.
//
// Tests that need promtool or prometheus fail when CI=true and the tool is
// missing, and skip with the reason otherwise.
package deploy
