package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// TryLock takes a conversation's lock for ttl with a caller token; it
// reports false when another worker holds it.
func (s *Store) TryLock(ctx context.Context, conv, token string, ttl time.Duration) (bool, error) {
	return s.rdb.SetNX(ctx, s.keys.Lock(conv), token, ttl).Result()
}

var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Unlock releases a conversation's lock if the token still owns it.
func (s *Store) Unlock(ctx context.Context, conv, token string) error {
	return unlockScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv)}, token).Err()
}

var extendScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

// beginScript locks one or more conversations (three keys each: lock,
// inbox, state; ARGV: the lease, then a token per conversation) and reads
// the inbox head and state of each it locked: three values per
// conversation, {1, head or ”, state or ”} or {0, ”, ”} when another
// worker holds it.
var beginScript = redis.NewScript(`
local out = {}
for c = 2, #ARGV do
  local k = (c - 2) * 3
  if redis.call('SET', KEYS[k+1], ARGV[c], 'NX', 'PX', ARGV[1]) then
    out[#out+1] = 1
    out[#out+1] = redis.call('LINDEX', KEYS[k+2], 0) or ''
    out[#out+1] = redis.call('GET', KEYS[k+3]) or ''
  else
    out[#out+1] = 0; out[#out+1] = ''; out[#out+1] = ''
  end
end
return out`)

// Begun is one conversation's result of BeginMany.
type Begun struct {
	OK    bool   // locked; false when another worker holds it
	Head  string // the oldest inbox message, "" when the inbox is empty
	State []byte // the dialog state, nil for a new conversation
}

// Begin takes a conversation's lock and, in the same round trip, reads its
// inbox head and state. ok is false when another worker holds the lock.
func (s *Store) Begin(ctx context.Context, conv, token string, ttl time.Duration) (ok bool, head string, state []byte, err error) {
	b, err := s.BeginMany(ctx, []string{conv}, []string{token}, ttl)
	if err != nil {
		return false, "", nil, err
	}
	return b[0].OK, b[0].Head, b[0].State, nil
}

// BeginMany is Begin for several conversations in one script run and round
// trip, tokens[i] locking convs[i].
func (s *Store) BeginMany(ctx context.Context, convs, tokens []string, ttl time.Duration) ([]Begun, error) {
	keys := make([]string, 0, 3*len(convs))
	args := make([]any, 0, 1+len(convs))
	args = append(args, ttl.Milliseconds())
	for i, c := range convs {
		keys = append(keys, s.keys.Lock(c), s.keys.Inbox(c), s.keys.State(c))
		args = append(args, tokens[i])
	}
	v, err := s.runBatch(ctx, beginScript, keys, args, len(convs), 3, "lock conversation")
	if err != nil {
		return nil, err
	}
	out := make([]Begun, len(convs))
	for i := range out {
		n, _ := v[3*i].(int64)
		out[i].OK = n == 1
		out[i].Head, _ = v[3*i+1].(string)
		if st, _ := v[3*i+2].(string); st != "" {
			out[i].State = []byte(st)
		}
	}
	return out, nil
}

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
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
