package metrics

import "github.com/prometheus/client_golang/prometheus"

// ChatwootFigures are the Chatwoot bridge's figures at scrape time.
type ChatwootFigures struct {
	Errors     float64 // errors this process counted talking to Chatwoot or applying its webhooks
	LagSeconds float64 // how long the oldest conversation with mirroring work has waited
}

// Chatwoot exports the Chatwoot bridge (package chatwoot): nothing when
// Read is nil or reports the bridge off.
type Chatwoot struct {
	Read func() (ChatwootFigures, bool)
}

var (
	chatwootErrors = prometheus.NewDesc("quita_chatwoot_errors_total",
		"Errors talking to Chatwoot or applying its webhooks; each is retried (quita status, RUNBOOK.md#quitachatwootfailing).", nil, nil)
	chatwootLag = prometheus.NewDesc("quita_chatwoot_mirror_lag_seconds",
		"How long the oldest conversation with mirroring work has waited to reach Chatwoot (0: caught up).", nil, nil)
)

// Describe implements prometheus.Collector.
func (Chatwoot) Describe(ch chan<- *prometheus.Desc) {
	ch <- chatwootErrors
	ch <- chatwootLag
}

// Collect implements prometheus.Collector.
func (c Chatwoot) Collect(ch chan<- prometheus.Metric) {
	if c.Read == nil {
		return
	}
	f, ok := c.Read()
	if !ok {
		return
	}
	ch <- prometheus.MustNewConstMetric(chatwootErrors, prometheus.CounterValue, f.Errors)
	ch <- prometheus.MustNewConstMetric(chatwootLag, prometheus.GaugeValue, f.LagSeconds)
}
