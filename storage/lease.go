package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease is a named, expiring claim that exactly one process holds at a time,
// e.g. one WhatsApp number across several `quita serve` instances. The holder
// proves itself with a random token: only it can renew or release the lease,
// and if it dies the lease expires after its TTL and another process takes it.
//
// The key holds the token (string, PX ttl); see WhatsAppLeaseKey.
type Lease struct {
	rdb   redis.UniversalClient
	key   string
	ttl   time.Duration
	token string
}

// WhatsAppLeaseKey is the lease key of a whatsmeow number (E.164).
func WhatsAppLeaseKey(prefix, phone string) string { return prefix + ":lease:whatsapp:" + phone }

// NewLease returns a lease on key with a fresh random token. Nothing is sent
// to Redis until Acquire.
func NewLease(rdb redis.UniversalClient, key string, ttl time.Duration) *Lease {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("lease token: %v", err)) // crypto/rand never fails on supported platforms
	}
	return &Lease{rdb: rdb, key: key, ttl: ttl, token: hex.EncodeToString(b[:])}
}

// Acquire takes the lease if nobody holds it (SET NX PX). It also reports
// true, and extends the TTL, when this Lease already holds it — so a retry
// after a lost reply does not lock the holder out until expiry.
func (l *Lease) Acquire(ctx context.Context) (bool, error) {
	ok, err := l.rdb.SetNX(ctx, l.key, l.token, l.ttl).Result()
	if err != nil {
		return false, fmt.Errorf("lease %s: acquire: %w", l.key, err)
	}
	if ok {
		return true, nil
	}
	return l.Renew(ctx)
}

// Renew extends the lease by its TTL if this Lease still holds it, and
// reports false if it does not (it expired, or another process took it).
func (l *Lease) Renew(ctx context.Context) (bool, error) {
	n, err := extendScript.Run(ctx, l.rdb, []string{l.key}, l.token, l.ttl.Milliseconds()).Int()
	if err != nil {
		return false, fmt.Errorf("lease %s: renew: %w", l.key, err)
	}
	return n == 1, nil
}

// Release gives the lease up if this Lease holds it; otherwise it does nothing.
func (l *Lease) Release(ctx context.Context) error {
	if err := unlockScript.Run(ctx, l.rdb, []string{l.key}, l.token).Err(); err != nil {
		return fmt.Errorf("lease %s: release: %w", l.key, err)
	}
	return nil
}

// Token is this holder's random token.
func (l *Lease) Token() string { return l.token }

// TTL is how long the lease lives without a renewal.
func (l *Lease) TTL() time.Duration { return l.ttl }

// Key is the Redis key of the lease.
func (l *Lease) Key() string { return l.key }
