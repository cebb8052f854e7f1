package deploy

import (
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The parts of Kubernetes objects the checks read. Decoding is not strict:
// these structs are a view, not a schema.
type (
	object struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name        string            `yaml:"name"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		File string `yaml:"-"`
		node yaml.Node
	}
	podTemplate struct {
		Metadata struct {
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec podSpec `yaml:"spec"`
	}
	podSpec struct {
		InitContainers []container `yaml:"initContainers"`
		Containers     []container `yaml:"containers"`
		Volumes        []volume    `yaml:"volumes"`
	}
	container struct {
		Name          string   `yaml:"name"`
		Image         string   `yaml:"image"`
		Command       []string `yaml:"command"`
		Args          []string `yaml:"args"`
		RestartPolicy string   `yaml:"restartPolicy"`
		Env           []struct {
			Name      string `yaml:"name"`
			Value     string `yaml:"value"`
			ValueFrom struct {
				SecretKeyRef *struct {
					Name string `yaml:"name"`
					Key  string `yaml:"key"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		StartupProbe   *probe        `yaml:"startupProbe"`
		ReadinessProbe *probe        `yaml:"readinessProbe"`
		LivenessProbe  *probe        `yaml:"livenessProbe"`
		VolumeMounts   []volumeMount `yaml:"volumeMounts"`
		Lifecycle      struct {
			PreStop map[string]any `yaml:"preStop"`
		} `yaml:"lifecycle"`
	}
	probe struct {
		HTTPGet *struct {
			Path string    `yaml:"path"`
			Port yaml.Node `yaml:"port"`
		} `yaml:"httpGet"`
	}
	volume struct {
		Name                  string `yaml:"name"`
		PersistentVolumeClaim *struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
		Secret *struct {
			SecretName string `yaml:"secretName"`
			Items      []struct {
				Key  string `yaml:"key"`
				Path string `yaml:"path"`
			} `yaml:"items"`
		} `yaml:"secret"`
	}
	volumeMount struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	}
)

