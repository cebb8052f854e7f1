package recorder

import (
	"slices"
	"testing"
)

func TestNameTokens(t *testing.T) {
	tests := []struct {
		name   string
		tokens []string
		joined string
	}{
		{"cardNumber", []string{"card", "number"}, "cardnumber"},
		{"card_number", []string{"card", "number"}, "cardnumber"},
		{"CARD-NUMBER", []string{"card", "number"}, "cardnumber"},
		{"PINNumber", []string{"pin", "number"}, "pinnumber"},
		{"userPIN", []string{"user", "pin"}, "userpin"},
		{"3dsCode", []string{"3ds", "code"}, "3dscode"},
		{"3DSCode", []string{"3ds", "code"}, "3dscode"},
		{"X-3DS-Code", []string{"x", "3ds", "code"}, "x3dscode"},
		{"cvv2Code", []string{"cvv", "code"}, "cvv2code"},
		{"adrLine1", []string{"adr", "line"}, "adrline1"},
		{"card[0][cvv]", []string{"card", "cvv"}, "card0cvv"},
		{"pin[]", []string{"pin"}, "pin"},
		{"X_API_KEY", []string{"x", "api", "key"}, "xapikey"},
		{"user.pin", []string{"user", "pin"}, "userpin"},
		{"http.request.header.x-api-key", []string{"http", "request", "header", "x", "api", "key"}, "httprequestheaderxapikey"},
		{"2FA", []string{"2fa"}, "2fa"},
		{"4111111111111111", nil, "4111111111111111"},
		{"", nil, ""},
	}
	for _, tt := range tests {
		var nt nameTokens
		nt.split([]byte(tt.name))
		var got []string
		for i := range nt.n {
			got = append(got, string(nt.token(i)))
		}
		if !slices.Equal(got, tt.tokens) || string(nt.joined()) != tt.joined {
			t.Errorf("%q: tokens %q joined %q, want %q %q", tt.name, got, nt.joined(), tt.tokens, tt.joined)
		}
	}
}

// TestSecretNames is the table of spellings the families must catch, and
// of near misses they must leave readable: a false positive costs
// evidence the auditor cannot read.
func TestSecretNames(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{})
	secret := []string{
		// PIN
		"pin", "PIN", "Pin", "pins", "newPin", "currentPin", "oldPin", "cardPin", "pinNumber", "PINNumber",
		"pin_number", "pin-number", "userPin", "user_pin", "confirmPin", "confirm_pin", "pinCode", "pinBlock",
		"encryptedPin", "newpin", "userpin", "cardpin", "pinnumber", "pincode", "card[pin]", "pin[]",
		"cards[0][pin]", "pin1", "X-Card-Pin", "x-card-pin", "user.pin",
		// one-time codes
		"otp", "OTP", "otpValue", "otp_value", "otpCode", "otpcode", "smsCode", "sms_code", "smscode",
		"3dsCode", "3DSCode", "3ds_code", "verificationCode", "verification_code", "verificationcode",
		"passcode", "oneTimeCode", "one_time_code", "oneTimePasscode", "oneTimePassword", "mfaCode",
		"2faCode", "activationCode", "confirmationCode", "X-OTP", "x-otp", "totp", "smsOtp",
		// passwords
		"password", "Password", "newPassword", "new_password", "confirmPassword", "confirmpassword",
		"passwd", "pwd", "PWD", "userPwd", "passphrase", "passwordHash", "currentPassword",
		// secrets and keys
		"secret", "clientSecret", "client_secret", "clientsecret", "apiSecret", "webhookSigningSecret",
		"secretKey", "apiKey", "api_key", "apikey", "API-KEY", "xApiKey", "x-api-key", "X_API_KEY",
		"privateKey", "private_key", "privKey", "signingKey", "encryptionKey", "secretAccessKey",
		"mnemonic", "seedPhrase", "seed_phrase", "apiKeyValue",
		// tokens
		"accessToken", "access_token", "refreshToken", "idToken", "authToken", "X-Auth-Token",
		"sessionToken", "bearerToken", "csrfToken", "X-CSRF-Token", "jwt", "accessTokenValue",
		"authorization",
		// card data
		"pan", "PAN", "cardNumber", "card_number", "CARD-NUMBER", "cardnumber", "fullCardNumber",
		"cardNo", "cardNum", "ccNumber", "primaryAccountNumber", "creditCardNumber", "card[number]",
		"cvv", "CVV", "cvv2", "cvc", "cvc2", "cvvCode", "securityCode", "cardSecurityCode",
		"card[0][cvv]", "card.cvv",
	}
	readable := []string{
		"pinned", "spinner", "opinion", "pinyin", "shipping", "pinLength", "pinStatus", "pinRequired",
		"pinAttempts", "pinless", "isPinSet", "tokenType", "token", "otpToken", "otpExpiresAt",
		"otpStatus", "cardId", "cardholderId", "status", "statusText", "expiresAt", "expMonth",
		"expYear", "maskedCardNumber", "masked_pan", "cardNumberMasked", "panLast4", "last4",
		"code", "countryCode", "currencyCode", "callingCode", "errorCode", "authCode", "reasonCode",
		"cvvResult", "cvvCheck", "passwordless", "passwordPolicy", "secretary", "keyId", "apiKeyId",
		"accessKeyId", "publicKey", "Public-Key-Pins", "key", "idempotencyKey", "Idempotency-Key",
		"company", "panel", "expand", "authRefNum", "transId", "transactionReference",
		"preAuthorization", "authorizationId", "Content-Type", "X-Request-Id", "Sec-WebSocket-Key",
		"issuerCardStatus", "newStatus", "nameOnCard", "firstName", "email", "4111111111111111",
		"Content-Security-Policy", "WWW-Authenticate", "secretName", "clientSecretExpiresAt",
	}
	for _, name := range secret {
		if !r.secretName([]byte(name), 0, false) {
			t.Errorf("%q: not a secret name, want secret", name)
		}
	}
	for _, name := range readable {
		if r.secretName([]byte(name), 0, false) {
			t.Errorf("%q: a secret name, want readable", name)
		}
	}
}

