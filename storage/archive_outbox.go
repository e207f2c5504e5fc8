package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json"
	"github.com/redis/go-redis/v9"
)

// The archive's outbox. With archiving on (SetArchiving), the pipeline's
// own scripts mark what the archive lacks, in the same atomic step as the
// change: a commit with messages, a delivery status or a send record adds
// the conversation to the dirty set (scored by its first unarchived
// change, so the oldest score is the archive's lag), and a commit's
// actions are copied to the archive's action stream. The archiver
// (storage/archive) claims dirty conversations, writes them to SQL and
// only then forgets them: at least once, and the SQL side is idempotent.

// ArchiveDirty is the sorted set conversation → first unarchived change (ms).
func (k Keys) ArchiveDirty() string { return k.Prefix + ":archive:dirty" }

// ArchiveBusy is the hash conversation → "dirty since|claimed at" (ms) of
// the conversations an archiver is writing.
func (k Keys) ArchiveBusy() string { return k.Prefix + ":archive:busy" }

// ArchiveActions is the stream of the commits' actions, for the archive.
func (k Keys) ArchiveActions() string { return k.Prefix + ":archive:actions" }

// GroupArchiver is the archive's consumer group on ArchiveActions.
const GroupArchiver = "archiver"

// luaArchiveDirty marks a conversation dirty now, keeping an earlier mark.
const luaArchiveDirty = `
local function archiveDirty(key, conv)
  local t = redis.call('TIME')
  redis.call('ZADD', key, 'NX', t[1] * 1000 + math.floor(t[2] / 1000), conv)
end
`

// SetArchiving turns the outbox on or off for this Store's writes. Off
// (no archive configured) nothing accumulates for an archiver that never runs.
func (s *Store) SetArchiving(on bool) { s.archiving.Store(on) }

// Archiving reports whether the outbox is on.
func (s *Store) Archiving() bool { return s.archiving.Load() }

// claimDirtyScript moves up to ARGV[2] of the oldest dirty conversations
// to the busy hash, stamped with the claim time ARGV[1]; a conversation
// already busy for less than ARGV[3] ms is left for its holder.
var claimDirtyScript = redis.NewScript(`
local got = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local out = {}
for i = 1, #got, 2 do
  local conv, since = got[i], got[i+1]
  local busy = redis.call('HGET', KEYS[2], conv)
  local held = false
  if busy then
    local claimed = tonumber(string.match(busy, '|(%d+)$'))
    held = claimed and tonumber(ARGV[1]) - claimed < tonumber(ARGV[3])
  end
  if not held then
    redis.call('ZREM', KEYS[1], conv)
    redis.call('HSET', KEYS[2], conv, since .. '|' .. ARGV[1])
    out[#out+1] = conv
  end
end
return out`)

// ClaimDirty takes up to n dirty conversations for archiving. A claim
// not finished (ArchiveDone) within lease is taken again by the next
// claimer, as is any busy one whose holder died (ReclaimStale).
func (s *Store) ClaimDirty(ctx context.Context, n int, now time.Time, lease time.Duration) ([]string, error) {
	res, err := claimDirtyScript.Run(ctx, s.rdb, []string{s.keys.ArchiveDirty(), s.keys.ArchiveBusy()},
		now.UnixMilli(), n, lease.Milliseconds()).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("claim dirty conversations: %w", err)
	}
	return res, nil
}

// ArchiveDone forgets claimed conversations once the archive committed them.
func (s *Store) ArchiveDone(ctx context.Context, convs []string) error {
	if len(convs) == 0 {
		return nil
	}
	return s.rdb.HDel(ctx, s.keys.ArchiveBusy(), convs...).Err()
}

// unclaimScript puts busy conversations back in the dirty set with their
// original score (or an earlier one they got since).
var unclaimScript = redis.NewScript(`
for i = 1, #ARGV do
  local busy = redis.call('HGET', KEYS[2], ARGV[i])
  if busy then
    local since = tonumber(string.match(busy, '^(%d+)|'))
    local cur = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[i]))
    if not cur or since < cur then redis.call('ZADD', KEYS[1], since, ARGV[i]) end
    redis.call('HDEL', KEYS[2], ARGV[i])
  end
end
return 1`)

