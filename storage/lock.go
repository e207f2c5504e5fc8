package storage

import (
	"context"
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

// ExtendLock renews a conversation's lock while its token owns it.
func (s *Store) ExtendLock(ctx context.Context, conv, token string, ttl time.Duration) (bool, error) {
	n, err := extendScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv)}, token, ttl.Milliseconds()).Int()
	return n == 1, err
}
