package metrics

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage/redistest"
)

// value finds one sample in a gathered registry by name and labels.
func value(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func TestHooksMoveCounters(t *testing.T) {
	m := New()
	h := m.Hooks()
	h.Inbound("whatsapp")
	h.Inbound("whatsapp")
	h.Outbound("sms", "delivered")
	h.Outbound("sms", "retry")
	h.Outbound("sms", "failed")
	h.StepLatency(300 * time.Microsecond)
	h.Batch("worker", 16)
	h.Blocked("window")
	h.Action(dialogs.ActHandoff, dialogs.ReasonDistress)
	h.Action(dialogs.ActOptOut, "Para de me mandar mensagem, meu CPF é 529.982.247-25")
	h.Action(dialogs.ActRecordPromise, "")
	h.Action(dialogs.ActCreateAgreement, "")
	h.Action(dialogs.ActHandoff, "Free text with Spaces")

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"quita_inbound_messages_total", map[string]string{"channel": "whatsapp"}, 2},
		{"quita_outbound_messages_total", map[string]string{"channel": "sms", "status": "delivered"}, 1},
		{"quita_provider_errors_total", map[string]string{"channel": "sms", "kind": "retry"}, 1},
		{"quita_provider_errors_total", map[string]string{"channel": "sms", "kind": "failed"}, 1},
		{"quita_dialog_step_seconds", nil, 1},
		{"quita_batch_size", map[string]string{"role": "worker"}, 1},
		{"quita_compliance_blocks_total", map[string]string{"reason": "window"}, 1},
		{"quita_handoffs_total", map[string]string{"reason": "distress"}, 1},
		{"quita_handoffs_total", map[string]string{"reason": "other"}, 1},
		{"quita_opt_outs_total", nil, 1},
		{"quita_promises_total", nil, 1},
		{"quita_agreements_total", nil, 1},
		{"quita_dialog_actions_total", map[string]string{"kind": "opt_out"}, 1},
	} {
		if got, ok := value(t, m.Registry, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// The opt-out's words (with a CPF) must never reach a label.
	fams, _ := m.Registry.Gather()
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if strings.Contains(l.GetValue(), "529") || strings.Contains(l.GetValue(), " ") {
					t.Errorf("label %s=%q of %s carries free text", l.GetName(), l.GetValue(), f.GetName())
				}
			}
		}
	}
}

func TestQueuesReadDepthAndLagFromRedis(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	in, out, retry := r.Prefix+":in", r.Prefix+":out", r.Prefix+":out:retry"
	rdb := r.Client
	if err := rdb.XGroupCreateMkStream(ctx, in, "workers", "0").Err(); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-90 * time.Second).UnixMilli()
	for i := range 3 {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: in, ID: itoa(old+int64(i)) + "-0", Values: []any{"c", "+5511987650001"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// One consumer takes two of the three: pending 2, waiting 1.
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "w1", Streams: []string{in, ">"}, Count: 2}).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.ZAdd(ctx, retry, redis.Z{Score: float64(time.Now().Add(-5 * time.Second).UnixMilli()), Member: "a"},
		redis.Z{Score: float64(time.Now().Add(time.Hour).UnixMilli()), Member: "b"})

	q := NewQueues(rdb, []Stream{{Name: "in", Key: in, Group: "workers"}, {Name: "out", Key: out, Group: "senders"}}, retry,
		func() []ChannelState { return []ChannelState{{Name: "sms", State: "configured", Ready: true}} })
	reg := prometheus.NewRegistry()
	reg.MustRegister(q)
	check := func(name string, labels map[string]string, lo, hi float64) {
		t.Helper()
		got, ok := value(t, reg, name, labels)
		if !ok || got < lo || got > hi {
			t.Errorf("%s%v = %v (found %v), want in [%v, %v]", name, labels, got, ok, lo, hi)
		}
	}
	check("quita_queue_length", map[string]string{"stream": "in"}, 3, 3)
	check("quita_queue_pending", map[string]string{"stream": "in"}, 2, 2)
	check("quita_queue_oldest_age_seconds", map[string]string{"stream": "in"}, 85, 3600)
	check("quita_queue_oldest_pending_age_seconds", map[string]string{"stream": "in"}, 85, 3600)
	check("quita_queue_length", map[string]string{"stream": "out"}, 0, 0) // missing stream and group: zero, not an error
	check("quita_outbound_retry_waiting", nil, 2, 2)
	check("quita_outbound_retry_overdue_seconds", nil, 4, 3600)
	check("quita_redis_up", nil, 1, 1)
	check("quita_channel_ready", map[string]string{"channel": "sms", "state": "configured"}, 1, 1)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
