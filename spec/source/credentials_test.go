package source

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestCredentialsFromEnv(t *testing.T) {
	env := map[string]string{
		"STRATA_GIT_TOKEN":              "tok",
		"STRATA_GIT_TOKEN_FILE":         "/run/secrets/token",
		"STRATA_GIT_USERNAME":           "bot",
		"STRATA_GIT_SSH_KEY":            "/run/secrets/id_ed25519",
		"STRATA_GIT_SSH_KEY_PASSPHRASE": "pass",
		"STRATA_GIT_SSH_KNOWN_HOSTS":    "/run/secrets/known_hosts",
	}
	got := CredentialsFromEnv(func(k string) string { return env[k] })
	assert.Equal(t, Credentials{
		Username: "bot", Token: "tok", TokenFile: "/run/secrets/token",
		SSHKeyFile: "/run/secrets/id_ed25519", SSHKeyPassphrase: "pass", KnownHostsFile: "/run/secrets/known_hosts",
	}, got)
	assert.Equal(t, Credentials{}, CredentialsFromEnv(func(string) string { return "" }))
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{Token: "s3cret-token", SSHKeyFile: "/keys/id", SSHKeyPassphrase: "s3cret-pass"}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Info("sync", "credentials", c)
	for _, out := range []string{c.String(), fmt.Sprintf("%v %+v %#v %s", c, c, c, c), log.String()} {
		assert.NotContains(t, out, "s3cret")
		assert.Contains(t, out, "token")
		assert.Contains(t, out, "/keys/id")
	}
	assert.Equal(t, "no credentials", Credentials{}.String())
}

func TestCredentialsAuthFor(t *testing.T) {
	dir := t.TempDir()
	key := writeSSHKey(t, dir)
	knownHosts := filepath.Join(dir, "known_hosts")
	require.NoError(t, os.WriteFile(knownHosts, nil, 0o600))
	garbage := filepath.Join(dir, "garbage")
	require.NoError(t, os.WriteFile(garbage, []byte("not a key"), 0o600))
	urlAuth := &githttp.BasicAuth{Username: "u", Password: "pw-456"}

	tests := []struct {
		name  string
		url   string
		creds Credentials
		check func(t *testing.T, auth transport.AuthMethod)
		err   string
	}{
		{name: "https token, default user", url: "https://github.com/org/config.git", creds: Credentials{Token: "tok-123"},
			check: wantBasic("x-access-token", "tok-123")},
		{name: "https token, own user", url: "https://gitlab.com/org/config.git", creds: Credentials{Token: "tok-123", Username: "oauth2"},
			check: wantBasic("oauth2", "tok-123")},
		{name: "https token wins over url", url: "https://gitlab.com/org/config.git", creds: Credentials{Token: "tok-123"},
			check: wantBasic("x-access-token", "tok-123")},
		{name: "https public", url: "https://github.com/org/config.git",
			check: func(t *testing.T, auth transport.AuthMethod) { assert.Nil(t, auth) }},
		{name: "file needs none", url: "/srv/config.git", creds: Credentials{Token: "tok-123"},
			check: func(t *testing.T, auth transport.AuthMethod) { assert.Nil(t, auth) }},
		{name: "ssh key", url: "git@github.com:org/config.git", creds: Credentials{SSHKeyFile: key, KnownHostsFile: knownHosts},
			check: func(t *testing.T, auth transport.AuthMethod) {
				keys, ok := auth.(*gitssh.PublicKeys)
				require.True(t, ok, "%T", auth)
				assert.Equal(t, "git", keys.User)
				assert.NotNil(t, keys.HostKeyCallback)
			}},
		{name: "ssh url user", url: "ssh://deploy@example.com/config.git", creds: Credentials{SSHKeyFile: key},
			check: func(t *testing.T, auth transport.AuthMethod) {
				assert.Equal(t, "deploy", auth.(*gitssh.PublicKeys).User)
			}},
		{name: "ssh agent default", url: "git@github.com:org/config.git",
			check: func(t *testing.T, auth transport.AuthMethod) { assert.Nil(t, auth) }},
		{name: "ssh key missing", url: "git@github.com:org/config.git", creds: Credentials{SSHKeyFile: key + ".missing"},
			err: "STRATA_GIT_SSH_KEY"},
		{name: "ssh key garbage", url: "git@github.com:org/config.git", creds: Credentials{SSHKeyFile: garbage},
			err: garbage},
		{name: "known hosts missing", url: "git@github.com:org/config.git", creds: Credentials{SSHKeyFile: key, KnownHostsFile: knownHosts + ".missing"},
			err: "STRATA_GIT_SSH_KNOWN_HOSTS"},
		{name: "empty token file", url: "https://github.com/org/config.git", creds: Credentials{TokenFile: knownHosts},
			err: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := transport.NewEndpoint(tt.url)
			require.NoError(t, err)
			var fromURL *githttp.BasicAuth
			if tt.name == "https token wins over url" {
				fromURL = urlAuth
			}
			auth, err := tt.creds.authFor(ep, fromURL)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			tt.check(t, auth)
		})
	}

	// Without a token, the URL's own user info is used.
	ep, err := transport.NewEndpoint("https://github.com/org/config.git")
	require.NoError(t, err)
	auth, err := Credentials{}.authFor(ep, urlAuth)
	require.NoError(t, err)
	wantBasic("u", "pw-456")(t, auth)
}

func wantBasic(user, password string) func(t *testing.T, auth transport.AuthMethod) {
	return func(t *testing.T, auth transport.AuthMethod) {
		basic, ok := auth.(*githttp.BasicAuth)
		require.True(t, ok, "%T", auth)
		assert.Equal(t, user, basic.Username)
		assert.Equal(t, password, basic.Password)
		assert.NotContains(t, basic.String(), password, "go-git masks it too")
	}
}

// writeSSHKey writes a fresh unencrypted ed25519 key in OpenSSH format.
func writeSSHKey(t *testing.T, dir string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(priv, "test")
	require.NoError(t, err)
	path := filepath.Join(dir, "id_ed25519")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(block), 0o600))
	return path
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://bot:tok@github.com/org/c.git", "https://***@github.com/org/c.git"},
		{"https://tok@github.com/org/c.git", "https://***@github.com/org/c.git"},
		{"HTTPS://a:b@host/x", "HTTPS://***@host/x"},
		{"https://github.com/org/c.git", "https://github.com/org/c.git"},
		{"https://github.com/org/c@v1.git", "https://github.com/org/c@v1.git"},
		{"git@github.com:org/c.git", "git@github.com:org/c.git"},
		{"/srv/config.git", "/srv/config.git"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, redactURL(tt.in), tt.in)
	}
}
