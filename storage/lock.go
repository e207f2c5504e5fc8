package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Conversation locks live only in the server's memory: every script that
// writes one first calls luaLocksOnly, so no lock reaches the AOF or a
// replica. A Redis restart or failover then frees every lock, as their
// expiry would (a commit under a lost lock fails, and its step runs again),
// instead of reloading locks that hold conversations for up to their lease
// (TestLocksDoNotOutliveARedisRestart).
const luaLocksOnly = `redis.set_repl(redis.REPL_NONE)
`

// luaPropagate ends a luaLocksOnly section: what follows is persisted.
const luaPropagate = `redis.set_repl(redis.REPL_ALL)
`

var tryLockScript = redis.NewScript(luaLocksOnly + `
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0`)

// TryLock takes a conversation's lock for ttl with a caller token; it
// reports false when another worker holds it.
func (s *Store) TryLock(ctx context.Context, conv, token string, ttl time.Duration) (bool, error) {
	n, err := tryLockScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv)}, token, ttl.Milliseconds()).Int()
	return n == 1, err
}

var unlockScript = redis.NewScript(luaLocksOnly + `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Unlock releases a conversation's lock if the token still owns it.
func (s *Store) Unlock(ctx context.Context, conv, token string) error {
	return unlockScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv)}, token).Err()
}

var extendScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

// beginScript locks one or more conversations (four keys each: lock,
// inbox, state, phone index bucket; ARGV: the lease, the key prefix, "1" to
// read cases ahead even with an empty inbox, then a token and a number per
// conversation) and reads the inbox head and state of each it locked.
// When a message waits (or on request) it also reads ahead the case a step
// needs (see CasePrefetch): the debtor the state names, or else the owner
// of the number, with their debts. Four values per
// conversation: 1, head, state ("" when none) and the read-ahead, or
// 0, "", "", {} when another worker holds it. The read-ahead is {} or
// {source: "s" state or "p" phone, debtor id or "", loadcase's values...}.
var beginScript = redis.NewScript(luaLoadCase + luaLocksOnly + `
local n = (#ARGV - 3) / 2
local locked, heads, stateKeys = {}, {}, {}
for c = 1, n do
  local k = (c - 1) * 4
  if redis.call('SET', KEYS[k+1], ARGV[2 + 2 * c], 'NX', 'PX', ARGV[1]) then
    locked[c] = true
    heads[c] = redis.call('LINDEX', KEYS[k+2], 0)
    stateKeys[#stateKeys+1] = KEYS[k+3]
  end
end
-- the states of the locked ones in one call (each call has a cost of its own)
local states = #stateKeys > 0 and redis.call('MGET', unpack(stateKeys)) or {}
local out, s = {}, 0
for c = 1, n do
  local k = (c - 1) * 4
  if locked[c] then
    s = s + 1
    local head, st, phone = heads[c], states[s], ARGV[3 + 2 * c]
    local pre = {}
    if (head or ARGV[3] == '1') and phone ~= '' then
      -- the state's first "debtor_id" key (a string value holds no bare
      -- quote); the client checks it is the top-level one
      local src, pid, at = 's', nil, st and string.find(st, '"debtor_id":"', 1, true)
      if at then pid = string.match(st, '^([^"\\]*)"', at + 13) end
      if not pid then src, pid = 'p', redis.call('HGET', KEYS[k+4], phone) or '' end
      pre = loadcase(ARGV[2], pid)
      table.insert(pre, 1, pid)
      table.insert(pre, 1, src)
    end
    out[#out+1] = 1; out[#out+1] = head or ''; out[#out+1] = st or ''; out[#out+1] = pre
  else
    out[#out+1] = 0; out[#out+1] = ''; out[#out+1] = ''; out[#out+1] = {}
  end
end
return out`)

// Begun is one conversation's result of BeginMany.
type Begun struct {
	OK    bool   // locked; false when another worker holds it
	Head  string // the oldest inbox message, "" when the inbox is empty
	State []byte // the dialog state, nil for a new conversation
	// Case is the debtor and debts read ahead for the step of Head (nil
	// when the inbox is empty).
	Case *CasePrefetch
}

// CasePrefetch is a debtor with their debts, read ahead in the round trip
// that locked the conversation, so that a step costs no lookup of its own.
// The script finds the debtor as a worker would, but by text: the client
// uses it only if FromState and DebtorID agree with the decoded state.
type CasePrefetch struct {
	FromState bool   // DebtorID is the state's "debtor_id"; false: the owner of the conversation's number
	DebtorID  string // "" when the number has no owner
	Record    DebtorRecord
}

// Begin takes a conversation's lock and, in the same round trip, reads its
// inbox head and state (and reads ahead the head's case). OK is false when
// another worker holds the lock.
func (s *Store) Begin(ctx context.Context, conv, token string, ttl time.Duration) (Begun, error) {
	return s.beginOne(ctx, conv, token, ttl, false)
}

// BeginWithCase is Begin for a step that is not an inbox message (a
// reminder, a hand-back): it reads the case ahead whether a message waits
// or not.
func (s *Store) BeginWithCase(ctx context.Context, conv, token string, ttl time.Duration) (Begun, error) {
	return s.beginOne(ctx, conv, token, ttl, true)
}

func (s *Store) beginOne(ctx context.Context, conv, token string, ttl time.Duration, alwaysCase bool) (Begun, error) {
	b, err := s.beginMany(ctx, []string{conv}, []string{token}, ttl, alwaysCase)
	if err != nil {
		return Begun{}, err
	}
	return b[0], nil
}

// BeginMany is Begin for several conversations in one script run and round
// trip, tokens[i] locking convs[i]. A conversation's id is its number.
func (s *Store) BeginMany(ctx context.Context, convs, tokens []string, ttl time.Duration) ([]Begun, error) {
	return s.beginMany(ctx, convs, tokens, ttl, false)
}

func (s *Store) beginMany(ctx context.Context, convs, tokens []string, ttl time.Duration, alwaysCase bool) ([]Begun, error) {
	if len(convs) > MaxBatch {
		head, err := s.beginMany(ctx, convs[:MaxBatch], tokens[:MaxBatch], ttl, alwaysCase)
		if err != nil {
			return nil, err
		}
		rest, err := s.beginMany(ctx, convs[MaxBatch:], tokens[MaxBatch:], ttl, alwaysCase)
		return append(head, rest...), err
	}
	keys := make([]string, 0, 4*len(convs))
	args := make([]any, 0, 3+2*len(convs))
	always := "0"
	if alwaysCase {
		always = "1"
	}
	args = append(args, ttl.Milliseconds(), s.keys.Prefix, always)
	for i, c := range convs {
		keys = append(keys, s.keys.Lock(c), s.keys.Inbox(c), s.keys.State(c), s.keys.Index("phone", c))
		args = append(args, tokens[i], c)
	}
	v, err := s.runBatch(ctx, beginScript, keys, args, len(convs), 4, "lock conversation")
	if err != nil {
		return nil, err
	}
	out := make([]Begun, len(convs))
	for i := range out {
		n, _ := v[4*i].(int64)
		out[i].OK = n == 1
		out[i].Head, _ = v[4*i+1].(string)
		if st, _ := v[4*i+2].(string); st != "" {
			out[i].State = []byte(st)
		}
		if pre, _ := v[4*i+3].([]any); len(pre) >= 2 {
			src, _ := pre[0].(string)
			id, _ := pre[1].(string)
			out[i].Case = &CasePrefetch{FromState: src == "s", DebtorID: id, Record: decodeCase(id, pre[2:])}
		}
	}
	return out, nil
}

var releaseScript = redis.NewScript(luaLocksOnly + `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
` + luaPropagate + `
redis.call('XACK', KEYS[2], ARGV[2], unpack(ARGV, 3))
redis.call('XDEL', KEYS[2], unpack(ARGV, 3))
return 1`)

// Release unlocks a conversation and acknowledges (and deletes) the stream
// entries that brought the worker there, in one round trip.
func (s *Store) Release(ctx context.Context, conv, token, stream, group string, entryIDs ...string) error {
	args := make([]any, 0, 2+len(entryIDs))
	args = append(args, token, group)
	for _, id := range entryIDs {
		args = append(args, id)
	}
	return releaseScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv), stream}, args...).Err()
}

// runBatch runs a script that handles n items and answers per values for
// each, and checks that it did.
func (s *Store) runBatch(ctx context.Context, script *redis.Script, keys []string, args []any, n, per int, what string) ([]any, error) {
	res, err := script.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(res) != n*per {
		return nil, fmt.Errorf("%s: %d values for %d items, want %d each", what, len(res), n, per)
	}
	return res, nil
}
