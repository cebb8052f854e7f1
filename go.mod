module github.com/evidence-proxy/evidence-proxy

go 1.26.8
