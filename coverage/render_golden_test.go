package coverage

import (
	"bytes"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update rewrites golden files instead of comparing with them:
// go test ./coverage -run Render -update. It is the package's one -update
// flag; other golden tests in the package share it.
var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// renderFormats are the human-readable renderers and their golden-file
// extensions.
var renderFormats = []struct {
	ext   string
	write func(io.Writer, *Report) error
}{
	{"md", WriteMarkdown},
	{"html", WriteHTML},
	{"txt", WriteTable},
}

// TestRenderGolden compares every renderer's output for every hand-built
// report with testdata/render/<case>.<ext>.
func TestRenderGolden(t *testing.T) {
	for _, c := range renderCases() {
		for _, f := range renderFormats {
			t.Run(c.name+"."+f.ext, func(t *testing.T) {
				var buf bytes.Buffer
				if err := f.write(&buf, c.report); err != nil {
					t.Fatalf("render: %v", err)
				}
				checkGolden(t, filepath.Join("testdata", "render", c.name+"."+f.ext), buf.Bytes())
			})
		}
	}
}

// TestRenderDeterministic renders each report twice, the second time from
// a deep copy whose maps were rebuilt, and wants the same bytes: no map
// order, pointer or clock leaks into the output.
func TestRenderDeterministic(t *testing.T) {
	for _, c := range renderCases() {
		for _, f := range renderFormats {
			t.Run(c.name+"."+f.ext, func(t *testing.T) {
				var a, b bytes.Buffer
				if err := f.write(&a, c.report); err != nil {
					t.Fatalf("render: %v", err)
				}
				if err := f.write(&b, rebuiltMaps(c.report)); err != nil {
					t.Fatalf("render copy: %v", err)
				}
				if !bytes.Equal(a.Bytes(), b.Bytes()) {
					t.Errorf("two renderings differ (-first +second):\n%s", cmp.Diff(a.String(), b.String()))
				}
			})
		}
	}
}

// rebuiltMaps copies r with every map rebuilt in a different insertion
// order.
func rebuiltMaps(r *Report) *Report {
	cp := *r
	cp.StatusCounts = reinsert(r.StatusCounts)
	cp.Endpoints = append([]EndpointUse(nil), r.Endpoints...)
	for i := range cp.Endpoints {
		cp.Endpoints[i].Statuses = reinsert(cp.Endpoints[i].Statuses)
	}
	cp.Timeline = append([]TimelineBucket(nil), r.Timeline...)
	for i := range cp.Timeline {
		cp.Timeline[i].Classes = reinsert(cp.Timeline[i].Classes)
	}
	return &cp
}

func reinsert(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	out := make(map[string]int, len(m))
	for i := len(keys) - 1; i >= 0; i-- {
		out[keys[i]] = m[keys[i]]
	}
	return out
}

// checkGolden compares got with the golden file at path, or rewrites the
// file when -update is set.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("create golden dir: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("write golden file: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-got +want):\n%s", path, cmp.Diff(string(got), string(want)))
	}
}
