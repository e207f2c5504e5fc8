package metrics

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Sources names the Redis keys the queue figures are read from.
type Sources struct {
	Streams  []Stream
	Retry    string // zset of outbound retries by due time (ms)
	Dead     string // list of dead-lettered inbound entries
	Schedule string // zset of debts by next reminder consideration (ms)
	Handoff  string // zset of conversations waiting for a person (storage.HandoffScore)
	// Archive is the key layout whose archive outbox is read (nil: none).
	Archive *storage.Keys
}

// SourcesFor is the pipeline's own keys under one prefix, with the consumer
// groups bot.Start creates (storage.Group*); `quita serve` and `quita status` both read these.
func SourcesFor(k storage.Keys) Sources {
	return Sources{
		Streams: []Stream{
			{Name: "in", Key: k.Inbound(), Group: storage.GroupWorkers},
			{Name: "out", Key: k.Outbound(), Group: storage.GroupSenders},
			{Name: "actions", Key: k.Actions(), Group: storage.GroupActions},
		},
		Retry: k.OutboundRetry(), Dead: k.DeadLetters(), Schedule: k.Schedule(), Handoff: k.HandoffQueue(),
		Archive: &k,
	}
}

// StreamFigures is one stream's depth and lag.
type StreamFigures struct {
	Name                    string  `json:"name"`
	Length                  int64   `json:"length"`  // XLEN: waiting plus in flight
	Pending                 int64   `json:"pending"` // delivered, not acknowledged
	OldestAgeSeconds        float64 `json:"oldest_age_seconds"`
	OldestPendingAgeSeconds float64 `json:"oldest_pending_age_seconds"`
}

// Figures is everything the queue gauges and `quita status` report, read
// from Redis in one pipelined round trip. Ages are 0 when nothing waits.
type Figures struct {
	Streams                  []StreamFigures `json:"streams"`
	RetryWaiting             int64           `json:"retry_waiting"`
	RetryOverdueSeconds      float64         `json:"retry_overdue_seconds"`
	DeadLetters              int64           `json:"dead_letters"`
	RemindersDue             int64           `json:"reminders_due"`
	RemindersOverdueSeconds  float64         `json:"reminders_overdue_seconds"`
	HandoffWaiting           int64           `json:"handoff_waiting"`
	HandoffOldestWaitSeconds float64         `json:"handoff_oldest_wait_seconds"`
	Redis                    RedisServer     `json:"redis"`
	// The archive's outbox (storage/archive_outbox.go): conversations and
	// actions not archived yet, and the age of the oldest change among them.
	ArchiveConversations int64   `json:"archive_conversations"`
	ArchiveActions       int64   `json:"archive_actions"`
	ArchiveLagSeconds    float64 `json:"archive_lag_seconds"`
}

// handoffPriorities are the priorities whose oldest queued conversation is
// looked up (one ZRANGEBYSCORE each): the dialogs' own, and 0 for a
// handoff recorded without one. A conversation queued with another
// priority is counted in HandoffWaiting but not aged.
var handoffPriorities = []int{0, dialogs.PriorityNormal, dialogs.PriorityHigh, dialogs.PriorityUrgent}

