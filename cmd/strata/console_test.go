package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratadb/strata/reconciler/daemon/httpapi"
	"github.com/stratadb/strata/reconciler/landlord"
)

// envScreenshot, when set to 1, makes TestConsoleInBrowser rewrite the
// README's screenshot docs/img/fleet.png (it is not rewritten on every run).
const envScreenshot = "STRATA_UPDATE_SCREENSHOT"

// chromiumPath returns Debian's chromium, installing it when missing and
// running as root (as scripts/ensure-mariadb.sh does for MariaDB); the test
// is skipped, saying how to install it, when neither works.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("the browser test needs Debian's chromium: run `sudo apt-get install -y chromium` (not root, so not installed here)")
	}
	t.Log("installing Debian's chromium for the browser test")
	cmd := exec.Command("apt-get", "install", "-y", "-qq", "chromium")
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("the browser test needs chromium and `apt-get install -y chromium` failed: %v\n%s", err, out)
	}
	return "/usr/bin/chromium"
}

// browser starts a headless Chromium with a fresh profile.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1360, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelB(); cancelA() })
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// apiGet decodes GET path of the daemon's API, with the bearer token.
func apiGet(t *testing.T, p *daemonProc, token, path string, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+p.addr+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if v != nil && resp.StatusCode == 200 {
		require.NoError(t, json.Unmarshal(body, v), "%s", body)
	}
	return resp.StatusCode
}

