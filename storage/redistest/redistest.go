// Package redistest gives tests a Redis: the real server named by REDIS_URL
// or answering on 127.0.0.1:6379, else an in-process miniredis. With
// QUITA_REQUIRE_REDIS=1 (set by .ci/run) a missing real server fails the
// test instead of falling back, so CI never silently skips real Redis.
package redistest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/storage"
)

// unreachable remembers, per URL, why no real Redis answered, so that the
// other tests of the process go straight to miniredis instead of each
// waiting for the client's dial retries (~1.7 s a test).
var (
	unreachable sync.Map
	probe       sync.Mutex
)

// Server is a Redis for one test.
type Server struct {
	Client redis.UniversalClient
	URL    string
	Real   bool                 // a real redis-server, not miniredis
	Mini   *miniredis.Miniredis // set when Real is false
	Prefix string               // a key prefix unique to this test
}

// Store returns a storage.Store on the test's prefix.
func (s *Server) Store() *storage.Store { return storage.New(s.Client, s.Prefix) }

// New returns a Redis for t, cleaned up when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	var err error
	probe.Lock() // parallel tests wait for the first verdict rather than all dialling
	defer probe.Unlock()
	if why, down := unreachable.Load(url); down {
		err = why.(error)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		rdb, cerr := storage.Connect(ctx, url)
		if cerr == nil {
			s := &Server{Client: rdb, URL: url, Real: true, Prefix: "test:" + storage.NewID()}
			t.Cleanup(func() { cleanup(rdb, s.Prefix); rdb.Close() })
			return s
		}
		err = cerr
		unreachable.Store(url, err)
	}
	if os.Getenv("QUITA_REQUIRE_REDIS") == "1" {
		t.Fatalf("QUITA_REQUIRE_REDIS=1 but no real Redis answers at %s: %v", url, err)
	}
	t.Logf("no real Redis at %s (%v): using miniredis", url, err)
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), Protocol: 2})
	t.Cleanup(func() { rdb.Close() })
	return &Server{Client: rdb, URL: "redis://" + mr.Addr() + "/0", Mini: mr, Prefix: "test:" + storage.NewID()}
}

// cleanup deletes a test's keys so a shared server does not fill up.
func cleanup(rdb redis.UniversalClient, prefix string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, prefix+":*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 500 {
			rdb.Del(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}
