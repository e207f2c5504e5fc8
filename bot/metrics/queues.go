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
	src      Sources
	channels func() []ChannelState
	now      func() time.Time
	timeout  time.Duration

	length, pending, oldest, oldestPending, retry, retryOverdue, up, channelUp *prometheus.Desc
	dead, remindersDue, remindersOverdue, handoffWaiting, handoffOldest        *prometheus.Desc
	redisCPU, redisMemory, redisMaxMemory, redisMemoryRatio                    *prometheus.Desc
	archiveLag, archiveBacklog                                                 *prometheus.Desc
}

// NewQueues returns the collector; channels may be nil.
func NewQueues(rdb redis.UniversalClient, src Sources, channels func() []ChannelState) *Queues {
	gauge := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	return &Queues{rdb: rdb, src: src, channels: channels, now: time.Now, timeout: 2 * time.Second,
		length:  gauge("quita_queue_length", "Entries in a stream (XLEN): waiting plus in flight; acknowledged entries are deleted.", "stream"),
		pending: gauge("quita_queue_pending", "Entries delivered to a consumer and not yet acknowledged (XPENDING).", "stream"),
		oldest: gauge("quita_queue_oldest_age_seconds",
			"Age of the oldest entry still in a stream: the queue's lag (0 when empty).", "stream"),
		oldestPending: gauge("quita_queue_oldest_pending_age_seconds",
			"Age of the oldest delivered but unacknowledged entry (0 when none).", "stream"),
		retry:        gauge("quita_outbound_retry_waiting", "Outbound messages waiting for a retry or an allowed moment (ZCARD out:retry)."),
		retryOverdue: gauge("quita_outbound_retry_overdue_seconds", "How late the most overdue retry is (0 when none is due)."),
		dead:         gauge("quita_dead_letters", "Inbound entries that could not be decoded and were moved aside (LLEN dead); an operator empties the list."),
		remindersDue: gauge("quita_reminders_due", "Debts whose reminder consideration is due and not yet claimed by a scheduler (ZCOUNT sched -inf now)."),
		remindersOverdue: gauge("quita_reminders_overdue_seconds",
			"How late the most overdue reminder consideration is (0 when none is due)."),
		handoffWaiting: gauge("quita_handoff_queue_length", "Conversations waiting for a person (ZCARD handoff:queue)."),
		handoffOldest: gauge("quita_handoff_oldest_wait_seconds",
			"How long the longest-waiting queued conversation has waited for a person (0 when none)."),
		up: gauge("quita_redis_up", "1 when the queue figures could be read from Redis at this scrape."),
		redisCPU: gauge("quita_redis_cpu_seconds_total",
			"CPU time of the Redis thread that runs every command, since the server started (INFO cpu): its rate near 1 is the service's ceiling."),
		redisMemory:    gauge("quita_redis_memory_used_bytes", "Memory Redis uses for data and overhead (INFO memory used_memory)."),
		redisMaxMemory: gauge("quita_redis_memory_max_bytes", "Redis maxmemory, 0 when there is no limit."),
		redisMemoryRatio: gauge("quita_redis_memory_used_ratio",
			"Used memory over maxmemory (0 when there is no limit); with noeviction, at 1 every write is refused."),
		archiveLag: gauge("quita_archive_lag_seconds",
			"Age of the oldest change (message, status, action) not yet in the archive (0 when caught up); grows while the archive is down."),
		archiveBacklog: gauge("quita_archive_backlog",
			"What waits for the archive: conversations with unarchived changes, and actions.", "kind"),
		channelUp: gauge("quita_channel_ready", "1 when a channel is connected and ready (as /readyz reports it).",
			"channel", "state"),
	}
}

// Describe implements prometheus.Collector.
func (q *Queues) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{q.length, q.pending, q.oldest, q.oldestPending, q.retry, q.retryOverdue,
		q.dead, q.remindersDue, q.remindersOverdue, q.handoffWaiting, q.handoffOldest, q.up, q.channelUp,
		q.redisCPU, q.redisMemory, q.redisMaxMemory, q.redisMemoryRatio, q.archiveLag, q.archiveBacklog} {
		ch <- d
	}
}

// Collect implements prometheus.Collector: one pipelined round trip
// (ReadFigures). When Redis cannot be read, only quita_redis_up (0) and the
// channels are reported, so that stale-looking zeros never hide an outage.
func (q *Queues) Collect(ch chan<- prometheus.Metric) {
	if q.channels != nil {
		for _, c := range q.channels() {
			ch <- prometheus.MustNewConstMetric(q.channelUp, prometheus.GaugeValue, b2f(c.Ready), label(c.Name), label(c.State))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), q.timeout)
	defer cancel()
	f, err := ReadFigures(ctx, q.rdb, q.src, q.now())
	ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, b2f(err == nil))
	if err != nil {
		return
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, s := range f.Streams {
		gauge(q.length, float64(s.Length), s.Name)
		gauge(q.pending, float64(s.Pending), s.Name)
		gauge(q.oldestPending, s.OldestPendingAgeSeconds, s.Name)
		gauge(q.oldest, s.OldestAgeSeconds, s.Name)
	}
	gauge(q.retry, float64(f.RetryWaiting))
	gauge(q.retryOverdue, f.RetryOverdueSeconds)
	gauge(q.dead, float64(f.DeadLetters))
	gauge(q.remindersDue, float64(f.RemindersDue))
	gauge(q.remindersOverdue, f.RemindersOverdueSeconds)
	gauge(q.handoffWaiting, float64(f.HandoffWaiting))
	gauge(q.handoffOldest, f.HandoffOldestWaitSeconds)
	if q.src.Archive != nil {
		gauge(q.archiveLag, f.ArchiveLagSeconds)
		gauge(q.archiveBacklog, float64(f.ArchiveConversations), "conversations")
		gauge(q.archiveBacklog, float64(f.ArchiveActions), "actions")
	}
	if r := f.Redis; r.Known {
		ch <- prometheus.MustNewConstMetric(q.redisCPU, prometheus.CounterValue, r.CPUSeconds)
		gauge(q.redisMemory, float64(r.UsedMemoryBytes))
		gauge(q.redisMaxMemory, float64(r.MaxMemoryBytes))
		gauge(q.redisMemoryRatio, r.MemoryUsedRatio())
	}
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
