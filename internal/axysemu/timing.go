package axysemu

import "time"

// Emulated delays. The docs give orders of magnitude only (see doc.go); these
// are the emulator's choices. Every one is multiplied by Options.TimeScale.
const (
	// Natural KYC review: log-normal, median 20 min, heavy tail to hours.
	kycReviewMedian = 20 * time.Minute
	kycReviewSigma  = 1.0
	kycReviewMin    = 30 * time.Second
	kycReviewMax    = 12 * time.Hour
	// The brief status 0 (Pending) some reviews pass through before their
	// outcome: uniform in [kycPendingMin, kycPendingMax).
	kycPendingMin = 2 * time.Second
	kycPendingMax = 30 * time.Second
	// kycPendingChance is the share of natural reviews showing status 0.
	kycPendingChance = 0.5
	// kycSubmitErrorChance is the share of submissions failing at once with
	// status 6 (processing error).
	kycSubmitErrorChance = 0.02

	// Crypto deposits: confirmations before ledgerBalance rises, then
	// finality and off-ramp before availableBalance rises (log-normal each).
	cryptoConfirmMedian  = 20 * time.Second
	cryptoConfirmSigma   = 0.7
	cryptoConfirmMin     = 2 * time.Second
	cryptoConfirmMax     = 10 * time.Minute
	cryptoFinalityMedian = 60 * time.Second
	cryptoFinalitySigma  = 0.8
	cryptoFinalityMin    = 5 * time.Second
	cryptoFinalityMax    = 30 * time.Minute

	// Bank trace notifications: verification before the ledger moves
	// (log-normal), then correspondent-bank clearing before the money is
	// available (uniform 1 to 5 days, calendar days standing in for
	// business days).
	bankVerifyMedian = 5 * time.Minute
	bankVerifySigma  = 1.0
	bankVerifyMin    = 30 * time.Second
	bankVerifyMax    = 2 * time.Hour
	bankClearingMin  = 24 * time.Hour
	bankClearingMax  = 5 * 24 * time.Hour

	// Card spend: authorisation at once, clearing (log-normal, status 2),
	// then settlement (status 3) a uniform 12 to 36 h later.
	cardClearingMedian = 2 * time.Hour
	cardClearingSigma  = 1.0
	cardClearingMin    = 5 * time.Minute
	cardClearingMax    = 72 * time.Hour
	cardSettleMin      = 12 * time.Hour
	cardSettleMax      = 36 * time.Hour

	// otpDefaultTTL is how long a 3-D Secure OTP stays "received" unless
	// the challenge asks otherwise; otpMaxTTL caps what it may ask.
	otpDefaultTTL = 5 * time.Minute
	otpMaxTTL     = time.Hour
	// bankOTPTTL is how long a bank-account registration waits for the
	// cardholder's SMS reply before it expires.
	bankOTPTTL = 10 * time.Minute
	// chainAssertionTTL is how long a deprecated blockchain trace waits to
	// be verified before it expires (documented: 24 h).
	chainAssertionTTL = 24 * time.Hour

	// Webhook delivery: attempts, per-attempt timeout, first backoff
	// (doubling); the backoff is scaled, the timeout is not.
	webhookAttempts = 3
	webhookBackoff  = time.Second

	// maxObjects caps each kind of object so a runaway client cannot grow
	// the emulator without bound; past it, creation answers 507.
	maxObjects = 100_000
)
