package storage

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultPrefix namespaces every key quita writes.
const DefaultPrefix = "quita"

// Store is quita's Redis repository.
type Store struct {
	rdb     redis.UniversalClient
	keys    Keys
	accepts *acceptGroup
	// archiving: commits and statuses also write the archive's outbox
	// (archive_outbox.go); off, nothing is written for an archiver.
	archiving atomic.Bool
	// hasher finds erased subjects' opt-outs (subject.go).
	hasher SubjectHasher
	// cold serves the trimmed part of transcripts (trim.go).
	cold ColdHistory
}

// New returns a Store over a connected client; prefix "" means DefaultPrefix.
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{rdb: rdb, keys: Keys{Prefix: prefix}, accepts: &acceptGroup{}}
}

// Redis is the underlying client, for health checks and the scheduler.
func (s *Store) Redis() redis.UniversalClient { return s.rdb }

// Keys is the key layout in use.
func (s *Store) Keys() Keys { return s.keys }

// NewID returns a unique, time-ordered id: milliseconds in base 36 plus 8 random bytes.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return strconv.FormatInt(time.Now().UnixMilli(), 36) + hex.EncodeToString(b[:])
}
