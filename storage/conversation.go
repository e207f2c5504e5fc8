package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	json "github.com/goccy/go-json" // 3x faster than encoding/json on the hot path (BENCHMARKS.md), same output
	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
)

// ErrDuplicate means a provider delivered a message id already accepted.
var ErrDuplicate = errors.New("duplicate provider message id")

// ErrLockLost means the conversation lock expired or was taken over before a
// commit: the commit did nothing and the work must be redone by the new holder.
var ErrLockLost = errors.New("conversation lock lost")

// DedupeTTL is how long a provider message id is remembered.
const DedupeTTL = 7 * 24 * time.Hour

// Accept makes an inbound message durable: after it returns nil the message
// will be processed even if this process dies. It returns ErrDuplicate when
// the provider id was already accepted. Concurrent calls are committed
// together (accept_group.go).
func (s *Store) Accept(ctx context.Context, m Message) error {
	body, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode inbound: %w", err)
	}
	return s.accepts.accept(ctx, s, &acceptReq{msg: m, body: body})
}

// InboxHead returns the oldest unprocessed inbound message of a conversation
// and its raw form (the commit's guard), or ok=false when the inbox is empty.
func (s *Store) InboxHead(ctx context.Context, conv string) (Message, string, bool, error) {
	raw, err := s.rdb.LIndex(ctx, s.keys.Inbox(conv), 0).Result()
	if errors.Is(err, redis.Nil) {
		return Message{}, "", false, nil
	}
	if err != nil {
		return Message{}, "", false, fmt.Errorf("read inbox: %w", err)
	}
	m, err := DecodeInbox(raw)
	if err != nil {
		return Message{}, raw, true, fmt.Errorf("inbox of %s: %w", channels.MaskPhone(conv), err)
	}
	return m, raw, true, nil
}

// DecodeInbox reads an inbox entry; a damaged one is ErrUnreadable.
func DecodeInbox(raw string) (Message, error) {
	var m Message
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	return m, nil
}

// ErrUnreadable marks an inbox entry that cannot be decoded; it is moved to
// the dead-letter list rather than blocking its conversation for good.
var ErrUnreadable = errors.New("unreadable inbox entry")

var deadLetterScript = redis.NewScript(`
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
redis.call('LPOP', KEYS[1])
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1`)

// DeadLetter moves an unreadable inbox head to the dead-letter list, where
// an operator can inspect it (KEYS.md), and lets the conversation go on.
func (s *Store) DeadLetter(ctx context.Context, conv, raw string) error {
	entry, _ := json.Marshal(map[string]string{"conversation": conv, "raw": raw})
	return deadLetterScript.Run(ctx, s.rdb, []string{s.keys.Inbox(conv), s.keys.Prefix + ":dead"}, raw, entry).Err()
}

// LoadState returns the raw dialog state of a conversation, nil when new.
func (s *Store) LoadState(ctx context.Context, conv string) ([]byte, error) {
	b, err := s.rdb.Get(ctx, s.keys.State(conv)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load state: %w", err)
	}
	return b, nil
}

