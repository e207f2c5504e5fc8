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
	"github.com/quita-bot/quita/storage"
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
	h.SMSSegments("demo", "ucs2", 2)
	h.SMSSegments("demo", "ucs2", 1)
	h.SMSSegments("demo", "gsm7", 1)

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
		{"quita_sms_segments_total", map[string]string{"creditor": "demo", "encoding": "ucs2"}, 3},
		{"quita_sms_segments_total", map[string]string{"creditor": "demo", "encoding": "gsm7"}, 1},
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
	st := r.Store()
	k := st.Keys()
	rdb := r.Client
	now := time.Now().Truncate(time.Millisecond)
	if err := rdb.XGroupCreateMkStream(ctx, k.Inbound(), "workers", "0").Err(); err != nil {
		t.Fatal(err)
	}
	old := now.Add(-90 * time.Second).UnixMilli()
	for i := range 3 {
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: k.Inbound(), ID: itoa(old+int64(i)) + "-0", Values: []any{"c", "+5511987650001"}}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	// One consumer takes two of the three: pending 2, waiting 1.
	if err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "workers", Consumer: "w1", Streams: []string{k.Inbound(), ">"}, Count: 2}).Err(); err != nil {
		t.Fatal(err)
	}
	zadd := func(key string, at time.Time, member string) {
		t.Helper()
		if err := rdb.ZAdd(ctx, key, redis.Z{Score: float64(at.UnixMilli()), Member: member}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	zadd(k.OutboundRetry(), now.Add(-5*time.Second), "a")
	zadd(k.OutboundRetry(), now.Add(time.Hour), "b")
	// Reminders: two due (the older 40 minutes late), one tomorrow.
	zadd(k.Schedule(), now.Add(-40*time.Minute), "debt1")
	zadd(k.Schedule(), now.Add(-time.Second), "debt2")
	zadd(k.Schedule(), now.Add(24*time.Hour), "debt3")
	// Handoffs: an urgent one queued 10 minutes ago is served first, but the
	// normal one has waited 3 hours: the oldest wait is the normal one's.
	for conv, h := range map[string]struct {
		priority int
		since    time.Time
	}{"+5511900000001": {dialogs.PriorityUrgent, now.Add(-10 * time.Minute)}, "+5511900000002": {dialogs.PriorityNormal, now.Add(-3 * time.Hour)}} {
		if err := st.IndexHandoff(ctx, conv, storage.HandoffIndex{Status: "queued", Priority: h.priority, Since: h.since}, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.RPush(ctx, k.DeadLetters(), `{"conversation":"+5511987650001","raw":"{"}`, `{"conversation":"+5511987650002","raw":"x"}`).Err(); err != nil {
		t.Fatal(err)
	}

	q := NewQueues(rdb, SourcesFor(k), func() []ChannelState { return []ChannelState{{Name: "sms", State: "configured", Ready: true}} })
	q.now = func() time.Time { return now }
	reg := prometheus.NewRegistry()
	reg.MustRegister(q)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"quita_queue_length", map[string]string{"stream": "in"}, 3},
		{"quita_queue_pending", map[string]string{"stream": "in"}, 2},
		{"quita_queue_oldest_age_seconds", map[string]string{"stream": "in"}, 90},
		{"quita_queue_oldest_pending_age_seconds", map[string]string{"stream": "in"}, 90},
		{"quita_queue_length", map[string]string{"stream": "out"}, 0}, // missing stream and group: zero, not an error
		{"quita_queue_oldest_age_seconds", map[string]string{"stream": "actions"}, 0},
		{"quita_outbound_retry_waiting", nil, 2},
		{"quita_outbound_retry_overdue_seconds", nil, 5},
		{"quita_dead_letters", nil, 2},
		{"quita_reminders_due", nil, 2},
		{"quita_reminders_overdue_seconds", nil, 2400},
		{"quita_handoff_queue_length", nil, 2},
		{"quita_handoff_oldest_wait_seconds", nil, 3 * 3600},
		{"quita_redis_up", nil, 1},
		{"quita_channel_ready", map[string]string{"channel": "sms", "state": "configured"}, 1},
	} {
		if got, ok := value(t, reg, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
}

// With nothing waiting every age is 0, not the age of some old key.
func TestQueuesReportZeroWhenIdle(t *testing.T) {
	r := redistest.New(t)
	k := r.Store().Keys()
	zadd := redis.Z{Score: float64(time.Now().Add(time.Hour).UnixMilli()), Member: "later"}
	if err := r.Client.ZAdd(context.Background(), k.Schedule(), zadd).Err(); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewQueues(r.Client, SourcesFor(k), nil))
	for _, name := range []string{"quita_queue_oldest_age_seconds", "quita_outbound_retry_overdue_seconds", "quita_dead_letters",
		"quita_reminders_due", "quita_reminders_overdue_seconds", "quita_handoff_oldest_wait_seconds"} {
		if got, ok := value(t, reg, name, nil); !ok || got != 0 {
			t.Errorf("%s = %v (found %v), want 0", name, got, ok)
		}
	}
}

// An unreachable Redis reports quita_redis_up 0 and no queue figures, so
// that zeros never pass for an empty queue during an outage.
func TestQueuesWithoutRedisReportOnlyDown(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialerRetries: 1})
	defer rdb.Close()
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewQueues(rdb, SourcesFor(storage.Keys{Prefix: "quita"}), nil))
	if got, ok := value(t, reg, "quita_redis_up", nil); !ok || got != 0 {
		t.Errorf("quita_redis_up = %v (found %v), want 0", got, ok)
	}
	for _, name := range []string{"quita_queue_length", "quita_dead_letters", "quita_reminders_overdue_seconds"} {
		if got, ok := value(t, reg, name, nil); ok {
			t.Errorf("%s = %v reported while Redis is down", name, got)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