// ReadFigures reads every figure at now. A stream without its consumer
// group yet (before the first `quita serve`) reads as empty, not as an error.
func ReadFigures(ctx context.Context, rdb redis.UniversalClient, src Sources, now time.Time) (Figures, error) {
	type streamCmds struct {
		xlen    *redis.IntCmd
		pending *redis.XPendingCmd
		first   *redis.XMessageSliceCmd
	}
	pipe := rdb.Pipeline()
	streams := make([]streamCmds, len(src.Streams))
	for i, s := range src.Streams {
		streams[i] = streamCmds{pipe.XLen(ctx, s.Key), pipe.XPending(ctx, s.Key, s.Group), pipe.XRangeN(ctx, s.Key, "-", "+", 1)}
	}
	retryN := pipe.ZCard(ctx, src.Retry)
	retryFirst := pipe.ZRangeWithScores(ctx, src.Retry, 0, 0)
	dead := pipe.LLen(ctx, src.Dead)
	due := pipe.ZCount(ctx, src.Schedule, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
	schedFirst := pipe.ZRangeWithScores(ctx, src.Schedule, 0, 0)
	handoffN := pipe.ZCard(ctx, src.Handoff)
	handoffFirst := make([]*redis.ZSliceCmd, len(handoffPriorities))
	for i, p := range handoffPriorities {
		lo, hi := storage.HandoffPriorityRange(p)
		handoffFirst[i] = pipe.ZRangeByScoreWithScores(ctx, src.Handoff, &redis.ZRangeBy{Min: lo, Max: hi, Count: 1})
	}
	cpu, memory := pipe.Info(ctx, "cpu"), pipe.Info(ctx, "memory")
	_, _ = pipe.Exec(ctx) // each command's error is checked below: a missing group is not a failure

	var f Figures
	for i, s := range src.Streams {
		c := streams[i]
		if err := firstErr(c.xlen, c.first); err != nil {
			return Figures{}, fmt.Errorf("read stream %s (%s): %w", s.Name, s.Key, err)
		}
		sf := StreamFigures{Name: s.Name, Length: c.xlen.Val()}
		if p, err := c.pending.Result(); err == nil {
			sf.Pending = p.Count
			if p.Count > 0 {
				sf.OldestPendingAgeSeconds = age(p.Lower, now)
			}
		} else if !isNoGroup(err) {
			return Figures{}, fmt.Errorf("read pending entries of %s (%s, group %s): %w", s.Name, s.Key, s.Group, err)
		}
		if msgs := c.first.Val(); len(msgs) > 0 {
			sf.OldestAgeSeconds = age(msgs[0].ID, now)
		}
		f.Streams = append(f.Streams, sf)
	}
	cmds := []redis.Cmder{retryN, retryFirst, dead, due, schedFirst, handoffN}
	for _, c := range handoffFirst {
		cmds = append(cmds, c)
	}
	if err := firstErr(cmds...); err != nil {
		return Figures{}, fmt.Errorf("read queue figures: %w", err)
	}
	f.RetryWaiting = retryN.Val()
	f.RetryOverdueSeconds = overdue(retryFirst.Val(), now)
	f.DeadLetters = dead.Val()
	f.RemindersDue = due.Val()
	f.RemindersOverdueSeconds = overdue(schedFirst.Val(), now)
	f.HandoffWaiting = handoffN.Val()
	// a server that does not answer these sections (the embedded one) is
	// not down: its figures are only unknown
	f.Redis = ParseRedisServer(cpu.Val(), memory.Val())
	for _, c := range handoffFirst {
		if zs := c.Val(); len(zs) > 0 {
			f.HandoffOldestWaitSeconds = max(f.HandoffOldestWaitSeconds, now.Sub(storage.HandoffSince(zs[0].Score)).Seconds())
		}
	}
	if src.Archive != nil {
		b, err := storage.ReadArchiveBacklog(ctx, rdb, *src.Archive)
		if err != nil {
			return Figures{}, err
		}
		f.ArchiveConversations, f.ArchiveActions = b.Dirty+b.Busy, b.Actions
		f.ArchiveLagSeconds = b.Lag(now).Seconds()
	}
	return f, nil
}

// Stream returns the figures of the stream named name (zero when not read).
func (f Figures) Stream(name string) StreamFigures {
	for _, s := range f.Streams {
		if s.Name == name {
			return s
		}
	}
	return StreamFigures{Name: name}
}

// overdue is how late the earliest member of a zset scored by due time
// (ms) is: 0 when empty or not due yet.
func overdue(first []redis.Z, now time.Time) float64 {
	if len(first) == 0 {
		return 0
	}
	return max(0, now.Sub(time.UnixMilli(int64(first[0].Score))).Seconds())
}

func firstErr(cmds ...redis.Cmder) error {
	for _, c := range cmds {
		if err := c.Err(); err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
	}
	return nil
}
