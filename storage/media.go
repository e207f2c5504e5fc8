package storage

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
)

// MediaTTL is how long generated documents stay downloadable.
const MediaTTL = 7 * 24 * time.Hour

// ErrNotFound means a record does not exist (or expired).
var ErrNotFound = errors.New("not found")

// PutMedia stores a file and returns its id.
func (s *Store) PutMedia(ctx context.Context, f channels.MediaFile) (string, error) {
	id := NewID()
	key := s.keys.Media(id)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, key, "ct", f.ContentType, "fn", f.Filename, "data", f.Data)
	pipe.Expire(ctx, key, MediaTTL)
	if _, err := pipe.Exec(ctx); err != nil {
		return "", fmt.Errorf("store media: %w", err)
	}
	return id, nil
}

// GetMedia loads a stored file.
func (s *Store) GetMedia(ctx context.Context, id string) (channels.MediaFile, error) {
	v, err := s.rdb.HGetAll(ctx, s.keys.Media(id)).Result()
	if errors.Is(err, redis.Nil) || (err == nil && len(v) == 0) {
		return channels.MediaFile{}, ErrNotFound
	}
	if err != nil {
		return channels.MediaFile{}, fmt.Errorf("load media: %w", err)
	}
	return channels.MediaFile{ContentType: v["ct"], Filename: v["fn"], Data: []byte(v["data"])}, nil
}
