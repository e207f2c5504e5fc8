package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
)

// Outbound is a message on the outbound stream with its delivery attempts.
type Outbound struct {
	channels.Outbound
	Attempt    int       `json:"attempt,omitempty"`
	EnqueuedAt time.Time `json:"enqueued_at"`
	// Fallback is the channel to try when this one fails for good (WhatsApp → SMS).
	Fallback string `json:"fallback,omitempty"`
	// Debtor-initiated: a reply inside a conversation the debtor opened.
	Reply bool `json:"reply,omitempty"`
	// Author is the agent who wrote it, for agent replies.
	Author string `json:"author,omitempty"`
}

// StreamEntry is one entry read from a stream by a consumer group.
type StreamEntry struct {
	ID     string
	Values map[string]any
}

// EnsureGroup creates a consumer group on a stream (and the stream) if missing.
func (s *Store) EnsureGroup(ctx context.Context, stream, group string) error {
	err := s.rdb.XGroupCreateMkStream(ctx, stream, group, "0").Err()
	if err != nil && !isBusyGroup(err) {
		return fmt.Errorf("create consumer group %s on %s: %w", group, stream, err)
	}
	return nil
}

func isBusyGroup(err error) bool {
	return err != nil && len(err.Error()) >= 9 && err.Error()[:9] == "BUSYGROUP"
}

// ReadGroup reads new entries for a consumer, blocking up to block.
func (s *Store) ReadGroup(ctx context.Context, stream, group, consumer string, count int64, block time.Duration) ([]StreamEntry, error) {
	res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{stream, ">"}, Count: count, Block: block,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []StreamEntry
	for _, st := range res {
		for _, m := range st.Messages {
			out = append(out, StreamEntry{ID: m.ID, Values: m.Values})
		}
	}
	return out, nil
}

// Reclaim takes over entries another consumer left pending for at least minIdle.
func (s *Store) Reclaim(ctx context.Context, stream, group, consumer string, minIdle time.Duration, count int64) ([]StreamEntry, error) {
	msgs, _, err := s.rdb.XAutoClaim(ctx, &redis.XAutoClaimArgs{
		Stream: stream, Group: group, Consumer: consumer, MinIdle: minIdle, Start: "0-0", Count: count,
	}).Result()
	if err != nil {
		return nil, fmt.Errorf("reclaim pending entries of %s: %w", stream, err)
	}
	out := make([]StreamEntry, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, StreamEntry{ID: m.ID, Values: m.Values})
	}
	return out, nil
}

// Ack acknowledges and deletes stream entries, keeping streams small.
func (s *Store) Ack(ctx context.Context, stream, group string, ids ...string) error {
	pipe := s.rdb.Pipeline()
	pipe.XAck(ctx, stream, group, ids...)
	pipe.XDel(ctx, stream, ids...)
	_, err := pipe.Exec(ctx)
	return err
}

// Pending counts entries delivered but not yet acknowledged in a group.
func (s *Store) Pending(ctx context.Context, stream, group string) (int64, error) {
	p, err := s.rdb.XPending(ctx, stream, group).Result()
	if err != nil {
		return 0, err
	}
	return p.Count, nil
}

// ScheduleRetry parks an outbound message until at.
func (s *Store) ScheduleRetry(ctx context.Context, o Outbound, at time.Time) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode outbound: %w", err)
	}
	return s.rdb.ZAdd(ctx, s.keys.OutboundRetry(), redis.Z{Score: float64(at.UnixMilli()), Member: b}).Err()
}

var promoteScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, m in ipairs(due) do
  redis.call('ZREM', KEYS[1], m)
  redis.call('XADD', KEYS[2], '*', 'm', m)
end
return #due`)

// PromoteRetries moves retries due by now back onto the outbound stream, atomically.
func (s *Store) PromoteRetries(ctx context.Context, now time.Time, max int) (int, error) {
	return promoteScript.Run(ctx, s.rdb, []string{s.keys.OutboundRetry(), s.keys.Outbound()},
		strconv.FormatInt(now.UnixMilli(), 10), max).Int()
}

// SendState is what a sender reads before sending, in one round trip:
// whether the message was already handed to the provider and whether the
// number opted out of the channel (and when).
type SendState struct {
	Sent       bool
	OptedOut   bool
	OptedOutAt time.Time
}

// SendState reads a message's sent mark and its recipient's opt-out.
func (s *Store) SendState(ctx context.Context, msgID, channel, phone string) (SendState, error) {
	pipe := s.rdb.Pipeline()
	sent := pipe.Exists(ctx, s.keys.Sent(msgID))
	opt := pipe.HGet(ctx, s.keys.OptOut(channel, phone), "at")
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return SendState{}, fmt.Errorf("read send state: %w", err)
	}
	st := SendState{Sent: sent.Val() == 1}
	st.OptedOutAt, st.OptedOut = parseOptOut(opt.Val(), opt.Err())
	return st, nil
}

// DecodeOutbound reads an outbound message from a stream entry.
func DecodeOutbound(e StreamEntry) (Outbound, error) {
	var o Outbound
	raw, _ := e.Values["m"].(string)
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return o, fmt.Errorf("outbound entry %s: %w", e.ID, err)
	}
	return o, nil
}

var sentScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local parked = {}
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  parked = redis.call('LRANGE', KEYS[4], 0, -1)
  redis.call('DEL', KEYS[4])
end
local cur = redis.call('HGET', KEYS[3], ARGV[5])
local r = cur and tonumber(string.match(cur, '^(%d+)|'))
if not r or r < tonumber(ARGV[6]) then
  redis.call('HSET', KEYS[3], ARGV[5], ARGV[6] .. '|' .. ARGV[7] .. '|')
  redis.call('PUBLISH', KEYS[5], ARGV[8])
end
redis.call('XACK', KEYS[6], ARGV[9], ARGV[10])
redis.call('XDEL', KEYS[6], ARGV[10])
return parked`)

// Sent records, in one round trip, that a provider accepted an outbound
// message: the "sent" mark, the provider-id index, the status on the
// transcript, and the acknowledgement of its stream entry. It returns the
// statuses ("status|code") that arrived before this record, to apply now.
func (s *Store) Sent(ctx context.Context, o Outbound, providerID, status, group, entryID string) ([]string, error) {
	keys := []string{s.keys.Sent(o.ID), s.keys.ProviderIndex(o.Channel, providerID), s.keys.Status(o.ConversationID),
		s.keys.ParkedStatus(o.Channel, providerID), s.keys.Events(), s.keys.Outbound()}
	parked, err := sentScript.Run(ctx, s.rdb, keys, providerID, DedupeTTL.Milliseconds(), o.ConversationID+"|"+o.ID,
		(30 * 24 * time.Hour).Milliseconds(), o.ID, StatusRank(status), status, o.ConversationID, group, entryID).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("record send: %w", err)
	}
	return parked, nil
}
