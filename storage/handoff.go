package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// HandoffQueue orders the conversations waiting for a person: the most
// urgent first, then the one waiting longest (score: HandoffScore).
func (k Keys) HandoffQueue() string { return k.Prefix + ":handoff:queue" }

// HandoffAssigned holds the conversations an agent holds, scored by the
// agent's last activity (unix ms), so that idle ones are found by range.
func (k Keys) HandoffAssigned() string { return k.Prefix + ":handoff:assigned" }

// HandoffEvents is the pub/sub channel of handoff transitions (JSON HandoffEvent).
func (k Keys) HandoffEvents() string { return k.Prefix + ":handoff:events" }

// HandoffLog is a conversation's recent handoff transitions (JSON, newest first).
func (k Keys) HandoffLog(conv string) string { return k.conv(conv, "handoffs") }

// handoffLogMax bounds a conversation's handoff history.
const handoffLogMax = 50

// HandoffScore sorts the queue by priority (higher first) and then by the
// time the conversation started waiting (older first). Unix milliseconds
// stay below 1e13 until the year 2286 and the result below 2^53, so the
// float64 score is exact.
func HandoffScore(priority int, since time.Time) float64 {
	return float64(-int64(priority)*1e13 + since.UnixMilli())
}

// HandoffEvent is one transition of a conversation's handoff state.
type HandoffEvent struct {
	Conversation string    `json:"conversation"`
	Transition   string    `json:"transition"` // queued | claimed | released | handed_back | closed | repaired
	From         string    `json:"from"`       // status before: "" | queued | assigned
	To           string    `json:"to"`         // status after
	Reason       string    `json:"reason,omitempty"`
	Priority     int       `json:"priority,omitempty"`
	Agent        string    `json:"agent,omitempty"`
	Resume       string    `json:"resume,omitempty"` // hand-back point
	At           time.Time `json:"at"`
}

// HandoffIndex is where a conversation must appear after a transition.
type HandoffIndex struct {
	Status   string    // "" removes it from both sets
	Priority int       // queued: its priority
	Since    time.Time // queued: when it started waiting
	Activity time.Time // assigned: the agent's last activity
}

// IndexHandoff puts a conversation in the set its status asks for (and out
// of the other), records the event in its history and publishes it on
// HandoffEvents and Events, in one transaction. ev may be nil to only
// re-index (agent activity).
func (s *Store) IndexHandoff(ctx context.Context, conv string, idx HandoffIndex, ev *HandoffEvent) error {
	var body []byte
	if ev != nil {
		var err error
		if body, err = json.Marshal(ev); err != nil {
			return fmt.Errorf("encode handoff event: %w", err)
		}
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		switch idx.Status {
		case "queued":
			p.ZRem(ctx, s.keys.HandoffAssigned(), conv)
			p.ZAdd(ctx, s.keys.HandoffQueue(), redis.Z{Score: HandoffScore(idx.Priority, idx.Since), Member: conv})
		case "assigned":
			p.ZRem(ctx, s.keys.HandoffQueue(), conv)
			p.ZAdd(ctx, s.keys.HandoffAssigned(), redis.Z{Score: float64(idx.Activity.UnixMilli()), Member: conv})
		default:
			p.ZRem(ctx, s.keys.HandoffQueue(), conv)
			p.ZRem(ctx, s.keys.HandoffAssigned(), conv)
		}
		if body != nil {
			p.LPush(ctx, s.keys.HandoffLog(conv), body)
			p.LTrim(ctx, s.keys.HandoffLog(conv), 0, handoffLogMax-1)
			p.Publish(ctx, s.keys.HandoffEvents(), body)
			p.Publish(ctx, s.keys.Events(), conv)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("index handoff: %w", err)
	}
	return nil
}

// HandoffQueued lists the waiting conversations, most urgent first.
func (s *Store) HandoffQueued(ctx context.Context, limit int) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.HandoffQueue(), 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("read handoff queue: %w", err)
	}
	return ids, nil
}

// HandoffHeld lists the conversations agents hold, least recently active first.
func (s *Store) HandoffHeld(ctx context.Context, limit int) ([]string, error) {
	ids, err := s.rdb.ZRange(ctx, s.keys.HandoffAssigned(), 0, int64(limit)-1).Result()
	if err != nil {
		return nil, fmt.Errorf("read assigned handoffs: %w", err)
	}
	return ids, nil
}

// HandoffIdle lists held conversations whose agent has done nothing since before.
func (s *Store) HandoffIdle(ctx context.Context, before time.Time, limit int) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.keys.HandoffAssigned(), &redis.ZRangeBy{
		Min: "-inf", Max: fmt.Sprint(before.UnixMilli()), Count: int64(limit)}).Result()
	if err != nil {
		return nil, fmt.Errorf("read idle handoffs: %w", err)
	}
	return ids, nil
}

// HandoffActivity is when the agent holding conv last acted (ok=false when not held).
func (s *Store) HandoffActivity(ctx context.Context, conv string) (time.Time, bool, error) {
	ms, err := s.rdb.ZScore(ctx, s.keys.HandoffAssigned(), conv).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("read handoff activity: %w", err)
	}
	return time.UnixMilli(int64(ms)), true, nil
}

// HandoffHistory returns a conversation's recent transitions, newest first.
func (s *Store) HandoffHistory(ctx context.Context, conv string) ([]HandoffEvent, error) {
	raws, err := s.rdb.LRange(ctx, s.keys.HandoffLog(conv), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read handoff history: %w", err)
	}
	out := make([]HandoffEvent, 0, len(raws))
	for _, r := range raws {
		var e HandoffEvent
		if json.Unmarshal([]byte(r), &e) == nil {
			out = append(out, e)
		}
	}
	return out, nil
}

// PublishConversation announces a change of conv on Events (console live updates).
func (s *Store) PublishConversation(ctx context.Context, conv string) error {
	return s.rdb.Publish(ctx, s.keys.Events(), conv).Err()
}

// InHandoffQueue reports whether conv is in the queue.
func (s *Store) InHandoffQueue(ctx context.Context, conv string) (bool, error) {
	_, err := s.rdb.ZScore(ctx, s.keys.HandoffQueue(), conv).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read handoff queue: %w", err)
	}
	return true, nil
}
