package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultTimeout bounds each API call when the caller sets none.
const DefaultTimeout = 30 * time.Second

// maxResponse caps how much of a response is read: a page of 100 comments of
// 65,536 characters each, with room to spare.
const maxResponse = 32 << 20

// api is the HTTP plumbing GitHub and GitLab share: one base URL, fixed
// headers (the token among them, never printed), a timeout per call.
type api struct {
	host    string // "github" or "gitlab", for messages
	base    *url.URL
	header  http.Header
	client  *http.Client
	timeout time.Duration
	// hint says what the user should do about an error answer.
	hint func(e *APIError) string
}

func newAPI(host, base string, header http.Header, client *http.Client, timeout time.Duration, hint func(*APIError) string) (*api, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("forge: %s: API URL %q is not an http(s) URL", host, base)
	}
	// Go drops Authorization on a redirect to another host, but not GitLab's
	// PRIVATE-TOKEN or JOB-TOKEN: refuse to leave the host at all.
	c := &http.Client{}
	if client != nil {
		*c = *client
	}
	if c.CheckRedirect == nil {
		c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("redirect to %s leaves the API host %s: refusing to send the token there", req.URL.Host, via[0].URL.Host)
			}
			if len(via) >= 10 {
				return errors.New("stopped after 10 redirects")
			}
			return nil
		}
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	header.Set("User-Agent", "strata")
	return &api{host: host, base: u, header: header, client: c, timeout: timeout, hint: hint}, nil
}

// url joins the base URL and an already escaped path (GitLab project paths
// keep their %2F).
func (a *api) url(escapedPath string, query url.Values) string {
	u := a.base.String() + escapedPath
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// do sends one request with in as its JSON body (nil: none), decodes the
// response into out and returns the Link header's next page, if any.
func (a *api) do(ctx context.Context, method, rawURL string, in, out any) (next string, err error) {
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return "", fmt.Errorf("forge: %s: encode request: %w", a.host, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return "", fmt.Errorf("forge: %s: %s %s: %w", a.host, method, redact(rawURL), err)
	}
	req.Header = a.header.Clone()
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "", fmt.Errorf("forge: %s: %s %s: no answer within %s: check the API URL and the network, then retry: %w",
				a.host, method, redact(rawURL), a.timeout, err)
		}
		return "", fmt.Errorf("forge: %s: %s %s: %w", a.host, method, redact(rawURL), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return "", fmt.Errorf("forge: %s: %s %s: read response: %w", a.host, method, redact(rawURL), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &APIError{
			Host: a.host, Method: method, URL: redact(rawURL), Status: resp.StatusCode,
			Message: apiMessage(data), RateLimited: rateLimited(resp),
		}
		e.Hint = a.hint(e)
		return "", e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return "", fmt.Errorf("forge: %s: %s %s: decode response: %w", a.host, method, redact(rawURL), err)
		}
	}
	next, err = a.nextPage(resp)
	if err != nil {
		return "", fmt.Errorf("forge: %s: %s %s: %w", a.host, method, redact(rawURL), err)
	}
	return next, nil
}

// nextPage returns the rel="next" URL of the Link header (RFC 8288). It must
// stay on the API's host: the token goes with every request.
func (a *api) nextPage(resp *http.Response) (string, error) {
	for _, link := range resp.Header.Values("Link") {
		for _, part := range strings.Split(link, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(part), ";")
			if !ok || !isNextRel(params) {
				continue
			}
			target = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(target), "<"), ">")
			u, err := resp.Request.URL.Parse(target)
			if err != nil {
				return "", fmt.Errorf("next page link %q: %w", target, err)
			}
			if u.Scheme != a.base.Scheme || u.Host != a.base.Host {
				return "", fmt.Errorf("next page link %q leaves the API host %s: refusing to send the token there", redact(u.String()), a.base.Host)
			}
			return u.String(), nil
		}
	}
	return "", nil
}

func isNextRel(params string) bool {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "rel") {
			for _, r := range strings.Fields(strings.Trim(v, `"`)) {
				if r == "next" {
					return true
				}
			}
		}
	}
	return false
}

// rateLimited reads the rate limit headers of GitHub (X-RateLimit-Remaining)
// and GitLab (RateLimit-Remaining).
func rateLimited(resp *http.Response) bool {
	if resp.StatusCode == http.StatusTooManyRequests {
		return true
	}
	for _, h := range []string{"X-RateLimit-Remaining", "RateLimit-Remaining"} {
		if resp.Header.Get(h) == "0" {
			return true
		}
	}
	return false
}

// apiMessage pulls the human message out of an error response; both hosts
// answer {"message": ...} (GitLab sometimes {"error": ...}).
func apiMessage(data []byte) string {
	var m struct {
		Message any    `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(data, &m) == nil {
		switch v := m.Message.(type) {
		case string:
			return v
		case nil:
		default:
			b, _ := json.Marshal(v)
			return string(b)
		}
		if m.Error != "" {
			return m.Error
		}
	}
	s := strings.TrimSpace(string(data))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// redact drops the query string, where some setups put a token.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.RawQuery, u.User = "", nil
	return u.String()
}
