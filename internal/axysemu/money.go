package axysemu

import (
	"strconv"
	"strings"
)

// The main API carries money as decimal-implied integers in minor units
// (1000 = $10.00); the /staging/* endpoints and the string amounts of card
// transactions and fees use decimal strings with at most two decimals.

// maxDecimal is the largest simulated amount: $10,000,000.00.
const maxDecimal = 1_000_000_000

// parseDecimal parses "10", "10.5" or "10.00" into minor units. It rejects
// signs, exponents, more than two decimals and zero.
func parseDecimal(s string) (int64, bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || !allDigits(whole) || len(whole) > 10 {
		return 0, false
	}
	if hasDot && (frac == "" || len(frac) > 2 || !allDigits(frac)) {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	v := w*100 + f
	return v, v > 0 && v <= maxDecimal
}

// formatDecimal formats minor units as "12.34".
func formatDecimal(v int64) string {
	sign := ""
	if v < 0 {
		sign, v = "-", -v
	}
	return sign + strconv.FormatInt(v/100, 10) + "." + pad2(v%100)
}

func pad2(v int64) string {
	if v < 10 {
		return "0" + strconv.FormatInt(v, 10)
	}
	return strconv.FormatInt(v, 10)
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// percentOf returns bp basis points of v, rounded half up.
func percentOf(v, bp int64) int64 { return (v*bp + 5000) / 10000 }
