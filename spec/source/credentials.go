package source

import (
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"
)

// Environment variables that CredentialsFromEnv reads. Files rather than
// values are the better fit for Kubernetes Secrets mounted as volumes: a
// token file is re-read on every fetch, so a rotated token is picked up.
const (
	EnvGitToken            = "STRATA_GIT_TOKEN"              // https token (GitHub, GitLab, Gitea PAT or app token)
	EnvGitTokenFile        = "STRATA_GIT_TOKEN_FILE"         // file holding the https token
	EnvGitUsername         = "STRATA_GIT_USERNAME"           // https user name sent with the token (default x-access-token)
	EnvGitSSHKey           = "STRATA_GIT_SSH_KEY"            // path of the ssh private key file
	EnvGitSSHKeyPassphrase = "STRATA_GIT_SSH_KEY_PASSPHRASE" // passphrase of that key, if any
	EnvGitSSHKnownHosts    = "STRATA_GIT_SSH_KNOWN_HOSTS"    // known_hosts file (default ~/.ssh/known_hosts)
)

// defaultTokenUser works for GitHub (PATs and app installation tokens) and
// GitLab PATs, which accept any user name.
const defaultTokenUser = "x-access-token"

// Credentials authenticate fetches from a remote config repo. A token is
// used for http(s) URLs, an ssh key for ssh URLs; without an ssh key the
// ssh-agent (SSH_AUTH_SOCK) is used. Local paths need none.
// Credentials never print their secrets: String and LogValue redact them.
type Credentials struct {
	Username         string // http(s) user name; default "x-access-token"
	Token            string // http(s) token or password
	TokenFile        string // file holding the token (trailing newline ignored)
	SSHKeyFile       string // ssh private key (PEM or OpenSSH format)
	SSHKeyPassphrase string // passphrase of SSHKeyFile
	KnownHostsFile   string // known_hosts file; default is ~/.ssh/known_hosts
}

// CredentialsFromEnv reads the STRATA_GIT_* variables (see the Env
// constants) through getenv, which is os.Getenv outside tests.
func CredentialsFromEnv(getenv func(string) string) Credentials {
	return Credentials{
		Username:         getenv(EnvGitUsername),
		Token:            getenv(EnvGitToken),
		TokenFile:        getenv(EnvGitTokenFile),
		SSHKeyFile:       getenv(EnvGitSSHKey),
		SSHKeyPassphrase: getenv(EnvGitSSHKeyPassphrase),
		KnownHostsFile:   getenv(EnvGitSSHKnownHosts),
	}
}

// String describes which credentials are set, never their values.
func (c Credentials) String() string {
	var set []string
	if c.Token != "" {
		set = append(set, "token")
	}
	if c.TokenFile != "" {
		set = append(set, "token file "+c.TokenFile)
	}
	if c.SSHKeyFile != "" {
		set = append(set, "ssh key "+c.SSHKeyFile)
	}
	if len(set) == 0 {
		return "no credentials"
	}
	return strings.Join(set, ", ")
}

// GoString keeps %#v from printing the secrets.
func (c Credentials) GoString() string { return "source.Credentials{" + c.String() + "}" }

// LogValue keeps slog from printing the secrets.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// authFor returns the go-git auth method for ep; urlAuth is the user:password
// the URL itself carried, used when no token is configured.
func (c Credentials) authFor(ep *transport.Endpoint, urlAuth *githttp.BasicAuth) (transport.AuthMethod, error) {
	switch ep.Protocol {
	case "http", "https":
		token, err := c.token()
		if err != nil {
			return nil, err
		}
		if token == "" {
			if urlAuth != nil {
				return urlAuth, nil
			}
			return nil, nil // a public repository
		}
		user := c.Username
		if user == "" {
			user = defaultTokenUser
		}
		return &githttp.BasicAuth{Username: user, Password: token}, nil
	case "ssh":
		return c.sshAuth(ep)
	default:
		return nil, nil
	}
}

// token returns the configured token, reading TokenFile afresh.
func (c Credentials) token() (string, error) {
	if c.Token != "" && c.TokenFile != "" {
		return "", fmt.Errorf("source: both %s and %s are set; set only one", EnvGitToken, EnvGitTokenFile)
	}
	if c.TokenFile == "" {
		return c.Token, nil
	}
	data, err := os.ReadFile(c.TokenFile)
	if err != nil {
		return "", fmt.Errorf("source: read Git token file (%s): %w", EnvGitTokenFile, err)
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return "", fmt.Errorf("source: Git token file %s is empty; write the token into it", c.TokenFile)
	}
	return token, nil
}

// sshAuth returns key or agent auth with the configured known_hosts.
func (c Credentials) sshAuth(ep *transport.Endpoint) (transport.AuthMethod, error) {
	user := ep.User
	if user == "" {
		user = "git"
	}
	var hostKeys gitssh.HostKeyCallbackHelper
	if c.KnownHostsFile != "" {
		cb, err := gitssh.NewKnownHostsCallback(c.KnownHostsFile)
		if err != nil {
			return nil, fmt.Errorf("source: read ssh known_hosts file (%s): %w", EnvGitSSHKnownHosts, err)
		}
		hostKeys.HostKeyCallback = cb
	}
	if c.SSHKeyFile == "" {
		if c.KnownHostsFile == "" {
			return nil, nil // go-git's default: ssh-agent and ~/.ssh/known_hosts
		}
		agent, err := gitssh.NewSSHAgentAuth(user)
		if err != nil {
			return nil, fmt.Errorf("source: no ssh key: set %s to a private key file or run an ssh-agent: %w", EnvGitSSHKey, err)
		}
		agent.HostKeyCallbackHelper = hostKeys
		return agent, nil
	}
	keys, err := gitssh.NewPublicKeysFromFile(user, c.SSHKeyFile, c.SSHKeyPassphrase)
	if err != nil {
		return nil, fmt.Errorf("source: load ssh key %s (%s): %w; check the file and %s", c.SSHKeyFile, EnvGitSSHKey, err, EnvGitSSHKeyPassphrase)
	}
	keys.HostKeyCallbackHelper = hostKeys
	return keys, nil
}

// userinfo matches the user:password part of a URL.
var userinfo = regexp.MustCompile(`(?i)^([a-z][a-z0-9+.-]*://)[^/@]*@`)

// redactURL hides the user info of a URL, which may be a token.
func redactURL(raw string) string {
	return userinfo.ReplaceAllString(raw, "${1}***@")
}