// TestConsoleInBrowser runs strata run (the real binary) on a fleet in a Git
// repo made here, and reads its console in headless Chromium after a
// rollout, a blocked change, a failure and a hand-made drift; then pauses a
// tenant with the console's button and sees the hold in the console, the
// API and strata apply, and resumes it.
func TestConsoleInBrowser(t *testing.T) {
	ctx := browser(t)
	shots := t.TempDir()
	c := newConfigRepo(t)
	c.tenant("alpha", "labels: { tier: gold, region: eu }\n")
	c.tenant("beta", "wave: 1\nlabels: { tier: free }\n")
	c.tenant("gamma", "wave: 1\nmodules: [events]\n")
	c.write("tenants/beta/001_nickname.sql", "ALTER TABLE members ADD COLUMN nickname VARCHAR(50) NULL;\n")
	c0 := c.commit("three tenants in two waves")
	const token = "console-test-token"
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte(token+"\n"), 0o600))
	p := startDaemon(t, strataBin, c, "--token-file", tokenFile, "--drift-interval", "1h")
	base := "http://" + p.addr
	waitConverged := func(commit string, names ...string) {
		t.Helper()
		for _, name := range names {
			waitFor(t, p, name+" at "+commit[:8], func() (bool, string) {
				var pg httpapi.TenantPage
				apiGet(t, p, token, "/api/v1/tenants/"+name, &pg)
				if pg.Tenant == nil || pg.Daemon == nil {
					return false, "no record"
				}
				return pg.Tenant.LastAttemptedCommit == commit && !pg.Daemon.InFlight && pg.Daemon.Last != nil && pg.Daemon.Last.Commit == commit,
					fmt.Sprintf("%s %s", pg.Tenant.Status, pg.Tenant.LastError)
			})
		}
	}
	waitConverged(c0, "alpha", "beta", "gamma")

	// The pages need the token: a browser without a session is sent to log in.
	do(t, ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`input[name=token]`),
		chromedp.SendKeys(`input[name=token]`, "wrong"),
		chromedp.Submit(`input[name=token]`),
		chromedp.WaitVisible(`p.error`),
		chromedp.SendKeys(`input[name=token]`, token),
		chromedp.Submit(`input[name=token]`),
		chromedp.WaitVisible(`#tenants`),
	)
	text := textOf(t, ctx, `main`)
	assert.Regexp(t, `Rollout (finished|complete)`, text)
	assert.Contains(t, text, "3 converged")
	assert.Contains(t, text, "wave 0")
	assert.Contains(t, text, "1/1 converged")
	assert.Contains(t, text, "2/2 converged")
	assert.Contains(t, text, "3 of 3 tenants")
	assert.Contains(t, text, c0[:8])
	assert.Contains(t, text, "tier=gold")

	// A blocked drop, a failure (a unique index over duplicate rows made by
	// hand) and a hand-made drift.
	c.remove("tenants/beta/001_nickname.sql")
	_, err := c.db.Exec("INSERT INTO `" + c.database("gamma") + "`.members (name) VALUES ('dup'), ('dup')")
	require.NoError(t, err)
	c.write("tenants/gamma/001_unique.sql", "CREATE UNIQUE INDEX members_name ON members (name);\n")
	c1 := c.commit("beta drops nickname; gamma: unique member names")
	waitConverged(c1, "alpha", "beta", "gamma")
	_, err = c.db.Exec("ALTER TABLE `" + c.database("alpha") + "`.members ADD COLUMN fax VARCHAR(30) NULL")
	require.NoError(t, err)
	do(t, ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Click(`#sweep`),
		chromedp.WaitVisible(`.flash`),
	)
	waitFor(t, p, "alpha drifted", func() (bool, string) {
		var pg httpapi.TenantPage
		apiGet(t, p, token, "/api/v1/tenants/alpha", &pg)
		return pg.Drift != nil, fmt.Sprintf("%+v", pg.Tenant)
	})
	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible(`#tenants`))
	text = textOf(t, ctx, `main`)
	assert.Contains(t, text, "1 blocked")
	assert.Contains(t, text, "1 failed")
	assert.Contains(t, text, "1 drifted")
	assert.Regexp(t, `1 drift (low|medium|high|critical)`, text)
	savePNG(t, ctx, shots, "fleet.png")
	if os.Getenv(envScreenshot) == "1" {
		data, err := os.ReadFile(filepath.Join(shots, "fleet.png"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join("..", "..", "docs", "img", "fleet.png"), data, 0o644))
	}

	// Filter and sort, server-side.
	do(t, ctx, chromedp.Navigate(base+"/?status=failed"))
	text = textOf(t, ctx, `#tenants`)
	assert.Contains(t, text, "gamma")
	assert.NotContains(t, text, "alpha")
	do(t, ctx, chromedp.Navigate(base+"/?label=tier%3Dgold"))
	text = textOf(t, ctx, `#tenants`)
	assert.Contains(t, text, "alpha")
	assert.NotContains(t, text, "beta")
	do(t, ctx, chromedp.Navigate(base+"/?module=events&sort=name&dir=desc"))
	text = textOf(t, ctx, `#tenants`)
	assert.Contains(t, text, "gamma")
	assert.NotContains(t, text, "alpha")
	var order string
	do(t, ctx, chromedp.Navigate(base+"/?sort=name&dir=desc"))
	order = textOf(t, ctx, `#tenants tbody tr:first-child td:first-child`)
	assert.Equal(t, "gamma", strings.TrimSpace(order))

	// Tenant pages: the blocked statement with its approval line and file,
	// the failure, the drift.
	do(t, ctx, chromedp.Navigate(base+"/tenants/beta"), chromedp.WaitVisible(`#plan`))
	text = textOf(t, ctx, `main`)
	assert.Contains(t, text, "blocked")
	assert.Contains(t, text, `- "DROP COLUMN members.nickname"`)
	assert.Contains(t, text, "tenants/beta/tenant.yaml")
	assert.Contains(t, text, "template club version 1.0.0")
	assert.Contains(t, textContent(t, ctx, `#history`), "`nickname` varchar(50)", "the history shows the run that made the column")
	assert.Contains(t, text, "basic/seed/001_admin.sql")
	assert.Contains(t, text, "strata credentials beta")
	assert.NotContains(t, text, testSecretKey)
	savePNG(t, ctx, shots, "tenant-blocked.png")

	do(t, ctx, chromedp.Navigate(base+"/tenants/gamma"), chromedp.WaitVisible(`#history`))
	text = textOf(t, ctx, `main`)
	assert.Contains(t, text, "failed")
	assert.Contains(t, text, "Duplicate entry")
	assert.Contains(t, text, "ADD UNIQUE INDEX `members_name`")
	assert.Contains(t, text, "tenants/gamma/001_unique.sql")
	assert.Contains(t, text, "module events")
	assert.Contains(t, text, c1[:8])
	savePNG(t, ctx, shots, "tenant-failed.png")

	do(t, ctx, chromedp.Navigate(base+"/tenants/alpha"), chromedp.WaitVisible(`#drift`))
	text = textOf(t, ctx, `#drift`)
	assert.Contains(t, text, "fax")
	assert.NotContains(t, text, "No open drift")

	// Pause alpha with the button: paused in the console, the API, the
	// landlord, and strata apply leaves it alone.
	do(t, ctx,
		chromedp.SendKeys(`input[name=reason]`, "migrating its data"),
		chromedp.Click(`#pause`),
		chromedp.WaitVisible(`#paused`),
	)
	text = textOf(t, ctx, `main`)
	assert.Contains(t, text, "migrating its data")
	assert.Contains(t, text, "paused: strata leaves alpha as it is")
	savePNG(t, ctx, shots, "tenant-paused.png")
	var pg httpapi.TenantPage
	require.Equal(t, 200, apiGet(t, p, token, "/api/v1/tenants/alpha", &pg))
	require.NotNil(t, pg.Daemon)
	require.NotNil(t, pg.Daemon.Hold)
	assert.Equal(t, "migrating its data", pg.Daemon.Hold.Reason)
	do(t, ctx, chromedp.Navigate(base+"/?status=paused"))
	text = textOf(t, ctx, `#tenants`)
	assert.Contains(t, text, "alpha")
	assert.NotContains(t, text, "beta")
	code, out, errOut := runBinEnv(t, []string{"STRATA_SECRET_KEY=" + testSecretKey}, "apply", "--repo", c.dir, "--tenant", "alpha")
	assert.Equal(t, 0, code, "%s\n%s", out, errOut)
	assert.Contains(t, out, "alpha: held")
	assert.Contains(t, c.columns("alpha"), "members.fax", "a paused tenant keeps its drift")
	code, out, errOut = runBinEnv(t, nil, "status", "--repo", c.dir)
	assert.Equal(t, 0, code, "%s\n%s", out, errOut)
	assert.Contains(t, out, "Paused: alpha")

	// Resume: the daemon converges it again (the drift strategy decides what
	// becomes of fax); the hold is gone everywhere.
	do(t, ctx, chromedp.Navigate(base+"/tenants/alpha"), chromedp.Click(`#resume`), chromedp.WaitVisible(`#pause`))
	text = textOf(t, ctx, `main`)
	assert.Contains(t, text, "resumed")
	var resumed httpapi.TenantPage // fresh: decoding into pg would keep its hold
	require.Equal(t, 200, apiGet(t, p, token, "/api/v1/tenants/alpha", &resumed))
	assert.Nil(t, resumed.Daemon.Hold)
	var n int
	require.NoError(t, c.db.QueryRow("SELECT COUNT(*) FROM `"+c.ll+"`.holds").Scan(&n))
	assert.Zero(t, n)

	// strata pause from a terminal: the running daemon reads the hold at its
	// next sync, and the console shows it.
	code, out, errOut = runBinEnv(t, nil, "pause", "--repo", c.dir, "--tenant", "beta", "--reason", "from the CLI")
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	assert.Equal(t, "beta: paused\n", out)
	waitFor(t, p, "the daemon sees beta paused", func() (bool, string) {
		var pg httpapi.TenantPage
		apiGet(t, p, token, "/api/v1/tenants/beta", &pg)
		return pg.Daemon != nil && pg.Daemon.Hold != nil, "no hold"
	})
	do(t, ctx, chromedp.Navigate(base+"/tenants/beta"), chromedp.WaitVisible(`#paused`))
	assert.Contains(t, textOf(t, ctx, `.hold`), "from the CLI")
	code, out, errOut = runBinEnv(t, nil, "resume", "--repo", c.dir, "--tenant", "beta")
	require.Equal(t, 0, code, "%s\n%s", out, errOut)
	assert.Equal(t, "beta: resumed\n", out)
	waitFor(t, p, "the daemon sees beta resumed", func() (bool, string) {
		var pg httpapi.TenantPage
		apiGet(t, p, token, "/api/v1/tenants/beta", &pg)
		return pg.Daemon != nil && pg.Daemon.Hold == nil, "still held"
	})
	st := landlord.StatusActive // beta stays active (blocked), not failed, through the hold
	var got string
	require.NoError(t, c.db.QueryRow("SELECT status FROM `"+c.ll+"`.tenants WHERE name = 'beta'").Scan(&got))
	assert.Equal(t, string(st), got)
}

