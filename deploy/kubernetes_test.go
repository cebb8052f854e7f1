package deploy

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestKubernetesManifestsParse(t *testing.T) {
	objs := manifests(t)
	for _, o := range objs {
		if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" && o.Kind != "Kustomization" {
			t.Errorf("%s: a document without apiVersion, kind or metadata.name: %+v", o.File, o)
		}
	}
	var k struct {
		Resources []string `yaml:"resources"`
		Images    []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
		} `yaml:"images"`
	}
	byKind(t, objs, "Kustomization", "").node.Decode(&k)
	listed := map[string]bool{"kustomization.yaml": true, "secret.yaml": true}
	for _, r := range k.Resources {
		listed[r] = true
		if _, err := os.Stat(filepath.Join("kubernetes", r)); err != nil {
			t.Errorf("kustomization.yaml lists %s: %v", r, err)
		}
	}
	for _, o := range objs {
		if !listed[o.File] {
			t.Errorf("%s is not in kustomization.yaml's resources", o.File)
		}
	}
	for _, o := range objs {
		if o.Kind == "Secret" && o.File != "secret.yaml" {
			t.Errorf("Secret %s is in %s: Secrets stay in secret.yaml, outside kustomization.yaml, so applying the kit never overwrites credentials", o.Metadata.Name, o.File)
		}
	}
	for _, img := range k.Images {
		for _, c := range allContainers(t, objs) {
			name, tag, _ := strings.Cut(c.Image, ":")
			if name == img.Name && tag != img.NewTag {
				t.Errorf("container %s: image %s, but kustomization.yaml pins tag %s", c.Name, c.Image, img.NewTag)
			}
		}
	}
}

func TestKubernetesSameImage(t *testing.T) {
	cs := evidenceProxyContainers(allContainers(t, manifests(t)))
	if len(cs) < 2 {
		t.Fatalf("want the sidecar and the export job, found %d evidence-proxy containers", len(cs))
	}
	for _, c := range cs[1:] {
		if c.Image != cs[0].Image {
			t.Errorf("%s/%s uses image %s, %s/%s uses %s: all must run the same build",
				c.Owner, c.Name, c.Image, cs[0].Owner, cs[0].Name, cs[0].Image)
		}
	}
}

// portOf returns the port number of a host:port flag value.
func portOf(t *testing.T, flag, addr string) int {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("--%s=%s: %v", flag, addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("--%s=%s: %v", flag, addr, err)
	}
	return n
}

func TestKubernetesPortsAndProbes(t *testing.T) {
	objs := manifests(t)
	c, flags := sidecar(t, objs)
	if c.RestartPolicy != "Always" || !slices.ContainsFunc(c.Pod.Spec.InitContainers, func(i container) bool { return i.Name == c.Name }) {
		t.Errorf("sidecar %s: want a native sidecar (an init container with restartPolicy: Always), so it starts before the app and stops after it", c.Name)
	}
	adminPort := portOf(t, "admin-listen", flags["admin-listen"])
	proxyPort := portOf(t, "listen", flags["listen"])
	if host, _, _ := net.SplitHostPort(flags["admin-listen"]); host == "127.0.0.1" || host == "localhost" {
		t.Errorf("--admin-listen=%s: the kubelet's probes and Prometheus cannot reach a loopback admin listener", flags["admin-listen"])
	}

	// Every declared port is one the binary listens on.
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
		if p.ContainerPort != adminPort && p.ContainerPort != proxyPort {
			t.Errorf("containerPort %s=%d: serve listens on %d and %d only", p.Name, p.ContainerPort, proxyPort, adminPort)
		}
	}
	if ports["admin"] != adminPort {
		t.Errorf("containerPort admin = %d, want --admin-listen's %d", ports["admin"], adminPort)
	}

	for _, tt := range []struct {
		name  string
		probe *probe
		path  string
	}{
		{"startupProbe", c.StartupProbe, "/readyz"},
		{"readinessProbe", c.ReadinessProbe, "/readyz"},
		{"livenessProbe", c.LivenessProbe, "/healthz"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.probe == nil || tt.probe.HTTPGet == nil {
				t.Fatalf("no httpGet %s", tt.name)
			}
			if tt.probe.HTTPGet.Path != tt.path {
				t.Errorf("path %s, want %s", tt.probe.HTTPGet.Path, tt.path)
			}
			port := tt.probe.HTTPGet.Port.Value
			if n, ok := ports[port]; ok {
				port = strconv.Itoa(n)
			}
			if port != strconv.Itoa(adminPort) {
				t.Errorf("port %s, want the admin port %d", tt.probe.HTTPGet.Port.Value, adminPort)
			}
		})
	}

	ann := c.Pod.Metadata.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != strconv.Itoa(adminPort) || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("pod annotations %v: want prometheus.io/scrape=true, port=%d, path=/metrics", ann, adminPort)
	}
	checkAppBaseURL(t, c.Pod, proxyPort)
	checkServiceAndMonitor(t, objs, c, adminPort)
}