// commitScript commits the steps of one or more conversations in one run
// (a worker batches the conversations of one stream read). Global keys come
// first, then five keys per conversation; each commit checks its own lock
// and inbox head, so one lost lock does not fail the others; a conversation
// appears at most once per run (CommitMany splits a batch that repeats
// one). Per commit it
// returns a code and the next inbox head: -1 lock lost, 0 inbox empty and
// still held, 1 inbox empty and released (unlocked, entries acknowledged
// and deleted), 2 another message waits (the head).
var commitScript = redis.NewScript(`
local out, acks = {}, {}
local n = tonumber(ARGV[1])
-- a change notification nobody receives is skipped: no console watching
-- (PUBLISH would reach no one, and replicas would get it all the same)
local watched = redis.call('PUBSUB', 'NUMSUB', KEYS[3])[2] > 0
-- Writes to keys shared by the batch, and the lock reads and releases, go
-- in one variadic call each (each call has a cost of its own; BENCHMARKS.md).
-- A conversation appears at most once per run (CommitMany splits runs), so
-- their order within the run does not matter.
local lockKeys = {}
for c = 1, n do lockKeys[c] = KEYS[6 + (c - 1) * 5 + 1] end
local locks = redis.call('MGET', unpack(lockKeys))
local states, seen, nudges, unnudge, released, dirty = {}, {}, {}, {}, {}, {}
-- with archiving on, the archive's dirty set and action outbox follow the
-- conversations' keys
local archive = (#KEYS > 6 + n * 5) and (6 + n * 5 + 1) or false
local i = 2
for c = 1, n do
  local k = 6 + (c - 1) * 5
  local lock, inbox = KEYS[k+1], KEYS[k+2]
  local token, raw, st, at, conv = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4]
  local nm = tonumber(ARGV[i+5]); local m0 = i + 6; i = m0 + 2 * nm
  local no = tonumber(ARGV[i]); local o0 = i + 1; i = o0 + no
  local na = tonumber(ARGV[i]); local a0 = i + 1; i = a0 + na
  local nudge, group = tonumber(ARGV[i]), ARGV[i+1]
  local nr = tonumber(ARGV[i+2]); local r0 = i + 3; i = r0 + nr
  local held, head = locks[c] == token, nil
  if held and raw ~= '' then
    -- pop the head this step consumed, and see the next one in the same
    -- call; anything else goes back untouched
    local popped = redis.call('LPOP', inbox, 2)
    held = popped and popped[1] == raw
    if not held then
      if popped and popped[2] then redis.call('LPUSH', inbox, popped[2], popped[1])
      elseif popped then redis.call('LPUSH', inbox, popped[1]) end
    elseif popped[2] then
      head = popped[2]
      redis.call('LPUSH', inbox, head)
    end
  elseif held then
    head = redis.call('LINDEX', inbox, 0)
  end
  if not held then
    out[#out+1] = -1; out[#out+1] = ''
  else
    if st ~= '' then states[#states+1] = KEYS[k+3]; states[#states+1] = st end
    if nm > 0 then
      local ids = {}
      for j = m0, m0 + 2 * nm - 1, 2 do ids[#ids+1] = ARGV[j] end
      redis.call('RPUSH', KEYS[k+4], unpack(ids))
      redis.call('HSET', KEYS[k+5], unpack(ARGV, m0, m0 + 2 * nm - 1))
    end
    for j = o0, o0 + no - 1 do redis.call('XADD', KEYS[1], '*', 'm', ARGV[j], 'c', conv) end
    for j = a0, a0 + na - 1 do redis.call('XADD', KEYS[4], '*', 'c', conv, 'a', ARGV[j]) end
    if archive then
      -- the archive's outbox (archive_outbox.go): the conversation is
      -- dirty since its first unarchived change, and a copy of each action
      if nm > 0 then dirty[#dirty+1] = at; dirty[#dirty+1] = conv end
      for j = a0, a0 + na - 1 do redis.call('XADD', KEYS[archive + 1], '*', 'c', conv, 'a', ARGV[j]) end
    end
    seen[#seen+1] = at; seen[#seen+1] = conv
    if nudge > 0 then nudges[#nudges+1] = nudge; nudges[#nudges+1] = conv elseif nudge < 0 then unnudge[#unnudge+1] = conv end
    if watched then redis.call('PUBLISH', KEYS[3], conv) end
    if head then
      out[#out+1] = 2; out[#out+1] = head
    elseif nr > 0 then
      released[#released+1] = lock
      acks[group] = acks[group] or {}
      for j = r0, r0 + nr - 1 do table.insert(acks[group], ARGV[j]) end
      out[#out+1] = 1; out[#out+1] = ''
    else
      out[#out+1] = 0; out[#out+1] = ''
    end
  end
end
if #states > 0 then redis.call('MSET', unpack(states)) end
if #seen > 0 then redis.call('ZADD', KEYS[2], unpack(seen)) end
if #dirty > 0 then redis.call('ZADD', KEYS[archive], 'NX', unpack(dirty)) end
if #nudges > 0 then redis.call('ZADD', KEYS[5], unpack(nudges)) end
if #unnudge > 0 then redis.call('ZREM', KEYS[5], unpack(unnudge)) end
if #released > 0 then
  ` + luaLocksOnly + `redis.call('DEL', unpack(released))
  ` + luaPropagate + `end
-- the released conversations' entries, acknowledged and deleted in one call per group
for group, ids in pairs(acks) do
  redis.call('XACK', KEYS[6], group, unpack(ids))
  redis.call('XDEL', KEYS[6], unpack(ids))
end
return out`)

