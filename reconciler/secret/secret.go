// Package secret seals tenant credentials with AES-256-GCM before strata
// stores them in the landlord.
//
// The key is 32 random bytes, written as 64 hexadecimal characters or as
// standard base64 (44 characters), surrounding whitespace ignored. Make one
// with `openssl rand -hex 32` and give it to strata as STRATA_SECRET_KEY or in
// a file named by --secret-key-file. Losing the key loses the stored
// passwords: strata then cannot connect as tenant users until they are reset.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// version prefixes every sealed value so the format can change later.
const version = "v1:"

// ErrNoKey is returned when a secret must be stored or read but no key was given.
var ErrNoKey = errors.New("secret: no secret key: set STRATA_SECRET_KEY to 32 random bytes in hex " +
	"(make one with `openssl rand -hex 32`) or pass --secret-key-file FILE")

// ErrWrongKey is returned when a sealed value does not open with the key:
// the key differs from the one that sealed it, or the value was tampered with.
var ErrWrongKey = errors.New("secret: cannot decrypt: the secret key is not the one the credentials were stored with, or they were altered")

// ParseKey decodes a key written as 64 hex characters or as base64 of 32 bytes.
func ParseKey(text string) ([]byte, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return nil, ErrNoKey
	}
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	if k, err := base64.StdEncoding.DecodeString(s); err == nil && len(k) == KeySize {
		return k, nil
	}
	return nil, fmt.Errorf("secret: the key must be %d bytes written as %d hex characters or in base64 "+
		"(make one with `openssl rand -hex 32`); got %d characters", KeySize, 2*KeySize, len(s))
}

// ReadKeyFile reads and parses a key file (see ParseKey).
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret: read key file: %w", err)
	}
	k, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for a KeySize-byte key; an empty key is ErrNoKey.
func NewBox(key []byte) (*Box, error) {
	if len(key) == 0 {
		return nil, ErrNoKey
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("secret: the key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plaintext bound to context (e.g. tenant and role), so a
// sealed value copied to another tenant's row does not open there.
// The result is printable: "v1:" + base64(nonce || ciphertext).
func (b *Box) Seal(plaintext, context string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secret: nonce: %w", err)
	}
	out := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(context))
	return version + base64.StdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal returned for the same context.
func (b *Box) Open(sealed, context string) (string, error) {
	rest, ok := strings.CutPrefix(sealed, version)
	if !ok {
		return "", errors.New("secret: sealed value has an unknown format (want prefix v1:)")
	}
	raw, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", errors.New("secret: sealed value is corrupt")
	}
	n := b.aead.NonceSize()
	plain, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", ErrWrongKey
	}
	return string(plain), nil
}
