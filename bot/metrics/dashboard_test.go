package metrics

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quita-bot/quita/dialogs"
)

// TestDashboardUsesKnownMetrics keeps deploy/grafana-dashboard.json in step
// with the collectors: every quita_* name it queries must exist.
func TestDashboardUsesKnownMetrics(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	known := knownMetrics(t)
	used := regexp.MustCompile(`\b(quita_[a-z_]+|process_[a-z_]+)`).FindAllString(string(raw), -1)
	if len(used) < 10 {
		t.Fatalf("dashboard queries only %d metrics", len(used))
	}
	for _, name := range used {
		if !known[metricBase(name)] {
			t.Errorf("dashboard queries %s, which no collector exports", name)
		}
	}
}

// knownMetrics is every metric name quita exports: the registry's (after
// each hook ran once, so that every vector has a series) and the Queues
// collector's.
func knownMetrics(t *testing.T) map[string]bool {
	t.Helper()
	m := New()
	h := m.Hooks()
	h.Inbound("sms")
	h.Outbound("sms", "failed")
	h.StepLatency(time.Millisecond)
	h.Batch("worker", 4)
	h.Blocked("window")
	m.ObserveWebhook("/webhooks/twilio", 200, time.Millisecond)
	for _, k := range []dialogs.ActionKind{dialogs.ActHandoff, dialogs.ActOptOut, dialogs.ActRecordPromise, dialogs.ActCreateAgreement} {
		h.Action(k, "x")
	}
	known := map[string]bool{}
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		known[f.GetName()] = true
	}
	descs := make(chan *prometheus.Desc, 64)
	NewQueues(nil, Sources{}, nil).Describe(descs)
	Chatwoot{}.Describe(descs)
	close(descs)
	fq := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range descs {
		if s := fq.FindStringSubmatch(d.String()); s != nil {
			known[s[1]] = true
		}
	}
	return known
}

// metricBase strips a histogram's series suffix.
func metricBase(name string) string {
	for _, suffix := range []string{"_bucket", "_count", "_sum"} {
		name = strings.TrimSuffix(name, suffix)
	}
	return name
}
