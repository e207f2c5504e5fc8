// Package metrics exposes quita's pipeline to Prometheus: counters and a
// latency histogram fed by bot.Hooks, and gauges of queue depth and lag read
// from Redis at scrape time (so every process reports the shared queues).
package metrics

import (
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/dialogs"
)

// Metrics holds quita's collectors on their own registry.
type Metrics struct {
	Registry *prometheus.Registry

	inbound        *prometheus.CounterVec
	outbound       *prometheus.CounterVec
	stepLatency    prometheus.Histogram
	batchSize      *prometheus.HistogramVec
	blocked        *prometheus.CounterVec
	actions        *prometheus.CounterVec
	handoffs       *prometheus.CounterVec
	optOuts        prometheus.Counter
	promises       prometheus.Counter
	agreements     prometheus.Counter
	providerErrors *prometheus.CounterVec
	webhooks       *prometheus.HistogramVec
	smsSegments    *prometheus.CounterVec
}

// New builds the collectors and registers them, with the Go runtime and
// process collectors, on a fresh registry.
func New() *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry()}
	m.inbound = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "quita_inbound_messages_total", Help: "Inbound messages run through the dialog, by channel.",
	}, []string{"channel"})
	m.outbound = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "quita_outbound_messages_total",
		Help: "Outbound message status changes by channel and status (sent, delivered, read, failed, retry…).",
	}, []string{"channel", "status"})
	m.stepLatency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "quita_dialog_step_seconds", Help: "Time of one dialogs.Step (pure engine and classifier).",
		Buckets: []float64{.00001, .000025, .00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .1},
	})
	m.batchSize = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "quita_batch_size",
		Help:    "Conversations a worker (role=worker), messages a sender (role=sender) or webhooks an accept (role=accept) took at once; batches grow when the pipeline falls behind.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
	}, []string{"role"})
	m.blocked = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "quita_compliance_blocks_total",
		Help: "Outbound messages the compliance gate deferred or refused, by reason.",
	}, []string{"reason"})
	m.actions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "quita_dialog_actions_total", Help: "Dialog actions committed, by kind.",
	}, []string{"kind"})
	m.handoffs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "quita_handoffs_total", Help: "Conversations handed to a person, by reason.",
	}, []string{"reason"})
	m.optOuts = prometheus.NewCounter(prometheus.CounterOpts{Name: "quita_opt_outs_total", Help: "Opt-outs recorded."})
	m.promises = prometheus.NewCounter(prometheus.CounterOpts{Name: "quita_promises_total", Help: "Promises to pay recorded."})
	m.agreements = prometheus.NewCounter(prometheus.CounterOpts{Name: "quita_agreements_total", Help: "Payment agreements created."})
	m.providerErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "quita_provider_errors_total",
		Help: "Provider failures by channel and kind: retry (transient, will retry), failed, undelivered.",
	}, []string{"channel", "kind"})
	m.webhooks = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "quita_webhook_seconds",
		Help: "Time from a provider's webhook request to quita's answer, by route and HTTP status: what the provider waits for (target p99 <= 20 ms).",
		// around the 20 ms target, up to the 15 s after which Twilio gives up
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 15},
	}, []string{"route", "code"})
	m.smsSegments = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "quita_sms_segments_total",
		Help: "SMS segments the provider accepted (what an SMS is billed by), by creditor and encoding (gsm7 | ucs2).",
	}, []string{"creditor", "encoding"})
	m.Registry.MustRegister(m.inbound, m.outbound, m.stepLatency, m.batchSize, m.blocked, m.actions, m.handoffs,
		m.optOuts, m.promises, m.agreements, m.providerErrors, m.webhooks, m.smsSegments,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Hooks feeds the collectors from the pipeline (bot.Bot.SetHooks).
func (m *Metrics) Hooks() bot.Hooks {
	return bot.Hooks{
		Inbound:     func(channel string) { m.inbound.WithLabelValues(label(channel)).Inc() },
		Outbound:    m.observeOutbound,
		StepLatency: func(d time.Duration) { m.stepLatency.Observe(d.Seconds()) },
		Batch:       func(role string, n int) { m.batchSize.WithLabelValues(role).Observe(float64(n)) },
		Blocked:     func(reason string) { m.blocked.WithLabelValues(label(reason)).Inc() },
		Action:      m.observeAction,
		SMSSegments: func(creditor, encoding string, n int) {
			m.smsSegments.WithLabelValues(label(creditor), label(encoding)).Add(float64(n))
		},
	}
}

// ObserveWebhook records one webhook's answer time. route is the pattern
// that answered (a few fixed paths), never a raw path.
func (m *Metrics) ObserveWebhook(route string, status int, d time.Duration) {
	m.webhooks.WithLabelValues(route, strconv.Itoa(status)).Observe(d.Seconds())
}

func (m *Metrics) observeOutbound(channel, status string) {
	channel, status = label(channel), label(status)
	m.outbound.WithLabelValues(channel, status).Inc()
	switch status {
	case "retry", "failed", "undelivered":
		m.providerErrors.WithLabelValues(channel, status).Inc()
	}
}

func (m *Metrics) observeAction(kind dialogs.ActionKind, reason string) {
	m.actions.WithLabelValues(label(string(kind))).Inc()
	switch kind {
	case dialogs.ActHandoff:
		m.handoffs.WithLabelValues(label(reason)).Inc()
	case dialogs.ActOptOut:
		// Reason is the debtor's own words: never a label (PII, unbounded).
		m.optOuts.Inc()
	case dialogs.ActRecordPromise:
		m.promises.Inc()
	case dialogs.ActCreateAgreement:
		m.agreements.Inc()
	}
}

var identifier = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,39}$`)

// label keeps label values to short identifiers, so that free text (a
// debtor's words, an error message) never becomes a time series.
func label(s string) string {
	if s == "" {
		return "none"
	}
	if identifier.MatchString(s) {
		return s
	}
	return "other"
}