// ArchiveFailed gives claimed conversations back (the archive write failed).
func (s *Store) ArchiveFailed(ctx context.Context, convs []string) error {
	if len(convs) == 0 {
		return nil
	}
	args := make([]any, len(convs))
	for i, c := range convs {
		args[i] = c
	}
	return unclaimScript.Run(ctx, s.rdb, []string{s.keys.ArchiveDirty(), s.keys.ArchiveBusy()}, args...).Err()
}

// ReclaimStale gives back busy conversations claimed longer than lease
// ago (their archiver died), and returns how many.
func (s *Store) ReclaimStale(ctx context.Context, now time.Time, lease time.Duration) (int, error) {
	all, err := s.rdb.HGetAll(ctx, s.keys.ArchiveBusy()).Result()
	if err != nil {
		return 0, fmt.Errorf("read busy conversations: %w", err)
	}
	var stale []string
	for conv, v := range all {
		_, claimed, _ := strings.Cut(v, "|")
		ms, _ := strconv.ParseInt(claimed, 10, 64)
		if now.UnixMilli()-ms >= lease.Milliseconds() {
			stale = append(stale, conv)
		}
	}
	return len(stale), s.ArchiveFailed(ctx, stale)
}

// ArchiveBacklog is what the archive still lacks.
type ArchiveBacklog struct {
	Dirty, Busy, Actions int64     // conversations waiting, being written; actions not archived
	Oldest               time.Time // the oldest change not archived (zero: none)
}

// Lag is how far behind the archive is at now (0 when caught up).
func (b ArchiveBacklog) Lag(now time.Time) time.Duration {
	if b.Oldest.IsZero() || now.Before(b.Oldest) {
		return 0
	}
	return now.Sub(b.Oldest)
}

// ArchiveBacklog reads the outbox's size and its oldest unarchived change.
func (s *Store) ArchiveBacklog(ctx context.Context) (ArchiveBacklog, error) {
	return ReadArchiveBacklog(ctx, s.rdb, s.keys)
}

// ReadArchiveBacklog is ArchiveBacklog for a client and key layout (the
// metrics and quita status read it without a Store), in one round trip.
func ReadArchiveBacklog(ctx context.Context, rdb redis.UniversalClient, k Keys) (ArchiveBacklog, error) {
	pipe := rdb.Pipeline()
	first := pipe.ZRangeWithScores(ctx, k.ArchiveDirty(), 0, 0)
	dirty := pipe.ZCard(ctx, k.ArchiveDirty())
	busy := pipe.HVals(ctx, k.ArchiveBusy())
	actions := pipe.XLen(ctx, k.ArchiveActions())
	oldestAction := pipe.XRangeN(ctx, k.ArchiveActions(), "-", "+", 1)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return ArchiveBacklog{}, fmt.Errorf("read the archive backlog: %w", err)
	}
	b := ArchiveBacklog{Dirty: dirty.Val(), Busy: int64(len(busy.Val())), Actions: actions.Val()}
	oldest := int64(0)
	take := func(ms int64) {
		if ms > 0 && (oldest == 0 || ms < oldest) {
			oldest = ms
		}
	}
	if z := first.Val(); len(z) > 0 {
		take(int64(z[0].Score))
	}
	for _, v := range busy.Val() {
		since, _, _ := strings.Cut(v, "|")
		ms, _ := strconv.ParseInt(since, 10, 64)
		take(ms)
	}
	if x := oldestAction.Val(); len(x) > 0 {
		ms, _, _ := strings.Cut(x[0].ID, "-")
		n, _ := strconv.ParseInt(ms, 10, 64)
		take(n)
	}
	if oldest > 0 {
		b.Oldest = time.UnixMilli(oldest)
	}
	return b, nil
}

// RawMessage is a transcript message as the archive takes it: its place in
// the log, its JSON as stored, and the same decoded with its latest status.
type RawMessage struct {
	Seq int
	Raw string
	Msg Message
}

