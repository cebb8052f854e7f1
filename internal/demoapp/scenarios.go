package demoapp

// scenarios is the script, in order. Later scenarios use what earlier ones
// made (the approved cardholder, the cards, the wallets) and are skipped
// when it is missing. Covers names the matrix requirements each one is
// meant to produce evidence for.
func (s *script) scenarios() []scenario {
	list := []scenario{
		{"onboard-approved", []string{"row-1", "row-6", "L1", "L2", "L3", "E409"}, s.runApproved},
		{"onboard-declined", []string{"row-2", "row-3"}, s.runDeclined},
		{"onboard-natural", nil, s.runOrganic},
		{"card-virtual", []string{"row-8", "L4"}, s.runVirtual},
		{"card-details", []string{"C6", "L8"}, s.runDetails},
		{"card-physical", []string{"row-9", "C1", "C3", "L5", "L6"}, s.runPhysical},
		{"card-block", []string{"C2", "L9"}, s.runBlock},
		{"card-invalid-status", []string{"C3"}, s.runInvalidStatus},
		{"card-update", []string{"C4", "L10", "E422"}, s.runUpdate},
		{"card-pin", []string{"C5", "L11"}, s.runPIN},
		{"fund-crypto", []string{"C7", "C8", "L7"}, s.runCrypto},
		{"bank-account", []string{"C11", "C11-expiry", "L12"}, s.runBankAccount},
		{"bank-trace", []string{"L13"}, s.runBankTrace},
		{"wallets", []string{"C13", "L14", "L15"}, s.runWallets},
		{"transfer-from-card", []string{"C14"}, s.runFromCard},
		{"spend", []string{"C9", "C10"}, s.runSpend},
		{"otp-3ds", []string{"C15", "C15-expiry", "L17"}, s.runOTP},
		{"error-handling", []string{"E400", "E401", "E403-ip", "E403-key", "E404", "E429", "E5xx", "C17", "C18"}, s.runErrors},
		{"https-proxy", nil, s.runHTTPSProxy},
		{"production-guard", []string{"G1", "G2"}, s.runGuardProbe},
		{"reconciliation", []string{"C16", "L16"}, s.runReconcile},
	}
	if s.o.Mishandle {
		list = append(list, s.mishandled()...)
	}
	return list
}