func TestSecretHeaderNames(t *testing.T) {
	r := newTestRedactor(t, RedactOptions{ExtraHeaders: []string{"x-webhook-signature"}})
	for _, h := range []string{"X-Api-Key", "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
		"X-Card-Pin", "X-Otp", "X-Auth-Token", "X_API_KEY", "X-Goog-Api-Key", "X-Amz-Security-Token",
		"X-Session-Token", "X-Webhook-Signature", "x-webhook-signature"} {
		if !r.headerSecret(h) {
			t.Errorf("header %q: not secret", h)
		}
	}
	for _, h := range []string{"Content-Type", "Date", "X-Request-Id", "Public-Key-Pins", "Sec-Websocket-Key",
		"Idempotency-Key", "Www-Authenticate", "Traceparent", "X-Pin-Required"} {
		if r.headerSecret(h) {
			t.Errorf("header %q: secret, want readable", h)
		}
	}
}

// TestPIINames checks the pii preset on the Axys names of POST
// /cardholders, card issuing and register-bank-account, and what it
// leaves readable.
func TestPIINames(t *testing.T) {
	pii, err := RedactPreset("pii")
	if err != nil {
		t.Fatal(err)
	}
	r := newTestRedactor(t, RedactOptions{Rules: []*RedactRules{pii}})
	plain := newTestRedactor(t, RedactOptions{})
	personal := []string{
		"firstName", "lastName", "nameOnCard", "senderAccountName", "cardHolderFirstName", "cardHolderLastName",
		"fullName", "first_name", "firstname", "dob", "dateOfBirth", "date_of_birth", "birthDate", "placeOfBirth",
		"adrLine1", "adrLine2", "addressLine1", "address1", "street", "city", "zipCode", "zip", "postalCode",
		"cellNum", "phoneNum", "phoneNumber", "phone", "mobileNumber", "emailAdr", "email", "e-mail",
		"emailAddress", "ssn", "SSN", "nationalId", "taxId", "passportNumber", "socialSecurityNumber",
		"senderAccountNumber", "accountNumber", "iban", "IBAN", "X-User-Email",
	}
	readable := []string{
		"cardholderId", "nationality", "gender", "country", "state", "callingCode", "countryCallingCode",
		"senderRoutingNumber", "merchantName", "merchantCity", "address", "cryptoAddresses", "chain",
		"emailVerified", "transactionLimit", "status", "name", "program", "description", "alias",
		"maskedAccountNumber", "cardType", "sumsubEnabled",
	}
	for _, name := range personal {
		if !r.secretName([]byte(name), 0, false) && !r.headerSecret(name) {
			t.Errorf("pii: %q is readable, want redacted", name)
		}
		if plain.secretName([]byte(name), 0, false) {
			t.Errorf("defaults: %q is redacted, want readable without the preset", name)
		}
	}
	for _, name := range readable {
		if r.secretName([]byte(name), 0, false) {
			t.Errorf("pii: %q is redacted, want readable", name)
		}
	}
}

func BenchmarkSecretName(b *testing.B) {
	r := newTestRedactor(b, RedactOptions{})
	names := [][]byte{[]byte("cardholderId"), []byte("transactionLimit"), []byte("status"), []byte("newPin"),
		[]byte("merchantName"), []byte("dateCreated"), []byte("cardnumber")}
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			r.secretName(n, 0, false)
		}
	}
}