// TestConsoleRefusesCrossSite: an action needs the token, the CSRF token and
// this origin; reading needs the token too.
func TestConsoleRefusesCrossSite(t *testing.T) {
	c := newConfigRepo(t)
	c.tenant("alpha", "")
	c.commit("one tenant")
	tokenFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokenFile, []byte("tok\n"), 0o600))
	p := startDaemon(t, strataBin, c, "--token-file", tokenFile, "--drift-interval", "1h")
	base := "http://" + p.addr
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, hdr map[string]string, form string) int {
		req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := noRedirect.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	// Log in for a session cookie.
	req, _ := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader("token=tok&next=/"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "strata_session" {
			session = ck
		}
	}
	require.NotNil(t, session)
	assert.True(t, session.HttpOnly)
	assert.Equal(t, http.SameSiteStrictMode, session.SameSite)
	assert.NotContains(t, session.Value, "tok")
	cookie := session.Name + "=" + session.Value
	// The CSRF token the pages carry.
	req, _ = http.NewRequest(http.MethodGet, base+"/", nil)
	req.Header.Set("Cookie", cookie)
	resp, err = noRedirect.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "%s", body)
	i := strings.Index(string(body), `name="csrf" value="`)
	require.Positive(t, i)
	csrf := string(body[i+len(`name="csrf" value="`):])
	csrf = csrf[:strings.IndexByte(csrf, '"')]

	tests := []struct {
		name string
		hdr  map[string]string
		form string
		code int
	}{
		{"no session", map[string]string{"Origin": base}, "csrf=" + csrf, 401},
		{"no csrf token", map[string]string{"Cookie": cookie, "Origin": base}, "", 403},
		{"wrong csrf token", map[string]string{"Cookie": cookie, "Origin": base}, "csrf=x" + csrf, 403},
		{"other origin", map[string]string{"Cookie": cookie, "Origin": "http://evil.example"}, "csrf=" + csrf, 403},
		{"cross-site fetch", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site"}, "csrf=" + csrf, 403},
		{"wrong bearer", map[string]string{"Authorization": "Bearer nope"}, "", 401},
		{"bearer", map[string]string{"Authorization": "Bearer tok"}, "", 303},
		{"session, csrf and origin", map[string]string{"Cookie": cookie, "Origin": base}, "csrf=" + csrf, 303},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.code, post("/sweep", tt.hdr, tt.form))
		})
	}
	// Reading needs the token as well; the login keeps its redirect on this site.
	resp, err = noRedirect.Get(base + "/tenants/alpha")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusSeeOther, resp.StatusCode)
	assert.Equal(t, "/login?next=%2Ftenants%2Falpha", resp.Header.Get("Location"))
	req, _ = http.NewRequest(http.MethodPost, base+"/login", strings.NewReader("token=tok&next=//evil.example/"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = noRedirect.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, "/", resp.Header.Get("Location"))
}

// savePNG saves a full-page screenshot of the current page in dir.
func savePNG(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
	t.Logf("screenshot %s", filepath.Join(dir, name))
}

// textOf returns the visible text of the first element sel matches.
func textOf(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	require.NoError(t, err, "text of %s", sel)
	return s
}

// textContent returns all the text under sel, collapsed details included.
func textContent(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.TextContent(sel))
	require.NoError(t, err, "text of %s", sel)
	return s
}

// do runs browser steps, for at most 30s; on failure it saves a screenshot
// and fails with the page's text.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		dir := t.TempDir()
		savePNG(t, ctx, dir, "failed.png")
		body, _ := chromedp.Run(ctx, chromedp.Text("body"))
		t.Fatalf("browser: %v\npage text:\n%s", err, body)
	}
}
