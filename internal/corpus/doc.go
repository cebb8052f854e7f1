// Package corpus is the labelled corpus of the coverage classifier: short
// traffic scripts, written from what the Axys API means rather than from
// the matrix's rules, each with the verdicts its author expects. It holds
// no code outside its tests.
//
// The test drives every script through a real sidecar (proxy.Proxy over a
// recorder.Store in a temporary directory, and an events.Receiver on the
// same store for the app's events) in front of the in-process emulator
// (internal/axysemu), on a clock the script moves, then computes coverage
// from the store, calls held against the built-in API description as the
// sidecar holds them, and checks two things: every verdict the script
// labels by hand, and the whole verdict table against the script's golden
// file (testdata/scripts/NAME.golden, rewritten with -update). The labels
// are never rewritten: they are the independent check. Near misses (the
// other entity, a failure answer, an outcome not reached, the wrong order)
// sit beside positive controls.
//
// # Scripts
//
// One command a line; # starts a comment. Before each command the clock
// moves on by the pace (1s unless set). {name} in a path or body is a
// value captured earlier; {start} is the clock's start and {end} thirty
// days later, in unix seconds.
//
//	seed 7                                the emulator's seed (first line; default 1)
//	label C4 met                          the verdict this script must get for C4
//	                                      (met, partial, missing, violated or n/a)
//	pace 10ms                             the clock's step before each command
//	sleep 2h                              the clock moves on
//	PUT /cards/{c}/update {"alias":"T"} => 200 -> x=cardId
//	                                      a call through the sidecar (path below /v2); => the
//	                                      status the emulator must answer; -> captures a
//	                                      member of the answer (dotted path, numeric indexes)
//	fault 503 2                           the emulator answers the next 2 calls 503
//	badkey GET /cardholders => 401        the call with a wrong X-API-Key
//	guard POST /staging/kyc/validate      the call sent to production through the sidecar as
//	                                      an HTTP proxy (its guard refuses it)
//	holder h                              a cardholder created with every field, id in h
//	approved h                            a cardholder created, submitted, forced to pass and read
//	virtual h c                           a virtual card for h, id in c
//	physical h c                          a physical card for h, id in c
//	event card.shown axys.card_id={c}     an event of the app, POSTed to the receiver: a name,
//	                                      then key=value attributes (JSON literals, else text)
//	trace t1                              the calls and events after it carry trace t1's W3C
//	                                      traceparent (a new trace the first time); trace none: no trace
package corpus
