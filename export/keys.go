package export

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The signing key is an ed25519 key in a PEM "PRIVATE KEY" (PKCS#8) file,
// created on first use with mode 0600 in a 0700 directory, one per install.
// Its public half is written beside it as PublicKeyPath(path), PEM
// "PUBLIC KEY" (PKIX), for auditors to pin with verify --pubkey.
//
// A key file readable by group or others is refused: whoever can read it
// can sign bundles in this install's name.

// PublicKeyPath returns where the public key of the signing key at path is
// written: path + ".pub".
func PublicKeyPath(path string) string { return path + ".pub" }

// LoadOrCreateSigningKey loads the signing key at path, creating it (and
// its public key file) when it does not exist.
func LoadOrCreateSigningKey(path string) (ed25519.PrivateKey, error) {
	key, err := loadSigningKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createSigningKey(path)
	}
	if err != nil {
		return nil, err
	}
	pubPath := PublicKeyPath(path)
	if _, err := os.Stat(pubPath); errors.Is(err, fs.ErrNotExist) {
		if err := WritePublicKey(pubPath, key.Public().(ed25519.PublicKey)); err != nil {
			return nil, err
		}
	}
	return key, nil
}

func loadSigningKey(path string) (ed25519.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("load signing key %s: readable by others (mode %v); chmod 600 it", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("load signing key %s: no PEM PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load signing key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("load signing key %s: %T is not an ed25519 key", path, k)
	}
	return key, nil
}

// createSigningKey writes a new key to a temporary file and links it into
// place, so a crash never leaves a partial key and two processes racing to
// create it end up sharing one.
func createSigningKey(path string) (ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	tmp, err := writeTempFile(filepath.Dir(path), filepath.Base(path), data)
	if err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); errors.Is(err, fs.ErrExist) {
		return loadSigningKey(path)
	} else if err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	return key, nil
}

// WritePublicKey writes pub to path as PEM "PUBLIC KEY" (PKIX), atomically.
func WritePublicKey(path string, pub ed25519.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return fmt.Errorf("encode public key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	tmp, err := writeTempFile(filepath.Dir(path), filepath.Base(path), data)
	if err != nil {
		return fmt.Errorf("write public key: %w", err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write public key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write public key: %w", err)
	}
	return nil
}

// LoadPublicKey reads a PEM "PUBLIC KEY" (PKIX) ed25519 public key.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load public key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("load public key %s: no PEM PUBLIC KEY block", path)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load public key %s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("load public key %s: %T is not an ed25519 key", path, k)
	}
	return pub, nil
}
