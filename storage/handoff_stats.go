package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Stats is a day's dashboard counters (hash: metric → integer), written by
// action handlers and read by the console's admin dashboard.
func (k Keys) Stats(day string) string { return k.Prefix + ":stats:" + day }

// statsTTL keeps daily counters for a little over a year.
const statsTTL = 400 * 24 * time.Hour

// IncrStats adds each delta to its metric on the day of at (in loc).
// Counters come from at-least-once action delivery, so a crash can count
// one event twice: they are a dashboard, not an accounting ledger.
func (s *Store) IncrStats(ctx context.Context, at time.Time, deltas map[string]int64) error {
	if len(deltas) == 0 {
		return nil
	}
	key := s.keys.Stats(at.Format(time.DateOnly))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for m, d := range deltas {
			p.HIncrBy(ctx, key, m, d)
		}
		p.Expire(ctx, key, statsTTL)
		return nil
	})
	if err != nil {
		return fmt.Errorf("count stats: %w", err)
	}
	return nil
}

// StatsDays returns the counters of each of the days days ending on last
// (oldest first), keyed by metric.
func (s *Store) StatsDays(ctx context.Context, last time.Time, days int) ([]string, []map[string]int64, error) {
	pipe := s.rdb.Pipeline()
	labels := make([]string, days)
	cmds := make([]*redis.MapStringStringCmd, days)
	for i := range days {
		d := last.AddDate(0, 0, i-days+1).Format(time.DateOnly)
		labels[i] = d
		cmds[i] = pipe.HGetAll(ctx, s.keys.Stats(d))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, nil, fmt.Errorf("read stats: %w", err)
	}
	out := make([]map[string]int64, days)
	for i, c := range cmds {
		out[i] = map[string]int64{}
		for k, v := range c.Val() {
			n, _ := strconv.ParseInt(v, 10, 64)
			out[i][k] = n
		}
	}
	return labels, out, nil
}
