package deploy

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
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
		SecurityContext struct {
			FSGroup             *int   `yaml:"fsGroup"`
			FSGroupChangePolicy string `yaml:"fsGroupChangePolicy"`
		} `yaml:"securityContext"`
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
			SecretName  string `yaml:"secretName"`
			DefaultMode *int   `yaml:"defaultMode"`
			Items       []struct {
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