// TranscriptFrom reads a conversation's transcript from position from
// on, and its length. Positions count from the conversation's first
// message ever, trimmed ones included (trim.go), so they stay the
// archive's sequence numbers after a trim.
func (s *Store) TranscriptFrom(ctx context.Context, conv string, from int) ([]RawMessage, int, error) {
	base, err := s.TrimBase(ctx, conv)
	if err != nil {
		return nil, 0, err
	}
	rel := max(0, from-base)
	ids, err := s.rdb.LRange(ctx, s.keys.Log(conv), int64(rel), -1).Result()
	if err != nil {
		return nil, 0, fmt.Errorf("read transcript: %w", err)
	}
	if len(ids) == 0 {
		n, err := s.rdb.LLen(ctx, s.keys.Log(conv)).Result()
		return nil, base + int(n), err
	}
	msgs, err := s.messages(ctx, conv, ids)
	if err != nil {
		return nil, 0, err
	}
	out := make([]RawMessage, 0, len(ids))
	for i, m := range msgs {
		if m.raw == "" {
			continue
		}
		out = append(out, RawMessage{Seq: base + rel + i, Raw: m.raw, Msg: m.Message})
	}
	return out, base + rel + len(ids), nil
}

// rawMessage is a decoded transcript message with its stored JSON ("" when missing).
type rawMessage struct {
	Message
	raw string
}

// messages reads transcript messages by id, with their statuses and what
// they went as, in the order of ids.
func (s *Store) messages(ctx context.Context, conv string, ids []string) ([]rawMessage, error) {
	fields := make([]string, 0, 2*len(ids)) // each status, then each "sent as" (sentAs)
	fields = append(fields, ids...)
	for _, id := range ids {
		fields = append(fields, id+sentAsSuffix)
	}
	pipe := s.rdb.Pipeline()
	bodies := pipe.HMGet(ctx, s.keys.Msgs(conv), ids...)
	statuses := pipe.HMGet(ctx, s.keys.Status(conv), fields...)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("read transcript: %w", err)
	}
	out := make([]rawMessage, len(ids))
	for i, raw := range bodies.Val() {
		str, ok := raw.(string)
		if !ok {
			continue
		}
		if err := json.Unmarshal([]byte(str), &out[i].Message); err != nil {
			return nil, fmt.Errorf("transcript entry %s: %w", ids[i], err)
		}
		out[i].raw = str
		if st, ok := statuses.Val()[i].(string); ok {
			applyStatus(&out[i].Message, st)
		}
		if as, ok := statuses.Val()[len(ids)+i].(string); ok {
			applySentAs(&out[i].Message, as)
		}
	}
	return out, nil
}

// ReadOwnPending re-reads the entries a consumer was delivered and did not
// acknowledge (its last batch failed), oldest first.
func (s *Store) ReadOwnPending(ctx context.Context, stream, group, consumer string, count int64) ([]StreamEntry, error) {
	res, err := s.rdb.XReadGroup(ctx, &redis.XReadGroupArgs{
		Group: group, Consumer: consumer, Streams: []string{stream, "0"}, Count: count,
	}).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read pending entries of %s: %w", stream, err)
	}
	var out []StreamEntry
	for _, st := range res {
		for _, m := range st.Messages {
			out = append(out, StreamEntry{ID: m.ID, Values: m.Values})
		}
	}
	return out, nil
}

// GateDecision is a compliance gate's refusal or deferral of an outbound
// message, as the archive keeps it.
type GateDecision struct {
	MessageID    string    `json:"message_id"`
	Conversation string    `json:"conversation"`
	Reason       string    `json:"reason"`
	RetryAt      time.Time `json:"retry_at,omitzero"` // deferred until; zero: refused for good
	At           time.Time `json:"at"`
}

// ArchiveGate writes a gate decision to the archive's outbox (nothing when
// archiving is off).
func (s *Store) ArchiveGate(ctx context.Context, d GateDecision) error {
	if !s.archiving.Load() {
		return nil
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return s.rdb.XAdd(ctx, &redis.XAddArgs{Stream: s.keys.ArchiveActions(), Values: []any{"c", d.Conversation, "g", b}}).Err()
}
