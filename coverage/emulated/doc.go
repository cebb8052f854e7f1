// Package emulated holds no code: its tests drive the local Axys emulator
// (internal/axysemu) through a scripted integration, record every call as
// the proxy would, and check the coverage engine's verdicts on what the
// emulator really answered. They keep the built-in matrix honest about the
// response shapes it reads. They live apart from package coverage so that a
// change in progress in the emulator cannot stop the classifier's own
// tests from building.
package emulated
