package deploy

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// ruleFile is a Prometheus rule file.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Record      string            `yaml:"record"`
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

// ruleTestFile is a promtool rule unit test file.
type ruleTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name           string `yaml:"name"`
		AlertRuleTests []struct {
			EvalTime  string `yaml:"eval_time"`
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
		PromQLExprTests []struct {
			Expr string `yaml:"expr"`
		} `yaml:"promql_expr_test"`
	} `yaml:"tests"`
}

func loadYAML(t *testing.T, path string, v any) {
	t.Helper()
	if err := yaml.Unmarshal(readFile(t, path), v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// rules returns every rule of the shipped rule files.
func rules(t *testing.T) []rule {
	t.Helper()
	var out []rule
	for _, f := range []string{"prometheus/rules.yml", "prometheus/alerts.yml"} {
		var rf ruleFile
		loadYAML(t, f, &rf)
		for _, g := range rf.Groups {
			out = append(out, g.Rules...)
		}
	}
	if len(out) == 0 {
		t.Fatal("no rules")
	}
	return out
}

func promtool(t *testing.T, args ...string) {
	t.Helper()
	bin := needTool(t, "promtool", "prometheus")
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestPromtoolCheckConfig(t *testing.T) {
	promtool(t, "check", "config", "prometheus/prometheus.yml")
}

func TestPromtoolCheckRules(t *testing.T) {
	promtool(t, "check", "rules", "prometheus/rules.yml", "prometheus/alerts.yml")
}

func TestPromtoolTestRules(t *testing.T) {
	files, err := filepath.Glob("prometheus/*_test.yml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no prometheus/*_test.yml: %v", err)
	}
	promtool(t, append([]string{"test", "rules"}, files...)...)
}

// TestEveryAlertIsUnitTested checks that the promtool tests cover every
// alert both firing and quiet, so an alert that can never fire (or always
// fires) does not ship.
func TestEveryAlertIsUnitTested(t *testing.T) {
	files, err := filepath.Glob("prometheus/*_test.yml")
	if err != nil {
		t.Fatal(err)
	}
	firing, quiet := map[string]bool{}, map[string]bool{}
	for _, f := range files {
		var tf ruleTestFile
		loadYAML(t, f, &tf)
		for _, tc := range tf.Tests {
			for _, at := range tc.AlertRuleTests {
				if len(at.ExpAlerts) > 0 {
					firing[at.Alertname] = true
				} else {
					quiet[at.Alertname] = true
				}
			}
		}
	}
	var alerts int
	for _, r := range rules(t) {
		if r.Alert == "" {
			continue
		}
		alerts++
		if !firing[r.Alert] {
			t.Errorf("alert %s: no promtool test where it fires", r.Alert)
		}
		if !quiet[r.Alert] {
			t.Errorf("alert %s: no promtool test where it stays quiet", r.Alert)
		}
	}
	if alerts == 0 {
		t.Fatal("alerts.yml has no alerts")
	}
}

// TestAlertsAreActionable checks what an on-call reader needs on every
// alert: a severity and a summary and a description that say what to do.
func TestAlertsAreActionable(t *testing.T) {
	severities := []string{"critical", "warning", "info"}
	for _, r := range rules(t) {
		if r.Alert == "" {
			if !strings.Contains(r.Record, ":") {
				t.Errorf("recording rule %s: want the level:metric:operations name form", r.Record)
			}
			continue
		}
		if !slices.Contains(severities, r.Labels["severity"]) {
			t.Errorf("alert %s: severity %q, want one of %v", r.Alert, r.Labels["severity"], severities)
		}
		for _, a := range []string{"summary", "description"} {
			if strings.TrimSpace(r.Annotations[a]) == "" {
				t.Errorf("alert %s: no %s annotation", r.Alert, a)
			}
		}
	}
}

var update = flag.Bool("update", false, "rewrite kubernetes/prometheusrule.yaml from the rule files")

// prometheusRuleHeader opens the generated PrometheusRule manifest.
const prometheusRuleHeader = `# Generated from deploy/prometheus/rules.yml and alerts.yml by
#   go test ./deploy -run TestPrometheusRule -update
# Do not edit: edit the rule files (which promtool checks and unit-tests).
# For the Prometheus Operator: its ruleSelector must match these labels.
`

// TestPrometheusRule checks that the Prometheus Operator's copy of the
// rules is exactly the rule files' groups.
func TestPrometheusRule(t *testing.T) {
	var groups []any
	for _, f := range []string{"prometheus/rules.yml", "prometheus/alerts.yml"} {
		var rf struct {
			Groups []any `yaml:"groups"`
		}
		loadYAML(t, f, &rf)
		groups = append(groups, rf.Groups...)
	}
	const path = "kubernetes/prometheusrule.yaml"
	if *update {
		// Nodes, not maps, keep the rule files' key order and comments.
		var nodes []yaml.Node
		for _, f := range []string{"prometheus/rules.yml", "prometheus/alerts.yml"} {
			var rf struct {
				Groups []yaml.Node `yaml:"groups"`
			}
			loadYAML(t, f, &rf)
			nodes = append(nodes, rf.Groups...)
		}
		obj := map[string]any{
			"apiVersion": "monitoring.coreos.com/v1",
			"kind":       "PrometheusRule",
			"metadata": map[string]any{
				"name":   "evidence-proxy",
				"labels": map[string]string{"app.kubernetes.io/name": "evidence-proxy"},
			},
			"spec": map[string]any{"groups": nodes},
		}
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		enc.SetIndent(2)
		if err := enc.Encode(obj); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append([]byte(prometheusRuleHeader), buf.Bytes()...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var pr struct {
		Kind string `yaml:"kind"`
		Spec struct {
			Groups []any `yaml:"groups"`
		} `yaml:"spec"`
	}
	loadYAML(t, path, &pr)
	if pr.Kind != "PrometheusRule" {
		t.Fatalf("%s: kind %q", path, pr.Kind)
	}
	if diff := cmp.Diff(pr.Spec.Groups, groups); diff != "" {
		t.Errorf("%s differs from the rule files (run go test ./deploy -run TestPrometheusRule -update) (-got +want):\n%s", path, diff)
	}
}
