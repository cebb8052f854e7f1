// Command printversion prints buildinfo.Read(), one field a line, for the
// test that builds it the way "make build" builds evidence-proxy.
package main

import (
	"fmt"

	"github.com/evidence-proxy/evidence-proxy/internal/buildinfo"
)

func main() {
	i := buildinfo.Read()
	fmt.Printf("version=%s\nrevision=%s\nmodified=%t\n", i.Version, i.Revision, i.Modified)
}
