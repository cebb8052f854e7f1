// Package buildinfo says which build of evidence-proxy is running, for
// "evidence-proxy version", the evidence_proxy_build_info metric and the
// tool version written into bundle manifests.
//
// The version is, in order: the value linked in with
//
//	go build -ldflags "-X github.com/evidence-proxy/evidence-proxy/internal/buildinfo.linkedVersion=v1.2.3"
//
// (release builds); the main module's version from the Go build info when
// it is not "(devel)" (go install module@version, and Go 1.24+ builds of a
// git checkout, which stamp a pseudo-version); otherwise the VCS revision
// the toolchain stamped (12 hex digits, "-modified" when the work tree had
// uncommitted changes); and "dev" only when none of these exists. VCS
// stamping needs -buildvcs=true where GOFLAGS turns it off; "make build"
// passes it.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// linkedVersion is set at link time with -ldflags -X (see the package doc);
// it is never written at run time.
var linkedVersion string

// shortRevision is how many hex digits of the VCS revision Version shows,
// as in Go pseudo-versions.
const shortRevision = 12

// Info is what the binary knows about its own build.
type Info struct {
	// Version is what Version returns.
	Version string
	// Module is the main module's version from the build info; "" when
	// it is "(devel)" or absent.
	Module string
	// Revision is the full VCS revision (vcs.revision); "" when the
	// build was not stamped.
	Revision string
	// Time is the commit time (vcs.time, RFC 3339); "" when not stamped.
	Time string
	// Modified is vcs.modified: the work tree had uncommitted changes.
	Modified bool
	// GoVersion is the toolchain that built the binary.
	GoVersion string
}

// Read returns the running binary's build information.
func Read() Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return FromBuildInfo(bi, linkedVersion)
}

// Version returns the running binary's version (see the package doc).
func Version() string { return Read().Version }

// FromBuildInfo derives Info from a build info (nil when unavailable) and
// a linked-in version ("" when none was set).
func FromBuildInfo(bi *debug.BuildInfo, linked string) Info {
	info := Info{GoVersion: runtime.Version()}
	if bi != nil {
		info.GoVersion = bi.GoVersion
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			info.Module = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Revision = s.Value
			case "vcs.time":
				info.Time = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	info.Version = info.pick(linked)
	return info
}

func (i Info) pick(linked string) string {
	switch {
	case linked != "":
		return linked
	case i.Module != "":
		return i.Module
	case i.Revision != "":
		v := i.Revision[:min(len(i.Revision), shortRevision)]
		if i.Modified {
			v += "-modified"
		}
		return v
	}
	return "dev"
}