// checkAppBaseURL checks that the app container's base URL is the sidecar's
// proxy listener on the pod's loopback, and that the app drains on preStop.
func checkAppBaseURL(t *testing.T, pod podTemplate, proxyPort int) {
	t.Helper()
	for _, app := range pod.Spec.Containers {
		if strings.Contains(app.Image, "evidence-proxy") {
			continue
		}
		for _, e := range app.Env {
			if e.Name != "AXYS_BASE_URL" {
				continue
			}
			u, err := url.Parse(e.Value)
			if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() != strconv.Itoa(proxyPort) || u.Path != "/v2" {
				t.Errorf("app %s: AXYS_BASE_URL=%s, want http://127.0.0.1:%d/v2", app.Name, e.Value, proxyPort)
			}
		}
		if app.Lifecycle.PreStop == nil {
			t.Errorf("app %s: no preStop drain", app.Name)
		}
	}
}

// checkServiceAndMonitor checks that the admin Service, the PodMonitor and
// the export job reach the sidecar's admin port.
func checkServiceAndMonitor(t *testing.T, objs []*object, c namedContainer, adminPort int) {
	t.Helper()
	svc := byKind(t, objs, "Service", "")
	var spec struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []struct {
			Port       int `yaml:"port"`
			TargetPort int `yaml:"targetPort"`
		} `yaml:"ports"`
	}
	svc.decode(t, "spec", &spec)
	if !labelsMatch(spec.Selector, c.Pod.Metadata.Labels) {
		t.Errorf("Service %s selector %v does not match the pod labels %v", svc.Metadata.Name, spec.Selector, c.Pod.Metadata.Labels)
	}
	if len(spec.Ports) != 1 || spec.Ports[0].TargetPort != adminPort {
		t.Errorf("Service %s ports %+v: want targetPort %d", svc.Metadata.Name, spec.Ports, adminPort)
	}

	pm := byKind(t, objs, "PodMonitor", "")
	var pms struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Endpoints []struct {
			Port string `yaml:"port"`
			Path string `yaml:"path"`
		} `yaml:"podMetricsEndpoints"`
	}
	pm.decode(t, "spec", &pms)
	if !labelsMatch(pms.Selector.MatchLabels, c.Pod.Metadata.Labels) {
		t.Errorf("PodMonitor selector %v does not match the pod labels %v", pms.Selector.MatchLabels, c.Pod.Metadata.Labels)
	}
	for _, e := range pms.Endpoints {
		if e.Port != "admin" || e.Path != "/metrics" {
			t.Errorf("PodMonitor endpoint %+v: want port admin, path /metrics", e)
		}
	}

	for _, job := range evidenceProxyContainers(allContainers(t, objs)) {
		flags, _ := flagArgs(job.Args)
		from, ok := flags["from"]
		if !ok {
			continue
		}
		want := "http://" + svc.Metadata.Name + ":" + strconv.Itoa(spec.Ports[0].Port)
		if from != want {
			t.Errorf("%s: --from=%s, want the admin Service %s", job.Owner, from, want)
		}
	}
}

