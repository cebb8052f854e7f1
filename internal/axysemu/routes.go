package axysemu

import "net/http"

// newRoutes is the endpoint table, relative to /v2. Endpoints whose paths
// the docs do not show are marked "chosen"; see doc.go.
func newRoutes() *router {
	rt := &router{}
	get, post, put, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete

	rt.add(get, "/cardholders", listCardholders)
	rt.add(post, "/cardholders", createCardholder)
	rt.add(get, "/cardholders/{cardholderId}", getCardholder)
	rt.add(put, "/cardholders/{cardholderId}", editCardholder)
	rt.add(del, "/cardholders/{cardholderId}", deleteCardholder) // chosen
	rt.add(put, "/cardholders/{cardholderId}/update", updateCardholder)
	rt.add(put, "/cardholders/{cardholderId}/kyc-submit", submitKYC)
	rt.add(post, "/cardholders/{cardholderId}/kyc-url/refresh", refreshKYC)
	rt.add(post, "/cardholders/{cardholderId}/register-bank-account", registerBankAccount)
	rt.add(post, "/cardholders/{cardholderId}/register-wallet-address", registerWalletAddress) // deprecated

	rt.add(post, "/cards/virtual/{cardholderId}", issueVirtual)
	rt.add(post, "/cards/assign/{cardholderId}", issuePhysical)
	rt.add(get, "/cards", listCards)
	rt.add(get, "/cards/transactions", listCardTxns)
	rt.add(get, "/cards/fees", listFees)
	rt.add(get, "/cards/{cardId}", getCard)
	rt.add(get, "/cards/{cardId}/balance", getBalance)
	rt.add(put, "/cards/{cardId}/activate", activateCard)
	rt.add(put, "/cards/{cardId}/status", setCardStatus)
	rt.add(put, "/cards/{cardId}/update", updateCard)
	rt.add(put, "/cards/{cardId}/pin", changePin)
	rt.add(post, "/cards/{cardId}/bank-deposit", cardBankDeposit)
	rt.add(post, "/cards/{cardId}/deposit", cardChainDeposit) // deprecated

	rt.add(post, "/wallets", createWallet)
	rt.add(get, "/wallets", listWallets) // chosen
	rt.add(get, "/wallets/transactions", listWalletTxns)
	rt.add(post, "/wallets/transfer", transfer)
	rt.add(get, "/wallets/{walletId}", getWallet) // chosen
	rt.add(post, "/wallets/{walletId}/bank-deposit", walletBankDeposit)
	rt.add(post, "/wallets/{walletId}/deposit", walletChainDeposit) // deprecated

	rt.add(post, "/otp/listeners", subscribeOTP)
	rt.add(del, "/otp/listeners/{token}", unsubscribeOTP) // chosen
	rt.add(get, "/otp/{token}", getOTP)

	rt.add(post, "/staging/kyc/validate", validateKYC)
	rt.add(post, "/staging/deposits", simulateDeposit)                             // chosen
	rt.add(get, "/staging/deposits/{depositId}", getDeposit)                       // chosen
	rt.add(post, "/staging/cards/{cardId}/spend", simulateSpend)                   // chosen
	rt.add(post, "/staging/cards/{cardId}/3ds-challenge", challenge3DS)            // chosen
	rt.add(get, "/staging/cards/{cardId}/sensitive", cardSensitive)                // chosen
	rt.add(post, "/staging/bank-accounts/{depositId}/confirm", confirmBankAccount) // chosen
	rt.add(post, "/staging/bank-accounts/{depositId}/expire", expireBankAccount)   // chosen
	rt.add(post, "/staging/faults", forceFaults)                                   // chosen, emulator only
	return rt
}
