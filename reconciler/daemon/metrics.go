package daemon

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the daemon's Prometheus collectors.
type Metrics struct {
	Reconciles     *prometheus.CounterVec   // by outcome
	Duration       *prometheus.HistogramVec // by outcome
	Tenants        *prometheus.GaugeVec     // by landlord status, updated as each tenant finishes
	Waiting        *prometheus.GaugeVec     // tenants not converged, by class
	Drift          *prometheus.GaugeVec     // drifted tenants by severity
	AppliedCommit  *prometheus.GaugeVec     // 1 for the commit being converged to
	ConfigValid    prometheus.Gauge         // 0 while the newest commit is invalid
	InvalidCommits prometheus.Counter
	Fetches        prometheus.Counter
	FetchErrors    prometheus.Counter
	LastSync       prometheus.Gauge // unix time of the last successful sync
	Interrupted    prometheus.Counter
	ServerUp       *prometheus.GaugeVec // 0 while a database server is unreachable
	RolloutHalted  prometheus.Gauge     // 1 while the current commit's rollout is halted
	RolloutWave    prometheus.Gauge     // the wave the current commit's rollout is at

	reg prometheus.Registerer // where New registers strata_ready, read from the daemon
}

// NewMetrics makes the daemon's collectors and registers them with reg
// (a fresh registry per daemon in tests; nil registers nothing).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Reconciles: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_reconciles_total", Help: "Tenant applies by outcome (converged, blocked, failed, locked, suspended, decommissioned, skipped).",
		}, []string{"outcome"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "strata_reconcile_duration_seconds", Help: "Duration of one tenant apply.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
		}, []string{"outcome"}),
		Tenants: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "strata_tenants", Help: "Tenants by landlord status.",
		}, []string{"status"}),
		Waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "strata_tenants_waiting", Help: "Tenants of this shard not converged, by why (transient, stalled, blocked, waiting, locked).",
		}, []string{"class"}),
		Drift: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "strata_drift_tenants", Help: "Tenants with drift by severity, from the last drift sweep.",
		}, []string{"severity"}),
		AppliedCommit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "strata_applied_commit_info", Help: "1 for the config repo commit the daemon converges the fleet to (its newest valid commit), set when it loads the commit, before any tenant is applied at it.",
		}, []string{"commit", "pr"}),
		ConfigValid: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "strata_config_valid", Help: "1 when the newest commit of the config repo is valid, 0 while it is not (the last valid one is applied).",
		}),
		InvalidCommits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "strata_config_invalid_commits_total", Help: "Commits of the config repo that failed validation.",
		}),
		Fetches: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "strata_source_fetches_total", Help: "Syncs of the config repo.",
		}),
		FetchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "strata_source_fetch_errors_total", Help: "Syncs of the config repo that failed.",
		}),
		LastSync: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "strata_source_last_sync_timestamp_seconds", Help: "Unix time of the last successful sync of the config repo.",
		}),
		Interrupted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "strata_interrupted_runs_closed_total", Help: "Runs left running by a killed strata, closed as interrupted.",
		}),
		ServerUp: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "strata_server_up", Help: "0 while a database server (tenants', dev or landlord) does not answer the daemon's probe, 1 once it does again.",
		}, []string{"server"}),
		RolloutHalted: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "strata_rollout_halted", Help: "1 while the rollout of the commit being converged to is halted (a wave failed over rollout.max_failures; later waves stay at the previous commit), else 0.",
		}),
		RolloutWave: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "strata_rollout_wave", Help: "The wave (tenant.yaml wave:) the rollout of the commit being converged to is at.",
		}),
	}
	m.reg = reg
	if reg != nil {
		reg.MustRegister(m.Reconciles, m.Duration, m.Tenants, m.Waiting, m.Drift, m.AppliedCommit,
			m.ConfigValid, m.InvalidCommits, m.Fetches, m.FetchErrors, m.LastSync, m.Interrupted, m.ServerUp, m.RolloutHalted, m.RolloutWave)
	}
	return m
}
