package secret

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func key(b byte) []byte {
	k := make([]byte, KeySize)
	for i := range k {
		k[i] = b + byte(i)
	}
	return k
}

func TestParseKey(t *testing.T) {
	k := key(1)
	hexKey := "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
	tests := []struct {
		name    string
		in      string
		want    []byte
		wantErr string
	}{
		{"hex", hexKey, k, ""},
		{"hex with newline", hexKey + "\n", k, ""},
		{"base64", base64.StdEncoding.EncodeToString(k), k, ""},
		{"empty", "  \n", nil, "STRATA_SECRET_KEY"},
		{"too short", "abcd", nil, "64 hex characters"},
		{"base64 of 16 bytes", base64.StdEncoding.EncodeToString(k[:16]), nil, "32 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(tt.want) {
				t.Fatalf("key = %x, want %x", got, tt.want)
			}
		})
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	bad := filepath.Join(dir, "bad")
	os.WriteFile(good, []byte(strings.Repeat("ab", KeySize)+"\n"), 0o600)
	os.WriteFile(bad, []byte("nope"), 0o600)
	if k, err := ReadKeyFile(good); err != nil || len(k) != KeySize || k[0] != 0xab {
		t.Fatalf("ReadKeyFile(good) = %x, %v", k, err)
	}
	if _, err := ReadKeyFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("ReadKeyFile(bad) err = %v, want it to name the file", err)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("ReadKeyFile(missing) succeeded")
	}
}

func TestSealOpen(t *testing.T) {
	box, _ := NewBox(key(1))
	other, _ := NewBox(key(2))
	sealed, err := box.Seal("p@ss'word", "acme/app")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "p@ss") {
		t.Fatalf("sealed value %q contains the plaintext", sealed)
	}
	again, _ := box.Seal("p@ss'word", "acme/app")
	if again == sealed {
		t.Fatal("two seals of the same value are equal: the nonce is not random")
	}
	tests := []struct {
		name    string
		box     *Box
		sealed  string
		context string
		want    string
		wantErr error
	}{
		{"round trip", box, sealed, "acme/app", "p@ss'word", nil},
		{"wrong key", other, sealed, "acme/app", "", ErrWrongKey},
		{"other tenant's row", box, sealed, "evil/app", "", ErrWrongKey},
		{"tampered", box, sealed[:len(sealed)-4] + "AAA=", "acme/app", "", ErrWrongKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.box.Open(tt.sealed, tt.context)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Fatalf("Open = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := box.Open("garbage", "acme/app"); err == nil {
		t.Fatal("Open(garbage) succeeded")
	}
}

func TestNewBoxRefusesMissingKey(t *testing.T) {
	if _, err := NewBox(nil); !errors.Is(err, ErrNoKey) {
		t.Fatalf("NewBox(nil) err = %v, want ErrNoKey", err)
	}
	if _, err := NewBox(key(1)[:16]); err == nil {
		t.Fatal("NewBox(16 bytes) succeeded")
	}
}