// Commit is one atomic step of a conversation.
type Commit struct {
	Conversation string
	Token        string    // the lock token; the commit fails if the lock moved
	InboxRaw     string    // the inbox head consumed by this step ("" for none)
	State        []byte    // the new dialog state (nil keeps it)
	Messages     []Message // transcript entries to append
	Outbound     []Outbound
	Actions      [][]byte // encoded dialog actions for the action stream
	At           time.Time
	// Nudge arms the conversation's "no answer" timer at this Unix time in
	// milliseconds (> 0), cancels it (< 0) or leaves it (0).
	Nudge int64
	// Release, when set and the step leaves the inbox empty, also unlocks
	// the conversation and acknowledges (and deletes) the inbound stream
	// entries in the same script: a message's last round trip.
	Release *InboundEntry
}

// InboundEntry is the inbound stream entries a worker holds for one
// conversation (several when the conversation was notified more than once).
type InboundEntry struct {
	Group string
	IDs   []string
}

// CommitResult is what one conversation's commit did.
type CommitResult struct {
	Next     string // the next inbox head, "" when the inbox is empty
	Released bool   // the commit also released the conversation (Commit.Release)
	Err      error  // ErrLockLost: nothing of this commit was written
}

// Commit saves state, transcript and outbound messages and pops the inbox
// head in one atomic script, only while the caller still holds the lock.
func (s *Store) Commit(ctx context.Context, c Commit) error {
	_, _, err := s.CommitNext(ctx, c)
	return err
}

// CommitNext is Commit that also returns the conversation's next inbox head
// ("" when the inbox is empty), saving the worker a round trip, and whether
// it released the conversation (see Commit.Release).
func (s *Store) CommitNext(ctx context.Context, c Commit) (next string, released bool, err error) {
	res, err := s.CommitMany(ctx, []Commit{c})
	if err != nil {
		return "", false, err
	}
	return res[0].Next, res[0].Released, res[0].Err
}

// CommitMany commits the steps of several conversations in one script run
// and round trip; each is atomic on its own and fails alone (CommitResult.Err)
// when its lock moved. err is for the whole call (Redis unreachable…).
func (s *Store) CommitMany(ctx context.Context, commits []Commit) ([]CommitResult, error) {
	out := make([]CommitResult, 0, len(commits))
	for len(commits) > 0 {
		n := min(distinctConversations(commits), MaxBatch)
		res, err := s.commitRun(ctx, commits[:n])
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
		commits = commits[n:]
	}
	return out, nil
}

// MaxBatch bounds the conversations of one script run: the scripts pass a
// run's keys to one variadic call, and Lua unpacks at most ~8,000 values.
const MaxBatch = 1000

// distinctConversations is how many commits from the first are each of a
// different conversation: one script run takes at most one step of each.
func distinctConversations(commits []Commit) int {
	for i := 1; i < len(commits); i++ {
		for _, c := range commits[:i] {
			if c.Conversation == commits[i].Conversation {
				return i
			}
		}
	}
	return len(commits)
}

