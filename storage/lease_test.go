package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// Lease tests run against the real Redis that redistest finds (REDIS_URL, or
// 127.0.0.1:6379), else miniredis; with QUITA_REQUIRE_REDIS=1 a missing real
// Redis fails them.

func leaseKey(r *redistest.Server) string {
	return storage.WhatsAppLeaseKey(r.Prefix, "+5511900000000")
}

func mustBool(t *testing.T, what string, got bool, err error, want bool) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func TestLeaseOnlyOneHolder(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	a := storage.NewLease(r.Client, leaseKey(r), time.Minute)
	b := storage.NewLease(r.Client, leaseKey(r), time.Minute)
	if a.Token() == b.Token() || len(a.Token()) != 32 {
		t.Fatalf("tokens %q and %q: want two random 128-bit tokens", a.Token(), b.Token())
	}
	ok, err := a.Acquire(ctx)
	mustBool(t, "a.Acquire", ok, err, true)
	ok, err = b.Acquire(ctx)
	mustBool(t, "b.Acquire while a holds it", ok, err, false)
	ok, err = a.Acquire(ctx)
	mustBool(t, "a.Acquire again (a lost reply retried)", ok, err, true)
	if v, _ := r.Client.Get(ctx, leaseKey(r)).Result(); v != a.Token() {
		t.Fatalf("key holds %q, want a's token", v)
	}
}

func TestLeaseRenewByOwnerOnly(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	a := storage.NewLease(r.Client, leaseKey(r), 10*time.Second)
	b := storage.NewLease(r.Client, leaseKey(r), time.Hour)
	ok, err := a.Acquire(ctx)
	mustBool(t, "a.Acquire", ok, err, true)

	ok, err = b.Renew(ctx)
	mustBool(t, "b.Renew of a's lease", ok, err, false)
	if ttl := r.Client.PTTL(ctx, leaseKey(r)).Val(); ttl > 10*time.Second {
		t.Fatalf("a non-owner's renew changed the TTL to %v", ttl)
	}
	r.Client.PExpire(ctx, leaseKey(r), time.Second) // let time pass without sleeping
	ok, err = a.Renew(ctx)
	mustBool(t, "a.Renew", ok, err, true)
	if ttl := r.Client.PTTL(ctx, leaseKey(r)).Val(); ttl <= time.Second || ttl > 10*time.Second {
		t.Fatalf("after renew the TTL is %v, want back near 10s", ttl)
	}
}

func TestLeaseReleaseByNonOwnerDoesNothing(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	a := storage.NewLease(r.Client, leaseKey(r), time.Minute)
	b := storage.NewLease(r.Client, leaseKey(r), time.Minute)
	ok, err := a.Acquire(ctx)
	mustBool(t, "a.Acquire", ok, err, true)
	if err := b.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Client.Get(ctx, leaseKey(r)).Result(); v != a.Token() {
		t.Fatalf("after b.Release the key holds %q, want a's token", v)
	}
	ok, err = b.Acquire(ctx)
	mustBool(t, "b.Acquire after its own no-op release", ok, err, false)

	if err := a.Release(ctx); err != nil {
		t.Fatal(err)
	}
	ok, err = b.Acquire(ctx)
	mustBool(t, "b.Acquire after a released", ok, err, true)
	ok, err = a.Renew(ctx)
	mustBool(t, "a.Renew after b took over", ok, err, false)
}

func TestLeaseExpiryLetsTheOtherTakeIt(t *testing.T) {
	r := redistest.New(t)
	ctx := context.Background()
	ttl := time.Hour
	if r.Real {
		ttl = 200 * time.Millisecond // a real server expires keys on its own clock
	}
	a := storage.NewLease(r.Client, leaseKey(r), ttl)
	b := storage.NewLease(r.Client, leaseKey(r), time.Minute)
	ok, err := a.Acquire(ctx) // a then dies without releasing
	mustBool(t, "a.Acquire", ok, err, true)
	ok, err = b.Acquire(ctx)
	mustBool(t, "b.Acquire before expiry", ok, err, false)

	if r.Real {
		deadline := time.Now().Add(5 * time.Second)
		for {
			ok, err = b.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("b never took the lease after a's %v TTL ran out", ttl)
			}
			time.Sleep(10 * time.Millisecond) // poll interval; the condition is the lease itself
		}
	} else {
		r.Mini.FastForward(ttl)
		ok, err = b.Acquire(ctx)
		mustBool(t, "b.Acquire after expiry", ok, err, true)
	}
	ok, err = a.Renew(ctx)
	mustBool(t, "a.Renew after expiry and takeover", ok, err, false)
	ok, err = a.Acquire(ctx)
	mustBool(t, "a.Acquire while b holds it", ok, err, false)
}
