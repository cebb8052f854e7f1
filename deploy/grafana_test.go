package deploy

import (
	"encoding/json"
	"strings"
	"testing"
)

// dashboard is the part of a Grafana dashboard model the checks read.
type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int    `json:"id"`
	Title      string `json:"title"`
	Type       string `json:"type"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos struct {
		X int `json:"x"`
		Y int `json:"y"`
		W int `json:"w"`
		H int `json:"h"`
	} `json:"gridPos"`
	Targets []struct {
		RefID   string `json:"refId"`
		Expr    string `json:"expr"`
		Instant bool   `json:"instant"`
		Format  string `json:"format"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's panels
}

type variable struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Query      json.RawMessage `json:"query"`
	Multi      bool            `json:"multi"`
	IncludeAll bool            `json:"includeAll"`
	AllValue   string          `json:"allValue"`
}

// queryString returns the variable's query, written either as a string or
// as Grafana's newer {"query": "…"} object.
func (v variable) queryString() string {
	var s string
	if json.Unmarshal(v.Query, &s) == nil {
		return s
	}
	var o struct {
		Query string `json:"query"`
	}
	json.Unmarshal(v.Query, &o)
	return o.Query
}

func loadDashboard(t *testing.T) *dashboard {
	t.Helper()
	var d dashboard
	if err := json.Unmarshal(readFile(t, "grafana/dashboard.json"), &d); err != nil {
		t.Fatalf("grafana/dashboard.json: %v", err)
	}
	return &d
}

// allPanels flattens rows: every panel that is not a row, in order.
func (d *dashboard) allPanels() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			if p.Type == "row" {
				walk(p.Panels)
				continue
			}
			out = append(out, p)
		}
	}
	walk(d.Panels)
	return out
}

func TestDashboardShape(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" || d.SchemaVersion == 0 {
		t.Errorf("uid %q, title %q, schemaVersion %d: all are required for provisioning", d.UID, d.Title, d.SchemaVersion)
	}
	vars := map[string]variable{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v
	}
	if ds := vars["datasource"]; ds.Type != "datasource" || ds.queryString() != "prometheus" {
		t.Errorf("want a datasource variable of type prometheus, got %+v", ds)
	}
	for _, name := range []string{"job", "instance"} {
		v := vars[name]
		if v.Type != "query" || !v.Multi || !v.IncludeAll || v.AllValue != ".*" {
			t.Errorf("variable %s: want a multi-value query variable with All = \".*\", got %+v", name, v)
		}
	}

	ids := map[int]bool{}
	panels := d.allPanels()
	for _, p := range panels {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d is used twice", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want uid ${datasource}", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q: no queries", p.Title)
		}
		for _, tg := range p.Targets {
			checkTemplated(t, p.Title, tg.RefID, tg.Expr)
		}
	}
	checkNoOverlap(t, d.Panels)
}

// checkTemplated checks that every selector of the sidecar's metrics (or of
// series recorded from them) is limited to the chosen jobs and instances,
// so several replicas show together and can be told apart.
func checkTemplated(t *testing.T, title, ref, expr string) {
	t.Helper()
	if strings.TrimSpace(expr) == "" {
		t.Errorf("panel %q target %s: empty expression", title, ref)
		return
	}
	for _, s := range selectors(expr) {
		if !strings.Contains(s.Name, "evidence_proxy_") {
			continue
		}
		if !strings.Contains(s.Matchers, `instance=~"$instance"`) || !strings.Contains(s.Matchers, `job=~"$job"`) {
			t.Errorf("panel %q target %s: %s is not limited to job=~\"$job\" and instance=~\"$instance\"", title, ref, s)
		}
	}
}

// checkNoOverlap fails for panels drawn on top of each other.
func checkNoOverlap(t *testing.T, ps []panel) {
	t.Helper()
	var flat []panel
	for _, p := range ps {
		flat = append(flat, p)
		flat = append(flat, p.Panels...)
	}
	for i, a := range flat {
		if a.GridPos.W <= 0 || a.GridPos.H <= 0 || a.GridPos.X+a.GridPos.W > 24 {
			t.Errorf("panel %q: gridPos %+v is outside the 24-column grid", a.Title, a.GridPos)
		}
		for _, b := range flat[i+1:] {
			ga, gb := a.GridPos, b.GridPos
			if ga.X < gb.X+gb.W && gb.X < ga.X+ga.W && ga.Y < gb.Y+gb.H && gb.Y < ga.Y+ga.H {
				t.Errorf("panels %q and %q overlap: %+v, %+v", a.Title, b.Title, ga, gb)
			}
		}
	}
}

// TestDashboardCoversTheIssue checks that the views the dashboard promises
// are there, by what they query.
func TestDashboardCoversTheIssue(t *testing.T) {
	panels := loadDashboard(t).allPanels()
	tests := []struct {
		view      string
		panelType string
		contains  []string
	}{
		{"audit readiness per evidence area", "bargauge", []string{"evidence_proxy_coverage_area_ratio"}},
		{"per-requirement status table", "table", []string{"evidence_proxy_coverage_requirement_status"}},
		{"call rates by endpoint and status", "timeseries", []string{"evidence_proxy_proxy_calls_total", "endpoint", "code_class"}},
		{"latency percentiles", "timeseries", []string{"histogram_quantile", "evidence_proxy_proxy_upstream_duration_seconds_bucket"}},
		{"store size", "timeseries", []string{"evidence_proxy_recorder_store_size_bytes"}},
		{"recording health", "stat", []string{"evidence_proxy_recorder_healthy"}},
		{"lost calls", "stat", []string{"evidence_proxy_recorder_lost_records_total"}},
	}
	for _, tt := range tests {
		t.Run(tt.view, func(t *testing.T) {
			for _, p := range panels {
				if p.Type != tt.panelType {
					continue
				}
				for _, tg := range p.Targets {
					if containsAll(tg.Expr, tt.contains) {
						return
					}
				}
			}
			t.Errorf("no %s panel querying %q", tt.panelType, tt.contains)
		})
	}
}

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