func labelsMatch(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// secretKeys maps each Secret of the kit to its keys.
func secretKeys(t *testing.T, objs []*object) map[string]map[string]bool {
	t.Helper()
	out := map[string]map[string]bool{}
	for _, o := range objs {
		if o.Kind != "Secret" {
			continue
		}
		var secret struct {
			StringData map[string]string `yaml:"stringData"`
			Data       map[string]string `yaml:"data"`
		}
		o.node.Decode(&secret)
		ks := map[string]bool{}
		for k := range secret.StringData {
			ks[k] = true
		}
		for k := range secret.Data {
			ks[k] = true
		}
		out[o.Metadata.Name] = ks
	}
	if len(out) == 0 {
		t.Fatal("no Secret in the kit")
	}
	return out
}

func TestKubernetesVolumesAndSecret(t *testing.T) {
	objs := manifests(t)
	secrets := secretKeys(t, objs)
	claims := map[string]bool{}
	for _, o := range objs {
		if o.Kind == "PersistentVolumeClaim" {
			claims[o.Metadata.Name] = true
		}
	}
	checkedPods := map[string]bool{}
	for _, nc := range allContainers(t, objs) {
		for _, e := range nc.Env {
			if ref := e.ValueFrom.SecretKeyRef; ref != nil && !secrets[ref.Name][ref.Key] {
				t.Errorf("%s/%s: env %s refers to secret %s key %s, which secret.yaml does not have", nc.Owner, nc.Name, e.Name, ref.Name, ref.Key)
			}
		}
		if checkedPods[nc.Owner] {
			continue
		}
		checkedPods[nc.Owner] = true
		for _, v := range nc.Pod.Spec.Volumes {
			if v.PersistentVolumeClaim != nil && !claims[v.PersistentVolumeClaim.ClaimName] {
				t.Errorf("%s: volume %s claims %s, which no manifest defines", nc.Owner, v.Name, v.PersistentVolumeClaim.ClaimName)
			}
			if sc := nc.Pod.Spec.SecurityContext; v.PersistentVolumeClaim != nil && (sc.FSGroup == nil || sc.FSGroupChangePolicy != "OnRootMismatch") {
				t.Errorf("%s: a claim without fsGroup and fsGroupChangePolicy: OnRootMismatch: the non-root user cannot write it, "+
					"or the kubelet makes its keys group-readable at every mount and they are refused", nc.Owner)
			}
			if v.Secret != nil {
				checkSecretVolume(t, nc, v, secrets)
			}
		}
	}

	// Every file flag points into a mount that provides it.
	for _, c := range evidenceProxyContainers(allContainers(t, objs)) {
		flags, _ := flagArgs(c.Args)
		files := mountedFiles(t, c, secrets)
		for _, name := range []string{"client-cert", "client-key", "admin-token-file", "api-key-file"} {
			if p, ok := flags[name]; ok && !files[p] {
				t.Errorf("%s: --%s=%s: no mounted secret item provides it (mounted: %v)", c.Owner, name, p, keys(files))
			}
		}
	}
	c, flags := sidecar(t, objs)
	dataDir := flags["data-dir"]
	var onClaim bool
	for _, m := range c.VolumeMounts {
		for _, v := range c.Pod.Spec.Volumes {
			if v.Name == m.Name && v.PersistentVolumeClaim != nil && m.MountPath == dataDir {
				onClaim = true
			}
		}
	}
	if !onClaim {
		t.Errorf("--data-dir=%s is not a mounted PersistentVolumeClaim: the evidence would die with the pod", dataDir)
	}
}

// checkSecretVolume checks a Secret volume against the kit's Secrets and
// the sidecar's rule for secret files: at most group-readable (0440 with
// the pod's fsGroup: root-owned, which the sidecar accepts), never
// readable by others.
func checkSecretVolume(t *testing.T, nc namedContainer, v volume, secrets map[string]map[string]bool) {
	t.Helper()
	if secrets[v.Secret.SecretName] == nil {
		t.Errorf("%s: volume %s mounts secret %s, which secret.yaml does not define", nc.Owner, v.Name, v.Secret.SecretName)
	}
	if v.Secret.DefaultMode == nil || *v.Secret.DefaultMode&0o007 != 0 || (*v.Secret.DefaultMode&0o070 != 0 && nc.Pod.Spec.SecurityContext.FSGroup == nil) {
		t.Errorf("%s: secret volume %s has defaultMode %v: want 0440 (with fsGroup) or 0400, or the sidecar refuses its files", nc.Owner, v.Name, v.Secret.DefaultMode)
	}
}

// mountedFiles lists the secret files a container sees, checking each item
// against the Secret's keys.
func mountedFiles(t *testing.T, c namedContainer, secrets map[string]map[string]bool) map[string]bool {
	t.Helper()
	files := map[string]bool{}
	for _, m := range c.VolumeMounts {
		for _, v := range c.Pod.Spec.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			for _, it := range v.Secret.Items {
				if !secrets[v.Secret.SecretName][it.Key] {
					t.Errorf("volume %s: item key %s is not in Secret %s", v.Name, it.Key, v.Secret.SecretName)
				}
				files[filepath.Join(m.MountPath, it.Path)] = true
			}
		}
	}
	return files
}

