package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// Trimming keeps Redis to hot state: once a conversation is closed or idle
// and fully archived, its transcript (log, messages, statuses) leaves
// Redis; what stays is its dialog state, its place in the recency index
// and its entry here, the number of messages trimmed, so that new messages
// continue the archive's sequence and Transcript reads the older part from
// the archive (ColdHistory) transparently.

// ArchiveTrimmed is the hash conversation → messages trimmed from Redis.
func (k Keys) ArchiveTrimmed() string { return k.Prefix + ":archive:trimmed" }

// ColdHistory serves the trimmed part of a transcript: the last limit (all
// when limit <= 0) of a conversation's messages before position base,
// oldest first, as Transcript would have returned them.
type ColdHistory interface {
	Before(ctx context.Context, conv string, base, limit int) ([]Message, error)
}

// SetColdHistory makes Transcript read trimmed messages from h.
func (s *Store) SetColdHistory(h ColdHistory) { s.cold = h }

// TrimBase is how many of a conversation's messages were trimmed (0: none).
func (s *Store) TrimBase(ctx context.Context, conv string) (int, error) {
	n, err := s.rdb.HGet(ctx, s.keys.ArchiveTrimmed(), conv).Int()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read trim base: %w", err)
	}
	return n, nil
}

// LogLength is how many messages a conversation has in Redis.
func (s *Store) LogLength(ctx context.Context, conv string) (int, error) {
	n, err := s.rdb.LLen(ctx, s.keys.Log(conv)).Result()
	return int(n), err
}

// ConversationActivity is a page of conversations with their last
// activity, least recent first.
func (s *Store) ConversationActivity(ctx context.Context, offset, limit int64) ([]redis.Z, error) {
	return s.rdb.ZRangeWithScores(ctx, s.keys.Conversations(), offset, offset+limit-1).Result()
}

// trimScript drops a conversation's transcript from Redis if the caller
// still holds its lock and the log has exactly the messages archived.
var trimScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if redis.call('LLEN', KEYS[2]) ~= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('HSET', KEYS[5], ARGV[3], ARGV[4])
redis.call('ZREM', KEYS[6], ARGV[3])
if ARGV[5] == '1' then
  redis.call('DEL', KEYS[7])
  redis.call('ZREM', KEYS[8], ARGV[3])
end
return 1`)

// ErrChangedSinceArchived means a trim found new messages: archive again.
var ErrChangedSinceArchived = errors.New("the conversation changed since it was archived")

// Trim drops the transcript of conv (whose lock token holds) from Redis,
// given that its log has n messages, all archived; base is what was
// trimmed before. With dropState (a closed conversation, whose state the
// archive holds) the dialog state and the nudge go too: a new message
// starts a new dialog, as after StateClosed, while the opt-out and
// wrong-number records keep the number silent.
func (s *Store) Trim(ctx context.Context, conv, token string, base, n int, dropState bool) error {
	drop := "0"
	if dropState {
		drop = "1"
	}
	res, err := trimScript.Run(ctx, s.rdb, []string{s.keys.Lock(conv), s.keys.Log(conv), s.keys.Msgs(conv), s.keys.Status(conv),
		s.keys.ArchiveTrimmed(), s.keys.ArchiveDirty(), s.keys.State(conv), s.keys.Nudges()}, token, n, conv, strconv.Itoa(base+n), drop).Int()
	switch {
	case err != nil:
		return fmt.Errorf("trim transcript: %w", err)
	case res == -1:
		return ErrLockLost
	case res == 0:
		return ErrChangedSinceArchived
	}
	return nil
}
