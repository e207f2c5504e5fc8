package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Nudges is the sorted set of conversations waiting for the debtor's answer,
// by the time a gentle "still there?" is due.
func (k Keys) Nudges() string { return k.Prefix + ":nudges" }

// ScheduleNudge sets (or moves) a conversation's nudge time.
func (s *Store) ScheduleNudge(ctx context.Context, conv string, at time.Time) error {
	return s.rdb.ZAdd(ctx, s.keys.Nudges(), redis.Z{Score: float64(at.UnixMilli()), Member: conv}).Err()
}

var claimNudgesScript = redis.NewScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, c in ipairs(due) do redis.call('ZREM', KEYS[1], c) end
return due`)

// ClaimNudges takes up to max conversations whose nudge is due by now; each
// is claimed by one process only.
func (s *Store) ClaimNudges(ctx context.Context, now time.Time, max int) ([]string, error) {
	v, err := claimNudgesScript.Run(ctx, s.rdb, []string{s.keys.Nudges()}, strconv.FormatInt(now.UnixMilli(), 10), max).StringSlice()
	if err != nil {
		return nil, fmt.Errorf("claim nudges: %w", err)
	}
	return v, nil
}