// TestKubernetesAdminDoors: the admin listener beyond the pod's loopback
// has a token, the proxy listener and the event receiver stay on loopback,
// and the export job sends the same token to a Host the sidecar answers.
func TestKubernetesAdminDoors(t *testing.T) {
	objs := manifests(t)
	c, flags := sidecar(t, objs)
	for _, name := range []string{"listen", "otlp-listen"} {
		if host, _, err := net.SplitHostPort(flags[name]); err != nil || host != "127.0.0.1" {
			t.Errorf("--%s=%q: want the pod's loopback (127.0.0.1): the app reaches it there, and nobody else may", name, flags[name])
		}
	}
	token := flags["admin-token-file"]
	if token == "" {
		t.Fatal("the sidecar's admin listener is beyond loopback without --admin-token-file: serve refuses that")
	}
	sidecarToken := secretItemOf(t, c, token)
	hosts := map[string]bool{}
	for _, a := range c.Args {
		if h, ok := strings.CutPrefix(a, "--admin-host="); ok {
			hosts[h] = true
		}
	}
	var jobs int
	for _, job := range evidenceProxyContainers(allContainers(t, objs)) {
		jf, _ := flagArgs(job.Args)
		from, ok := jf["from"]
		if !ok {
			continue
		}
		jobs++
		u, err := url.Parse(from)
		if err != nil || !hosts[u.Hostname()] {
			t.Errorf("%s: --from=%s: the sidecar answers Host %s only if it is an --admin-host (it has %v)", job.Owner, from, u.Hostname(), keys(hosts))
		}
		if jf["admin-token-file"] == "" {
			t.Errorf("%s: --from without --admin-token-file: the sidecar answers 401", job.Owner)
			continue
		}
		if got := secretItemOf(t, job, jf["admin-token-file"]); got != sidecarToken {
			t.Errorf("%s: its token is %s, the sidecar's %s", job.Owner, got, sidecarToken)
		}
	}
	if jobs == 0 {
		t.Error("no export job reads the sidecar with --from")
	}
}

// secretItemOf returns "secret/key" of the mounted secret item at path.
func secretItemOf(t *testing.T, c namedContainer, path string) string {
	t.Helper()
	for _, m := range c.VolumeMounts {
		for _, v := range c.Pod.Spec.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			for _, it := range v.Secret.Items {
				if filepath.Join(m.MountPath, it.Path) == path {
					return v.Secret.SecretName + "/" + it.Key
				}
			}
		}
	}
	t.Fatalf("%s: %s is not a mounted secret item", c.Owner, path)
	return ""
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