// manifests decodes every document of every YAML file in kubernetes/.
func manifests(t *testing.T) []*object {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no kubernetes/*.yaml: %v", err)
	}
	var objs []*object
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(fh)
		for {
			o := &object{File: filepath.Base(f)}
			err := dec.Decode(&o.node)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fh.Close()
				t.Fatalf("%s: %v", f, err)
			}
			if err := o.node.Decode(o); err != nil {
				fh.Close()
				t.Fatalf("%s: %v", f, err)
			}
			objs = append(objs, o)
		}
		fh.Close()
	}
	return objs
}

// decode decodes the value at a dotted path of o ("spec.template") into v.
func (o *object) decode(t *testing.T, path string, v any) {
	t.Helper()
	n := &o.node
	if n.Kind == yaml.DocumentNode {
		n = n.Content[0]
	}
	for _, key := range strings.Split(path, ".") {
		next := (*yaml.Node)(nil)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			t.Fatalf("%s %s: no %s", o.Kind, o.Metadata.Name, path)
		}
		n = next
	}
	if err := n.Decode(v); err != nil {
		t.Fatalf("%s %s: decode %s: %v", o.Kind, o.Metadata.Name, path, err)
	}
}

// byKind returns the one object of a kind and name ("" matches any name).
func byKind(t *testing.T, objs []*object, kind, name string) *object {
	t.Helper()
	var found []*object
	for _, o := range objs {
		if o.Kind == kind && (name == "" || o.Metadata.Name == name) {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s %q, found %d", kind, name, len(found))
	}
	return found[0]
}

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
	if byKind(t, objs, "Secret", "").File != "secret.yaml" {
		t.Error("the Secret must stay in secret.yaml, outside kustomization.yaml, so applying the kit never overwrites credentials")
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

// namedContainer is a container with the pod it runs in.
type namedContainer struct {
	container
	Owner string
	Pod   podTemplate
}

// allContainers lists the containers (init ones included) of every
// Deployment and CronJob.
func allContainers(t *testing.T, objs []*object) []namedContainer {
	t.Helper()
	var out []namedContainer
	for _, o := range objs {
		var pt podTemplate
		switch o.Kind {
		case "Deployment", "StatefulSet", "Job":
			o.decode(t, "spec.template", &pt)
		case "CronJob":
			o.decode(t, "spec.jobTemplate.spec.template", &pt)
		default:
			continue
		}
		for _, c := range slices.Concat(pt.Spec.InitContainers, pt.Spec.Containers) {
			out = append(out, namedContainer{container: c, Owner: o.Kind + "/" + o.Metadata.Name, Pod: pt})
		}
	}
	return out
}

// evidenceProxyContainers are the containers that run the evidence-proxy
// binary: those whose command or image says so.
func evidenceProxyContainers(cs []namedContainer) []namedContainer {
	var out []namedContainer
	for _, c := range cs {
		if strings.Contains(c.Image, "evidence-proxy") || slices.Contains(c.Command, "/evidence-proxy") {
			out = append(out, c)
		}
	}
	return out
}

// sidecar returns the Deployment's serve container and its parsed flags.
func sidecar(t *testing.T, objs []*object) (namedContainer, map[string]string) {
	t.Helper()
	for _, c := range evidenceProxyContainers(allContainers(t, objs)) {
		if strings.HasPrefix(c.Owner, "Deployment/") {
			if len(c.Command) > 0 && !slices.Equal(c.Command, []string{"/evidence-proxy", "serve"}) {
				t.Fatalf("%s: container %s runs %q, not the image's serve entrypoint", c.Owner, c.Name, c.Command)
			}
			flags, rest := flagArgs(c.Args)
			if len(rest) > 0 {
				t.Errorf("%s: sidecar args that are not flags: %q", c.Owner, rest)
			}
			return c, flags
		}
	}
	t.Fatal("no evidence-proxy container in a Deployment")
	return namedContainer{}, nil
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

func TestKubernetesFlags(t *testing.T) {
	objs := manifests(t)
	bin := buildBinary(t)
	known := serveFlags(t, bin)
	_, flags := sidecar(t, objs)
	if bad := unknownFlags(flags, known); len(bad) > 0 {
		t.Errorf("sidecar flags %q are not listed by serve --help", bad)
	}
	for _, c := range evidenceProxyContainers(allContainers(t, objs)) {
		if len(c.Command) < 2 || c.Command[1] == "serve" {
			continue
		}
		out, err := execHelp(bin, c.Command[1])
		if err != nil {
			t.Errorf("%s: %s --help: %v\n%s", c.Owner, c.Command[1], err, out)
			continue
		}
		jobFlags, _ := flagArgs(c.Args)
		if bad := unknownFlags(jobFlags, parseHelpFlags(out)); len(bad) > 0 {
			t.Errorf("%s: flags %q are not listed by %s --help", c.Owner, bad, c.Command[1])
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

func TestKubernetesVolumesAndSecret(t *testing.T) {
	objs := manifests(t)
	c, flags := sidecar(t, objs)
	var secret struct {
		StringData map[string]string `yaml:"stringData"`
		Data       map[string]string `yaml:"data"`
	}
	sec := byKind(t, objs, "Secret", "")
	sec.node.Decode(&secret)
	hasKey := func(k string) bool { _, a := secret.StringData[k]; _, b := secret.Data[k]; return a || b }

	claims := map[string]bool{}
	for _, o := range objs {
		if o.Kind == "PersistentVolumeClaim" {
			claims[o.Metadata.Name] = true
		}
	}
	checkedPods := map[string]bool{}
	for _, nc := range allContainers(t, objs) {
		for _, e := range nc.Env {
			if ref := e.ValueFrom.SecretKeyRef; ref != nil && (ref.Name != sec.Metadata.Name || !hasKey(ref.Key)) {
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
			if v.Secret != nil && v.Secret.SecretName != sec.Metadata.Name {
				t.Errorf("%s: volume %s mounts secret %s, want %s", nc.Owner, v.Name, v.Secret.SecretName, sec.Metadata.Name)
			}
		}
	}

	// Every file flag points into a mount that provides it.
	files := mountedFiles(t, c, hasKey)
	for _, name := range []string{"client-cert", "client-key"} {
		if p := flags[name]; !files[p] {
			t.Errorf("--%s=%s: no mounted secret item provides it (mounted: %v)", name, p, keys(files))
		}
	}
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

// mountedFiles lists the secret files a container sees, checking each item
// against the Secret's keys.
func mountedFiles(t *testing.T, c namedContainer, hasKey func(string) bool) map[string]bool {
	t.Helper()
	files := map[string]bool{}
	for _, m := range c.VolumeMounts {
		for _, v := range c.Pod.Spec.Volumes {
			if v.Name != m.Name || v.Secret == nil {
				continue
			}
			for _, it := range v.Secret.Items {
				if !hasKey(it.Key) {
					t.Errorf("volume %s: item key %s is not in the Secret", v.Name, it.Key)
				}
				files[filepath.Join(m.MountPath, it.Path)] = true
			}
		}
	}
	return files
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
