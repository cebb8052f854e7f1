package deploy

import (
	"strings"
	"testing"
	"time"
)

// parseUnit reads a systemd unit into section → key → values, joining
// continuation lines. Keys may repeat (LoadCredential=), so values are
// lists in file order.
func parseUnit(src string) map[string]map[string][]string {
	units := map[string]map[string][]string{}
	section := ""
	var pending strings.Builder
	for _, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if pending.Len() == 0 && (line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";")) {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			pending.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		pending.WriteString(line)
		line = pending.String()
		pending.Reset()
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			units[section] = map[string][]string{}
			continue
		}
		if key, value, ok := strings.Cut(line, "="); ok && section != "" {
			units[section][key] = append(units[section][key], strings.TrimSpace(value))
		}
	}
	return units
}

func TestSystemdUnit(t *testing.T) {
	unit := parseUnit(string(readFile(t, "systemd/evidence-proxy.service")))
	svc := unit["Service"]
	if svc == nil {
		t.Fatal("no [Service] section")
	}
	exec := svc["ExecStart"]
	if len(exec) != 1 {
		t.Fatalf("ExecStart %q: want exactly one", exec)
	}
	args := strings.Fields(exec[0])
	if len(args) < 2 || !strings.HasSuffix(args[0], "/evidence-proxy") || args[1] != "serve" {
		t.Fatalf("ExecStart %q: want evidence-proxy serve", exec[0])
	}
	flags, rest := flagArgs(args[2:])
	if len(rest) > 0 {
		t.Errorf("ExecStart has arguments that are not flags: %q", rest)
	}

	if got, want := flags["data-dir"], "/var/lib/"+first(svc["StateDirectory"]); got != want {
		t.Errorf("--data-dir=%s, want the StateDirectory %s", got, want)
	}
	for _, name := range []string{"client-cert", "client-key"} {
		if !strings.HasPrefix(flags[name], "%d/") {
			t.Errorf("--%s=%s: want a systemd credential (%%d/…), so the key stays root-only on disk", name, flags[name])
		}
	}
	shutdown, err := time.ParseDuration(flags["shutdown-timeout"])
	if err != nil {
		t.Fatalf("--shutdown-timeout: %v", err)
	}
	stop, err := time.ParseDuration(first(svc["TimeoutStopSec"]))
	if err != nil || stop <= shutdown {
		t.Errorf("TimeoutStopSec=%s: want longer than --shutdown-timeout=%s, so systemd does not kill the drain", first(svc["TimeoutStopSec"]), shutdown)
	}

	hardening := map[string]string{
		"DynamicUser":             "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"PrivateDevices":          "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"SystemCallArchitectures": "native",
		"MemoryDenyWriteExecute":  "yes",
		"UMask":                   "0077",
	}
	for key, want := range hardening {
		if got, ok := svc[key]; !ok || got[len(got)-1] != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
}

// systemdFlags returns the serve flags of the unit's ExecStart.
func systemdFlags(t *testing.T) map[string]string {
	t.Helper()
	unit := parseUnit(string(readFile(t, "systemd/evidence-proxy.service")))
	args := strings.Fields(first(unit["Service"]["ExecStart"]))
	if len(args) < 2 {
		t.Fatal("no ExecStart")
	}
	flags, _ := flagArgs(args[2:])
	return flags
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}
