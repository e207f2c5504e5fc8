package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// WhatsAppDirectory keeps, in Redis, the WhatsApp LID ⇄ phone map and the
// numbers that wrote to us (the cold-contact rule), so that a restart or
// another process holding the number forgets neither.
type WhatsAppDirectory struct{ s *Store }

// WhatsAppDirectory returns the store's WhatsApp directory.
func (s *Store) WhatsAppDirectory() WhatsAppDirectory { return WhatsAppDirectory{s} }

// PhoneForLID returns the phone for a LID, or "" when unknown.
func (d WhatsAppDirectory) PhoneForLID(ctx context.Context, lid string) (string, error) {
	v, err := d.s.rdb.HGet(ctx, d.s.keys.Prefix+":wa:lids", lid).Result()
	if errors.Is(err, redis.Nil) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("look up LID: %w", err)
	}
	return v, nil
}

// PutLID remembers which phone a LID belongs to.
func (d WhatsAppDirectory) PutLID(ctx context.Context, lid, phone string) error {
	return d.s.rdb.HSet(ctx, d.s.keys.Prefix+":wa:lids", lid, phone).Err()
}

// NoteInbound records that a number wrote to us.
func (d WhatsAppDirectory) NoteInbound(ctx context.Context, phone string, at time.Time) error {
	return d.s.rdb.HSet(ctx, d.s.keys.Prefix+":wa:contacts", phone, at.Unix()).Err()
}

// HasWritten reports whether a number ever wrote to us.
func (d WhatsAppDirectory) HasWritten(ctx context.Context, phone string) (bool, error) {
	return d.s.rdb.HExists(ctx, d.s.keys.Prefix+":wa:contacts", phone).Result()
}
