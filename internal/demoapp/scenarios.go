package demoapp

// scenarios is the script, in order. Later scenarios use what earlier ones
// made (the approved cardholder, the cards, the wallets) and are skipped
// when it is missing. Covers names the matrix requirements each one is
// meant to produce evidence for.
func (s *script) scenarios() []scenario {
	list := []scenario{
		{"onboard-approved", []string{"TM1", "TM6", "L1", "L2"}, s.runApproved},
		{"onboard-declined", []string{"TM2", "TM3"}, s.runDeclined},
		{"onboard-natural", []string{"L3"}, s.runOrganic},
		{"card-virtual", []string{"TM8", "L4"}, s.runVirtual},
		{"card-details", []string{"C6", "L8"}, s.runDetails},
		{"card-physical", []string{"TM9", "C1", "L5", "L6"}, s.runPhysical},
		{"card-block", []string{"C2", "L9"}, s.runBlock},
		{"card-invalid-status", []string{"C3"}, s.runInvalidStatus},
		{"card-update", []string{"C4", "L10"}, s.runUpdate},
		{"card-pin", []string{"C5", "L11"}, s.runPIN},
		{"fund-crypto", []string{"C7", "C8", "L7"}, s.runCrypto},
		{"bank-account", []string{"C11", "L12"}, s.runBankAccount},
		{"bank-trace", []string{"C12", "L13"}, s.runBankTrace},
		{"wallets", []string{"C13", "L14", "L15"}, s.runWallets},
		{"transfer-from-card", []string{"C14"}, s.runFromCard},
		{"spend", []string{"C9", "C10"}, s.runSpend},
		{"otp-3ds", []string{"C15", "L17"}, s.runOTP},
		{"error-handling", []string{"ERR-400", "ERR-401", "ERR-403", "ERR-404", "ERR-429", "ERR-5XX"}, s.runErrors},
		{"https-proxy", nil, s.runHTTPSProxy},
		{"production-guard", []string{"G1", "G2"}, s.runGuardProbe},
		{"reconciliation", []string{"C16", "L16"}, s.runReconcile},
	}
	if s.o.Mishandle {
		list = append(list, s.mishandled()...)
	}
	return list
}
