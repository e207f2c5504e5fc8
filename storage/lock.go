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

var beginScript = redis.NewScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {0} end
return {1, redis.call('LINDEX', KEYS[2], 0), redis.call('GET', KEYS[3])}`)

// Begin takes a conversation's lock and, in the same round trip, reads its
// inbox head and state. ok is false when another worker holds the lock.
func (s *Store) Begin(ctx context.Context, conv, token string, ttl time.Duration) (ok bool, head string, state []byte, err error) {
	v, err := beginScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv), s.keys.Inbox(conv), s.keys.State(conv)},
		token, ttl.Milliseconds()).Slice()
	if err != nil {
		return false, "", nil, fmt.Errorf("lock conversation: %w", err)
	}
	if n, _ := v[0].(int64); n != 1 {
		return false, "", nil, nil
	}
	if len(v) > 1 {
		head, _ = v[1].(string)
	}
	if len(v) > 2 {
		if st, ok := v[2].(string); ok {
			state = []byte(st)
		}
	}
	return true, head, state, nil
}

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('XACK', KEYS[2], ARGV[2], ARGV[3])
redis.call('XDEL', KEYS[2], ARGV[3])
return 1`)

// Release unlocks a conversation and acknowledges (and deletes) the stream
// entry that brought the worker there, in one round trip.
func (s *Store) Release(ctx context.Context, conv, token, stream, group, entryID string) error {
	return releaseScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv), stream}, token, group, entryID).Err()
}
