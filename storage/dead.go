package storage

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// DeadLetters is the list of inbound entries that could not be decoded,
// moved aside so that their conversation goes on (Store.DeadLetter). Only
// an operator empties it (quita dead clear).
func (k Keys) DeadLetters() string { return k.Prefix + ":dead" }

// DeadLetterEntry is one dead-lettered inbox entry: the conversation it was
// in and the raw text that failed to decode.
type DeadLetterEntry struct {
	Conversation string `json:"conversation"`
	Raw          string `json:"raw"`
}

// decodeDeadLetter reads one list item; an item that is not the JSON
// Store.DeadLetter writes is kept whole in Raw, so nothing is hidden.
func decodeDeadLetter(item string) DeadLetterEntry {
	var e DeadLetterEntry
	if err := json.Unmarshal([]byte(item), &e); err != nil || (e.Conversation == "" && e.Raw == "") {
		return DeadLetterEntry{Raw: item}
	}
	return e
}

func decodeDeadLetters(items []string) []DeadLetterEntry {
	out := make([]DeadLetterEntry, len(items))
	for i, item := range items {
		out[i] = decodeDeadLetter(item)
	}
	return out
}

// DeadLetterList returns up to limit dead letters, oldest first (limit <= 0:
// all of them), and how many the list holds.
func (s *Store) DeadLetterList(ctx context.Context, limit int) ([]DeadLetterEntry, int64, error) {
	stop := int64(limit) - 1
	if limit <= 0 {
		stop = -1
	}
	var items *redis.StringSliceCmd
	var n *redis.IntCmd
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		items = p.LRange(ctx, s.keys.DeadLetters(), 0, stop)
		n = p.LLen(ctx, s.keys.DeadLetters())
		return nil
	}); err != nil {
		return nil, 0, fmt.Errorf("read dead letters (%s): %w", s.keys.DeadLetters(), err)
	}
	return decodeDeadLetters(items.Val()), n.Val(), nil
}

// ClearDeadLetters empties the dead-letter list and returns what it held,
// read and deleted in one transaction so that an entry moved aside
// meanwhile is neither lost unseen nor counted twice.
func (s *Store) ClearDeadLetters(ctx context.Context) ([]DeadLetterEntry, error) {
	var items *redis.StringSliceCmd
	if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		items = p.LRange(ctx, s.keys.DeadLetters(), 0, -1)
		p.Del(ctx, s.keys.DeadLetters())
		return nil
	}); err != nil {
		return nil, fmt.Errorf("clear dead letters (%s): %w", s.keys.DeadLetters(), err)
	}
	return decodeDeadLetters(items.Val()), nil
}