// commitRun commits steps of distinct conversations in one script run.
func (s *Store) commitRun(ctx context.Context, commits []Commit) ([]CommitResult, error) {
	keys := make([]string, 0, 6+5*len(commits))
	keys = append(keys, s.keys.Outbound(), s.keys.Conversations(), s.keys.Events(), s.keys.Actions(), s.keys.Nudges(), s.keys.Inbound())
	args := []any{len(commits)}
	for _, c := range commits {
		keys = append(keys, s.keys.Lock(c.Conversation), s.keys.Inbox(c.Conversation), s.keys.State(c.Conversation),
			s.keys.Log(c.Conversation), s.keys.Msgs(c.Conversation))
		var err error
		if args, err = appendCommitArgs(args, c); err != nil {
			return nil, err
		}
	}
	if s.archiving.Load() {
		keys = append(keys, s.keys.ArchiveDirty(), s.keys.ArchiveActions())
	}
	res, err := s.runBatch(ctx, commitScript, keys, args, len(commits), 2, "commit conversation step")
	if err != nil {
		return nil, err
	}
	out := make([]CommitResult, len(commits))
	for i := range out {
		code, _ := res[2*i].(int64)
		switch code {
		case -1:
			out[i].Err = ErrLockLost
		case 1:
			out[i].Released = true
		case 2:
			out[i].Next, _ = res[2*i+1].(string)
		}
	}
	return out, nil
}

// appendCommitArgs adds one commit's section of commitScript's arguments.
func appendCommitArgs(args []any, c Commit) ([]any, error) {
	args = append(args, c.Token, c.InboxRaw, c.State, c.At.UnixMilli(), c.Conversation, len(c.Messages))
	for _, m := range c.Messages {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode message: %w", err)
		}
		args = append(args, m.ID, b)
	}
	args = append(args, len(c.Outbound))
	for _, o := range c.Outbound {
		b, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("encode outbound: %w", err)
		}
		args = append(args, b)
	}
	args = append(args, len(c.Actions))
	for _, a := range c.Actions {
		args = append(args, a)
	}
	args = append(args, c.Nudge)
	if c.Release == nil {
		return append(args, "", 0), nil
	}
	args = append(args, c.Release.Group, len(c.Release.IDs))
	for _, id := range c.Release.IDs {
		args = append(args, id)
	}
	return args, nil
}

// Transcript returns the last limit messages of a conversation (all when
// limit <= 0), oldest first, with their latest delivery status.
func (s *Store) Transcript(ctx context.Context, conv string, limit int) ([]Message, error) {
	start := int64(0)
	if limit > 0 {
		start = int64(-limit)
	}
	pipe := s.rdb.Pipeline()
	idsCmd := pipe.LRange(ctx, s.keys.Log(conv), start, -1)
	baseCmd := pipe.HGet(ctx, s.keys.ArchiveTrimmed(), conv) // trim.go: the older part is in the archive
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read transcript: %w", err)
	}
	ids := idsCmd.Val()
	var out []Message
	if len(ids) > 0 {
		msgs, err := s.messages(ctx, conv, ids)
		if err != nil {
			return nil, err
		}
		out = make([]Message, 0, len(ids))
		for _, m := range msgs {
			if m.raw != "" {
				out = append(out, m.Message)
			}
		}
	}
	base, _ := baseCmd.Int()
	if base == 0 || s.cold == nil || (limit > 0 && len(ids) >= limit) {
		return out, nil
	}
	older, err := s.cold.Before(ctx, conv, base, limit-len(ids))
	if err != nil {
		return nil, fmt.Errorf("read the archived part of the transcript: %w", err)
	}
	return append(older, out...), nil
}

// sentAsSuffix names the status-hash field of the template a message went
// as: "<msg id>|as" = "name|category", then "|cost micros|currency" when the
// creditor has prices (sentScript).
const sentAsSuffix = "|as"

func applySentAs(m *Message, encoded string) {
	parts := strings.SplitN(encoded, "|", 4) // name|category, then |cost micros|currency when priced
	m.Template = parts[0]
	if len(parts) > 1 {
		m.Category = parts[1]
	}
	if len(parts) == 4 {
		m.CostMicros, _ = strconv.ParseInt(parts[2], 10, 64)
		m.CostCurrency = parts[3]
	}
}

// applyStatus decodes "rank|status|error code" onto a message.
func applyStatus(m *Message, encoded string) {
	parts := strings.SplitN(encoded, "|", 3)
	if len(parts) == 3 {
		m.Status, m.ErrorCode = parts[1], parts[2]
	}
}

var statusScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local r = tonumber(string.match(cur, '^(%d+)|'))
  if r and r >= tonumber(ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3] .. '|' .. ARGV[4])
redis.call('PUBLISH', KEYS[2], ARGV[5])
` + luaArchiveDirty + `
if KEYS[3] then archiveDirty(KEYS[3], ARGV[5]) end
return 1`)

// SetStatus records a delivery status for a transcript message, unless a
// later status (by StatusRank) is already there. It reports whether it changed.
func (s *Store) SetStatus(ctx context.Context, conv, msgID, status, errorCode string) (bool, error) {
	keys := []string{s.keys.Status(conv), s.keys.Events()}
	if s.archiving.Load() {
		keys = append(keys, s.keys.ArchiveDirty())
	}
	n, err := statusScript.Run(ctx, s.rdb, keys,
		msgID, StatusRank(status), status, errorCode, conv).Int()
	if err != nil {
		return false, fmt.Errorf("set status: %w", err)
	}
	return n == 1, nil
}

// A provider id's key (Keys.ProviderIndex) holds "conv|msg id" once the
// send is recorded. A status callback that beats the record (fast
// providers call back before their API call returns) is parked in the same
// key, as parkMark + "status|code" entries, and the send record takes them
// with its SET … GET: whichever of the two comes second sees the other, so
// no status is lost between a lookup and a park.
const parkMark = "\x00"

// statusOrParkScript answers the index of KEYS[1], or else parks ARGV[1]
// ("status|code") there for ARGV[2] ms and answers false.
var statusOrParkScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and string.byte(v, 1) ~= 0 then return v end
redis.call('APPEND', KEYS[1], '\0' .. ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return false`)

// parkTTL is how long a parked status waits for its send record.
const parkTTL = time.Hour

// StatusTarget finds the conversation and message of a provider id for a
// status callback; when the send is not recorded yet it parks the status
// (status|errorCode) for the record to hand back (SentMany), and ok is false.
func (s *Store) StatusTarget(ctx context.Context, channel, providerID, status, errorCode string) (conv, msgID string, ok bool, err error) {
	v, err := statusOrParkScript.Run(ctx, s.rdb, []string{s.keys.ProviderIndex(channel, providerID)},
		status+"|"+errorCode, parkTTL.Milliseconds()).Text()
	if errors.Is(err, redis.Nil) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("look up provider id: %w", err)
	}
	conv, msgID, _ = strings.Cut(v, "|")
	return conv, msgID, true, nil
}

// parkedStatuses splits a provider id key's parked value into its entries.
func parkedStatuses(v string) []string {
	var out []string
	for _, e := range strings.Split(v, parkMark) {
		if e != "" {
			out = append(out, e)
		}
	}
	return out
}

// Conversations lists conversation ids by last activity, newest first.
func (s *Store) Conversations(ctx context.Context, offset, limit int64) ([]string, error) {
	return s.rdb.ZRevRange(ctx, s.keys.Conversations(), offset, offset+limit-1).Result()
}

// TranscriptMessage loads one transcript message with its latest status.
func (s *Store) TranscriptMessage(ctx context.Context, conv, id string) (Message, error) {
	var m Message
	if err := s.getHashJSON(ctx, s.keys.Msgs(conv), id, &m); err != nil {
		return m, err
	}
	st, err := s.rdb.HMGet(ctx, s.keys.Status(conv), id, id+sentAsSuffix).Result()
	if err != nil {
		return m, fmt.Errorf("load status: %w", err)
	}
	if v, ok := st[0].(string); ok {
		applyStatus(&m, v)
	}
	if v, ok := st[1].(string); ok {
		applySentAs(&m, v)
	}
	return m, nil
}

func (s *Store) getHashJSON(ctx context.Context, key, field string, v any) error {
	b, err := s.rdb.HGet(ctx, key, field).Bytes()
	if errors.Is(err, redis.Nil) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("load %s: %w", key, err)
	}
	return json.Unmarshal(b, v)
}
