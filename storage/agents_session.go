package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Session is a logged-in console browser.
type Session struct {
	Email     string    `json:"email"`
	CSRF      string    `json:"csrf"` // per-session token every POST must echo
	CreatedAt time.Time `json:"created_at"`
}

// Session is one console session, keyed by the SHA-256 (hex) of its cookie
// value so that a copy of the database holds no usable session id (JSON
// string with the session's TTL).
func (k Keys) Session(hash string) string { return k.Prefix + ":session:" + hash }

// LoginFailures counts failed logins of one subject ("ip:…" or "email:…")
// in the current window (integer with the window's TTL).
func (k Keys) LoginFailures(subject string) string { return k.Prefix + ":login-fail:" + subject }

// SaveSession stores a session for ttl.
func (s *Store) SaveSession(ctx context.Context, hash string, sess Session, ttl time.Duration) error {
	body, err := json.Marshal(sess)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	return s.rdb.Set(ctx, s.keys.Session(hash), body, ttl).Err()
}

// LoadSession returns a session; ErrNotFound when it expired or never existed.
func (s *Store) LoadSession(ctx context.Context, hash string) (Session, error) {
	var sess Session
	err := s.getJSON(ctx, s.keys.Session(hash), &sess)
	return sess, err
}

// DeleteSession logs a session out.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	return s.rdb.Del(ctx, s.keys.Session(hash)).Err()
}

// LoginFailures returns how many failures a subject has in its window.
func (s *Store) LoginFailures(ctx context.Context, subject string) (int64, error) {
	n, err := s.rdb.Get(ctx, s.keys.LoginFailures(subject)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read login failures: %w", err)
	}
	return n, nil
}

var loginFailScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`)

// AddLoginFailure counts one failure; the window starts at the first one.
func (s *Store) AddLoginFailure(ctx context.Context, subject string, window time.Duration) error {
	err := loginFailScript.Run(ctx, s.rdb, []string{s.keys.LoginFailures(subject)}, window.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("count login failure: %w", err)
	}
	return nil
}

// ClearLoginFailures forgets a subject's failures (after a good login).
func (s *Store) ClearLoginFailures(ctx context.Context, subject string) error {
	return s.rdb.Del(ctx, s.keys.LoginFailures(subject)).Err()
}
