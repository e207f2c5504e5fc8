package storage

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// An upload is a portfolio file an admin sent to the console: checked
// (its preview shown), then, once confirmed, imported with its progress
// kept here, so that any process serving the console shows it.

// Upload states.
const (
	UploadChecked = "checked" // previewed, waiting for confirmation
	UploadRunning = "running" // being imported
	UploadDone    = "done"
	UploadFailed  = "failed" // stopped by an error (confirming again retries)
)

// Upload is an uploaded file's record (without the file).
type Upload struct {
	ID, Name, By     string
	Sheet, Encoding  string
	Map              string
	State            string
	Done, Total      int
	Preview, Summary []byte // JSON, as the console wrote them
	Error            string
	At               time.Time
}

// Upload is the hash of an upload (its file in the field "file").
func (k Keys) Upload(id string) string { return k.Prefix + ":upload:" + id }

// SaveUpload stores a checked upload and its file for ttl.
func (s *Store) SaveUpload(ctx context.Context, u Upload, file []byte, ttl time.Duration) error {
	key := s.keys.Upload(u.ID)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, key, "name", u.Name, "by", u.By, "sheet", u.Sheet, "encoding", u.Encoding, "map", u.Map,
		"state", UploadChecked, "done", 0, "total", u.Total, "preview", u.Preview, "at", u.At.UTC().Format(time.RFC3339), "file", file)
	pipe.Expire(ctx, key, ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save upload: %w", err)
	}
	return nil
}

// LoadUpload reads an upload's record; ErrNotFound when it expired.
func (s *Store) LoadUpload(ctx context.Context, id string) (Upload, error) {
	m, err := s.rdb.HMGet(ctx, s.keys.Upload(id), "name", "by", "sheet", "encoding", "map", "state", "done", "total",
		"preview", "summary", "error", "at").Result()
	if err != nil {
		return Upload{}, fmt.Errorf("load upload: %w", err)
	}
	str := func(i int) string { v, _ := m[i].(string); return v }
	if str(5) == "" {
		return Upload{}, ErrNotFound
	}
	u := Upload{ID: id, Name: str(0), By: str(1), Sheet: str(2), Encoding: str(3), Map: str(4), State: str(5),
		Preview: []byte(str(8)), Summary: []byte(str(9)), Error: str(10)}
	u.Done, _ = strconv.Atoi(str(6))
	u.Total, _ = strconv.Atoi(str(7))
	u.At, _ = time.Parse(time.RFC3339, str(11))
	return u, nil
}

// UploadFile is an upload's file.
func (s *Store) UploadFile(ctx context.Context, id string) ([]byte, error) {
	b, err := s.rdb.HGet(ctx, s.keys.Upload(id), "file").Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("load upload file: %w", err)
	}
	return b, nil
}

// startUploadScript moves a checked (or failed) upload to running.
var startUploadScript = redis.NewScript(`
local st = redis.call('HGET', KEYS[1], 'state')
if st ~= ARGV[1] and st ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'done', 0, 'error', '')
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`)

// StartUpload marks a confirmed upload running, kept for ttl; false when
// it is already running or done (a second click, or another admin), or gone.
func (s *Store) StartUpload(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	n, err := startUploadScript.Run(ctx, s.rdb, []string{s.keys.Upload(id)}, UploadChecked, UploadFailed, UploadRunning, ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("start upload: %w", err)
	}
	return n == 1, nil
}

// UploadProgress records how many rows are written of how many.
func (s *Store) UploadProgress(ctx context.Context, id string, done, total int) error {
	return s.rdb.HSet(ctx, s.keys.Upload(id), "done", done, "total", total).Err()
}

// FinishUpload records the end of an import (done or failed, with its
// summary and error) for ttl more; the file goes once it is done.
func (s *Store) FinishUpload(ctx context.Context, id, state string, summary []byte, errMsg string, ttl time.Duration) error {
	key := s.keys.Upload(id)
	pipe := s.rdb.TxPipeline()
	pipe.HSet(ctx, key, "state", state, "summary", summary, "error", errMsg)
	if state == UploadDone {
		pipe.HDel(ctx, key, "file")
	}
	pipe.Expire(ctx, key, ttl)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("finish upload: %w", err)
	}
	return nil
}
