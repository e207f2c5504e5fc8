package metrics

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
)

// Stream is one consumer-grouped stream whose depth and lag are reported.
type Stream struct {
	Name  string // label value: in, out, actions
	Key   string // Redis key
	Group string // consumer group
}

// ChannelState reports one channel's connection state (as /readyz shows it).
type ChannelState struct {
	Name  string
	State string
	Ready bool
}

// Queues reads queue depth and lag from Redis when Prometheus scrapes, so
// the figures are the shared queues' own, whichever process answers.
type Queues struct {
	rdb      redis.UniversalClient
	streams  []Stream
	retryKey string
	channels func() []ChannelState
	now      func() time.Time
	timeout  time.Duration

	length, pending, oldest, oldestPending, retry, retryOverdue, up, channelUp *prometheus.Desc
}

// NewQueues returns the collector; channels may be nil.
func NewQueues(rdb redis.UniversalClient, streams []Stream, retryKey string, channels func() []ChannelState) *Queues {
	return &Queues{rdb: rdb, streams: streams, retryKey: retryKey, channels: channels, now: time.Now, timeout: 2 * time.Second,
		length:  prometheus.NewDesc("quita_queue_length", "Entries in a stream (XLEN): waiting plus in flight; acknowledged entries are deleted.", []string{"stream"}, nil),
		pending: prometheus.NewDesc("quita_queue_pending", "Entries delivered to a consumer and not yet acknowledged (XPENDING).", []string{"stream"}, nil),
		oldest: prometheus.NewDesc("quita_queue_oldest_age_seconds",
			"Age of the oldest entry still in a stream: the queue's lag (0 when empty).", []string{"stream"}, nil),
		oldestPending: prometheus.NewDesc("quita_queue_oldest_pending_age_seconds",
			"Age of the oldest delivered but unacknowledged entry (0 when none).", []string{"stream"}, nil),
		retry:        prometheus.NewDesc("quita_outbound_retry_waiting", "Outbound messages waiting for a retry or an allowed moment (ZCARD out:retry).", nil, nil),
		retryOverdue: prometheus.NewDesc("quita_outbound_retry_overdue_seconds", "How late the most overdue retry is (0 when none is due).", nil, nil),
		up:           prometheus.NewDesc("quita_redis_up", "1 when the queue figures could be read from Redis at this scrape.", nil, nil),
		channelUp: prometheus.NewDesc("quita_channel_ready", "1 when a channel is connected and ready (as /readyz reports it).",
			[]string{"channel", "state"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (q *Queues) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{q.length, q.pending, q.oldest, q.oldestPending, q.retry, q.retryOverdue, q.up, q.channelUp} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one pipelined round trip.
func (q *Queues) Collect(ch chan<- prometheus.Metric) {
	if q.channels != nil {
		for _, c := range q.channels() {
			ch <- prometheus.MustNewConstMetric(q.channelUp, prometheus.GaugeValue, b2f(c.Ready), label(c.Name), label(c.State))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
	defer cancel()
	pipe := q.rdb.Pipeline()
	type cmds struct {
		xlen    *redis.IntCmd
		pending *redis.XPendingCmd
		first   *redis.XMessageSliceCmd
	}
	cs := make([]cmds, len(q.streams))
	for i, s := range q.streams {
		cs[i] = cmds{pipe.XLen(ctx, s.Key), pipe.XPending(ctx, s.Key, s.Group), pipe.XRangeN(ctx, s.Key, "-", "+", 1)}
	}
	zcard := pipe.ZCard(ctx, q.retryKey)
	due := pipe.ZRangeWithScores(ctx, q.retryKey, 0, 0)
	_, _ = pipe.Exec(ctx) // each command's error is checked below: a missing group is not a failure
	now := q.now()
	ok := zcard.Err() == nil
	for i, s := range q.streams {
		c := cs[i]
		if c.xlen.Err() != nil {
			ok = false
			continue
		}
		ch <- prometheus.MustNewConstMetric(q.length, prometheus.GaugeValue, float64(c.xlen.Val()), s.Name)
		var pend, pendAge float64
		if p, err := c.pending.Result(); err == nil {
			pend = float64(p.Count)
			if p.Count > 0 {
				pendAge = age(p.Lower, now)
			}
		} else if !isNoGroup(err) {
			ok = false
		}
		ch <- prometheus.MustNewConstMetric(q.pending, prometheus.GaugeValue, pend, s.Name)
		ch <- prometheus.MustNewConstMetric(q.oldestPending, prometheus.GaugeValue, pendAge, s.Name)
		var oldest float64
		if msgs, err := c.first.Result(); err == nil && len(msgs) > 0 {
			oldest = age(msgs[0].ID, now)
		}
		ch <- prometheus.MustNewConstMetric(q.oldest, prometheus.GaugeValue, oldest, s.Name)
	}
	if zcard.Err() == nil {
		ch <- prometheus.MustNewConstMetric(q.retry, prometheus.GaugeValue, float64(zcard.Val()))
		var overdue float64
		if zs, err := due.Result(); err == nil && len(zs) > 0 {
			overdue = max(0, now.Sub(time.UnixMilli(int64(zs[0].Score))).Seconds())
		}
		ch <- prometheus.MustNewConstMetric(q.retryOverdue, prometheus.GaugeValue, overdue)
	}
	ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, b2f(ok))
}

// age is how old a stream entry id ("<ms>-<seq>") is.
func age(id string, now time.Time) float64 {
	ms, _, _ := strings.Cut(id, "-")
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return 0
	}
	return max(0, now.Sub(time.UnixMilli(n)).Seconds())
}

func isNoGroup(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOGROUP") }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
