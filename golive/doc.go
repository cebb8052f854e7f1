// Package golive is the go-live kit.
package golive
