package daemon

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/stratadb/strata/reconciler/notify"
)

// describing is a Registerer that also records the name of every metric
// registered through it, labelled or not, sampled or not.
type describing struct {
	prometheus.Registerer
	names map[string]bool
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

func (r *describing) Register(c prometheus.Collector) error {
	ch := make(chan *prometheus.Desc, 64)
	go func() { c.Describe(ch); close(ch) }()
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			r.names[m[1]] = true
		}
	}
	return r.Registerer.Register(c)
}

func (r *describing) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := r.Register(c); err != nil {
			panic(err)
		}
	}
}

// The alert rules and the Grafana dashboard of examples/monitoring use
// only metrics strata exports: those a daemon (and its notifier) registers,
// as `strata run` registers them; a histogram's _bucket/_sum/_count too.
// Every alert the issue asks for is there.
func TestMonitoringExamples(t *testing.T) {
	reg := &describing{Registerer: prometheus.NewRegistry(), names: map[string]bool{}}
	h := newHarness(t, Options{Metrics: NewMetrics(reg), Notify: notify.New(notify.Options{Metrics: notify.NewMetrics(reg)})}, "a")
	h.d.sync(context.Background())
	h.applyAll()
	exported := reg.names
	require.True(t, exported["strata_ready"], "the daemon registers strata_ready")
	require.True(t, exported["strata_reconciles_total"])
	for name := range maps.Clone(exported) {
		if strings.HasSuffix(name, "_seconds") && strings.Contains(name, "duration") {
			for _, s := range []string{"_bucket", "_sum", "_count"} {
				exported[name+s] = true
			}
		}
	}

	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert, Expr string
			}
		}
	}
	b, err := os.ReadFile("../../examples/monitoring/alerts.yaml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(b, &rules))
	var alerts []string
	exprs := map[string]string{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			exprs["alert "+r.Alert] = r.Expr
		}
	}
	for _, want := range []string{"StrataTenantFailed", "StrataDriftHigh", "StrataRolloutHalted", "StrataConfigInvalid", "StrataNotReady"} {
		assert.Contains(t, alerts, want)
	}

	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	b, err = os.ReadFile("../../examples/monitoring/grafana-dashboard.json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &dash))
	require.NotEmpty(t, dash.Panels)
	for _, p := range dash.Panels {
		require.NotEmpty(t, p.Targets, p.Title)
		for i, tg := range p.Targets {
			exprs["panel "+p.Title+" #"+string(rune('A'+i))] = tg.Expr
		}
	}

	used := 0
	for where, expr := range exprs {
		names := metricNames(expr)
		require.NotEmpty(t, names, "%s: %s uses no metric", where, expr)
		for _, n := range names {
			used++
			assert.True(t, exported[n], "%s uses %s, which strata does not export (%s)", where, n, expr)
		}
	}
	t.Logf("%d expressions, %d metric uses, %d metrics exported", len(exprs), used, len(exported))
}

var (
	promStrings  = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	promMatchers = regexp.MustCompile(`\{[^}]*\}`)
	promRanges   = regexp.MustCompile(`\[[^\]]*\]`)
	promGrouping = regexp.MustCompile(`\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`)
	promIdent    = regexp.MustCompile(`[A-Za-z_:][A-Za-z0-9_:]*(\s*\()?`)
	promKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "offset": true, "by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "inf": true, "nan": true}
)

// metricNames returns the metric names a PromQL expression selects: the
// identifiers left once strings, label matchers, ranges and groupings are
// removed that are neither functions (followed by "(") nor keywords.
func metricNames(expr string) []string {
	e := promStrings.ReplaceAllString(expr, `""`)
	e = promMatchers.ReplaceAllString(e, " ")
	e = promRanges.ReplaceAllString(e, " ")
	e = promGrouping.ReplaceAllString(e, " ")
	seen := map[string]bool{}
	var out []string
	for _, m := range promIdent.FindAllString(e, -1) {
		if strings.HasSuffix(m, "(") || promKeywords[strings.ToLower(m)] || seen[m] {
			continue
		}
		seen[m] = true
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// The expression scanner finds metrics, not functions, labels or keywords.
func TestMetricNames(t *testing.T) {
	got := metricNames(`histogram_quantile(0.95, sum by (le) (rate(strata_reconcile_duration_seconds_bucket{outcome="failed"}[5m]))) > 0 or max(strata_tenants{status=~"a|b"}) unless on (x) time() - up`)
	assert.Equal(t, []string{"strata_reconcile_duration_seconds_bucket", "strata_tenants", "up"}, got)
}
