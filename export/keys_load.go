package export

import "crypto/ed25519"

// LoadSigningKey loads the signing key at path without creating anything:
// a missing file is an error matching fs.ErrNotExist, and a key readable
// by group or others is refused.
func LoadSigningKey(path string) (ed25519.PrivateKey, error) {
	return loadSigningKey(path)
}
