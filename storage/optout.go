package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// OptOutRecord is the audit record of an opt-out: kept forever.
type OptOutRecord struct {
	Channel string    `json:"channel"`
	Phone   string    `json:"phone"`
	At      time.Time `json:"at"`
	Message string    `json:"message"` // the debtor's own words
}

// RecordOptOut stores an opt-out; the first one wins (its time and words are the audit trail).
func (s *Store) RecordOptOut(ctx context.Context, r OptOutRecord) error {
	key := s.keys.OptOut(r.Channel, r.Phone)
	ok, err := s.rdb.HSetNX(ctx, key, "at", r.At.UTC().Format(time.RFC3339Nano)).Result()
	if err != nil {
		return fmt.Errorf("record opt-out: %w", err)
	}
	if ok {
		return s.rdb.HSet(ctx, key, "message", r.Message, "channel", r.Channel, "phone", r.Phone).Err()
	}
	return nil
}

// OptedOut reports whether and since when a number opted out of a channel.
func (s *Store) OptedOut(ctx context.Context, channel, phone string) (time.Time, bool, error) {
	pipe := s.rdb.Pipeline()
	plain, hashed := s.optOutCmds(ctx, pipe, channel, phone)
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return time.Time{}, false, fmt.Errorf("check opt-out: %w", err)
	}
	at, ok := optOutOf(plain, hashed)
	return at, ok, nil
}

// optOutCmds queues the reads of a number's opt-out of a channel: its
// record, and with a subject hasher the record an erasure left (hashed).
func (s *Store) optOutCmds(ctx context.Context, pipe redis.Pipeliner, channel, phone string) (plain, hashed *redis.StringCmd) {
	plain = pipe.HGet(ctx, s.keys.OptOut(channel, phone), "at")
	if hk := s.hashedOptOutKey(channel, phone); hk != "" {
		hashed = pipe.HGet(ctx, hk, "at")
	}
	return plain, hashed
}

// optOutOf reads what optOutCmds queued: opted out if either record exists.
func optOutOf(plain, hashed *redis.StringCmd) (time.Time, bool) {
	if at, ok := parseOptOut(plain.Val(), plain.Err()); ok {
		return at, true
	}
	if hashed != nil {
		return parseOptOut(hashed.Val(), hashed.Err())
	}
	return time.Time{}, false
}

// parseOptOut reads the "at" field of an opt-out record; an unreadable
// time still counts as opted out (since forever).
func parseOptOut(v string, err error) (time.Time, bool) {
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false
	}
	at, perr := time.Parse(time.RFC3339Nano, v)
	if perr != nil {
		return time.Time{}, true
	}
	return at, true
}

// EachOptOut calls f with every opt-out record (SCAN: a record written
// meanwhile may or may not be seen), stopping at f's first error.
func (s *Store) EachOptOut(ctx context.Context, f func(OptOutRecord) error) error {
	iter := s.rdb.Scan(ctx, 0, s.keys.Prefix+":optout:*", 500).Iterator()
	for iter.Next(ctx) {
		h, err := s.rdb.HGetAll(ctx, iter.Val()).Result()
		if err != nil {
			return fmt.Errorf("read opt-out: %w", err)
		}
		at, _ := parseOptOut(h["at"], nil)
		if err := f(OptOutRecord{Channel: h["channel"], Phone: h["phone"], At: at, Message: h["message"]}); err != nil {
			return err
		}
	}
	return iter.Err()
}

// ConversationCount is how many conversations Redis knows.
func (s *Store) ConversationCount(ctx context.Context) (int64, error) {
	return s.rdb.ZCard(ctx, s.keys.Conversations()).Result()
}
