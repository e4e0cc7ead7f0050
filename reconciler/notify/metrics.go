package notify

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the notifier's Prometheus collectors.
type Metrics struct {
	// Notifications counts messages by receiver and result: sent, failed
	// (given up), dropped (events a full queue refused).
	Notifications *prometheus.CounterVec
}

// NewMetrics makes the notifier's collectors and registers them with reg
// (nil registers nothing).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "strata_notifications_total", Help: "Notification messages by receiver and result (sent, failed: given up after retries, dropped: events a full receiver queue refused).",
		}, []string{"receiver", "result"}),
	}
	if reg != nil {
		reg.MustRegister(m.Notifications)
	}
	return m
}
