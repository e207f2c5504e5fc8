package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Payments counts what package billing applies: each provider payment once,
// and the time from its notification to the debt settled (thanks queued).
type Payments struct {
	applied *prometheus.CounterVec
	settle  *prometheus.HistogramVec
}

// NewPayments registers the payment collectors on reg.
func NewPayments(reg prometheus.Registerer) *Payments {
	p := &Payments{
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quita_payments_total", Help: "Payments and refunds applied, once per provider payment id.",
		}, []string{"provider", "event"}),
		settle: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "quita_payment_settle_seconds", Help: "From a payment's notification to its debt settled and the thanks queued.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
		}, []string{"provider"}),
	}
	reg.MustRegister(p.applied, p.settle)
	return p
}

// Applied counts one payment event applied for the first time.
func (p *Payments) Applied(provider, event string) { p.applied.WithLabelValues(provider, event).Inc() }

// Settled observes one settlement.
func (p *Payments) Settled(provider string, d time.Duration) {
	p.settle.WithLabelValues(provider).Observe(d.Seconds())
}
