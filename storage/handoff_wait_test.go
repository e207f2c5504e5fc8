package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

func TestHandoffSinceInvertsTheScore(t *testing.T) {
	since := time.Date(2026, 3, 14, 3, 0, 0, 123e6, time.UTC)
	for _, priority := range []int{0, 1, 2, 3, 7} {
		got := storage.HandoffSince(storage.HandoffScore(priority, since))
		if !got.Equal(since) {
			t.Errorf("priority %d: since %v, want %v", priority, got, since)
		}
	}
}

// Each priority's range holds exactly its own queued conversations, the
// longest waiting first, as the queue figures read them.
func TestHandoffPriorityRangeSelectsOnePriority(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	key := r.Store().Keys().HandoffQueue()
	base := time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)
	queue := map[string]struct {
		priority int
		since    time.Time
	}{
		"urgent-new": {3, base.Add(time.Hour)},
		"urgent-old": {3, base},
		"normal-old": {1, base.Add(-5 * time.Hour)},
		"none":       {0, base.Add(-time.Minute)},
	}
	for conv, q := range queue {
		if err := r.Client.ZAdd(ctx, key, redis.Z{Score: storage.HandoffScore(q.priority, q.since), Member: conv}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		priority  int
		wantFirst string
		wantN     int
	}{{3, "urgent-old", 2}, {2, "", 0}, {1, "normal-old", 1}, {0, "none", 1}} {
		lo, hi := storage.HandoffPriorityRange(c.priority)
		got, err := r.Client.ZRangeByScoreWithScores(ctx, key, &redis.ZRangeBy{Min: lo, Max: hi}).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.wantN {
			t.Fatalf("priority %d: %d members, want %d", c.priority, len(got), c.wantN)
		}
		if c.wantN == 0 {
			continue
		}
		first := got[0].Member.(string)
		if first != c.wantFirst || !storage.HandoffSince(got[0].Score).Equal(queue[first].since) {
			t.Errorf("priority %d: first %s since %v, want %s since %v", c.priority, first,
				storage.HandoffSince(got[0].Score), c.wantFirst, queue[c.wantFirst].since)
		}
	}
}
