package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	json "github.com/goccy/go-json" // 3x faster than encoding/json on the hot path (BENCHMARKS.md), same output
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
	// ContactOf is the message whose contact attempt this one continues
	// (a reminder's copy by its next channel when the first could not
	// carry it): the compliance gate counts them as one attempt.
	ContactOf string `json:"contact_of,omitempty"`
	// Creditor is the conversation's creditor, whose prices and SMS
	// encoding apply and whose label the SMS segment counter carries.
	Creditor string `json:"creditor,omitempty"`
	// SMSText is the message's SMS form, kept when it may fall back by
	// SMS (Fallback names sms): what that copy sends instead of Text.
	SMSText string `json:"sms_text,omitempty"`
	// DebtID, Step and Variant: the debt, cadence step and A/B variant of
	// a reminder's message (Message.DebtID…); empty for replies.
	DebtID  string `json:"debt_id,omitempty"`
	Step    string `json:"step,omitempty"`
	Variant string `json:"variant,omitempty"`
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

// SendState is what a sender reads before sending: whether the message
// was already handed to the provider (or given up) and whether the number
// opted out of the channel (and when).
type SendState struct {
	Sent       bool // a redelivered entry: not sent again
	OptedOut   bool
	OptedOutAt time.Time
}

// SendStates reads, for several messages in one round trip, whether each
// was already sent (its conversation's status hash has a field for it:
// only a send record or a final failure writes one) and whether its
// number opted out of its channel.
func (s *Store) SendStates(ctx context.Context, msgs []Outbound) ([]SendState, error) {
	pipe := s.rdb.Pipeline()
	sent := make([]*redis.BoolCmd, len(msgs))
	opt, hashed := make([]*redis.StringCmd, len(msgs)), make([]*redis.StringCmd, len(msgs))
	for i, o := range msgs {
		sent[i] = pipe.HExists(ctx, s.keys.Status(o.ConversationID), o.ID)
		opt[i], hashed[i] = s.optOutCmds(ctx, pipe, o.Channel, o.To)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read send state: %w", err)
	}
	out := make([]SendState, len(msgs))
	for i := range msgs {
		out[i].Sent = sent[i].Val()
		out[i].OptedOutAt, out[i].OptedOut = optOutOf(opt[i], hashed[i])
	}
	return out, nil
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

// sentScript records one or more sends (global keys: events, outbound
// stream; then two per send: provider index, status hash). ARGV: the
// provider index's TTL and the group, then eight per send. It returns,
// per send in order, the statuses parked at its provider id before (see
// parkMark), or false. The status field it writes is also the message's
// "sent" mark (SendStates). A send that went as a template also writes
// "<msg id>|as" = "name|category" in the status hash (sentAs), with
// "|cost micros|currency" after it when the creditor has prices.
var sentScript = redis.NewScript(luaArchiveDirty + `
local out, entries = {}, {}
local dirty = KEYS[3 + 2 * ((#ARGV - 2) / 8)] -- the archive's dirty set, when archiving
local i = 3
local watched = redis.call('PUBSUB', 'NUMSUB', KEYS[1])[2] > 0 -- as in commitScript
for c = 1, (#ARGV - 2) / 8 do
  local k = 2 + (c - 1) * 2
  local pid, index, msg, rank, status, conv, entry, as = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4], ARGV[i+5], ARGV[i+6], ARGV[i+7]
  i = i + 8
  if as ~= '' then redis.call('HSET', KEYS[k+2], msg .. '|as', as) end
  local parked = false
  if pid ~= '' then
    -- the index, taking the statuses parked there (a redelivered record finds its own index)
    local old = redis.call('SET', KEYS[k+1], index, 'PX', ARGV[1], 'GET')
    if old and string.byte(old, 1) == 0 then parked = old end
  end
  -- a first status (the common case) in one call, else kept only if it ranks higher
  local st = rank .. '|' .. status .. '|'
  local changed = redis.call('HSETNX', KEYS[k+2], msg, st) == 1
  if not changed then
    local r = tonumber(string.match(redis.call('HGET', KEYS[k+2], msg), '^(%d+)|'))
    if not r or r < tonumber(rank) then
      redis.call('HSET', KEYS[k+2], msg, st)
      changed = true
    end
  end
  if changed and watched then redis.call('PUBLISH', KEYS[1], conv) end
  if changed and dirty then archiveDirty(dirty, conv) end
  entries[#entries+1] = entry
  out[#out+1] = parked
end
redis.call('XACK', KEYS[2], ARGV[2], unpack(entries))
redis.call('XDEL', KEYS[2], unpack(entries))
return out`)

// SentRecord is a provider's acceptance of an outbound message.
type SentRecord struct {
	Message    Outbound
	ProviderID string
	Status     string
	EntryID    string // the outbound stream entry to acknowledge
	// Template and Category: the approved template it went as, if any
	// (Message.Template, Message.Category on the transcript).
	Template, Category string
	// CostMicros and Currency: what the send cost (Message.CostMicros);
	// Currency "" when the creditor has no prices.
	CostMicros int64
	Currency   string
}

// Sent records, in one round trip, that a provider accepted an outbound
// message: the "sent" mark, the provider-id index, the status on the
// transcript, and the acknowledgement of its stream entry. It returns the
// statuses ("status|code") that arrived before this record, to apply now.
func (s *Store) Sent(ctx context.Context, o Outbound, providerID, status, group, entryID string) ([]string, error) {
	parked, err := s.SentMany(ctx, group, []SentRecord{{Message: o, ProviderID: providerID, Status: status, EntryID: entryID}})
	if err != nil {
		return nil, err
	}
	return parked[0], nil
}

// SentMany records several sends in one script run and round trip; it
// returns each one's parked statuses.
func (s *Store) SentMany(ctx context.Context, group string, recs []SentRecord) ([][]string, error) {
	keys := make([]string, 0, 2+2*len(recs))
	keys = append(keys, s.keys.Events(), s.keys.Outbound())
	args := make([]any, 0, 2+8*len(recs))
	args = append(args, (30 * 24 * time.Hour).Milliseconds(), group)
	for _, r := range recs {
		o := r.Message
		as := ""
		if r.Template != "" || r.Currency != "" {
			as = r.Template + "|" + r.Category
		}
		if r.Currency != "" {
			as += "|" + strconv.FormatInt(r.CostMicros, 10) + "|" + r.Currency
		}
		keys = append(keys, s.keys.ProviderIndex(o.Channel, r.ProviderID), s.keys.Status(o.ConversationID))
		args = append(args, r.ProviderID, o.ConversationID+"|"+o.ID, o.ID, StatusRank(r.Status), r.Status, o.ConversationID, r.EntryID, as)
	}
	if s.archiving.Load() {
		keys = append(keys, s.keys.ArchiveDirty())
	}
	res, err := s.runBatch(ctx, sentScript, keys, args, len(recs), 1, "record send")
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(recs))
	for i, v := range res {
		if parked, ok := v.(string); ok {
			out[i] = parkedStatuses(parked)
		}
	}
	return out, nil
}
