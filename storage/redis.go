// Package storage keeps quita's hot state in Redis: conversations,
// transcripts, the inbound and outbound streams, media, the portfolio and
// schedules. KEYS.md beside this file documents every key.
package storage

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Connect opens a go-redis UniversalClient from a URL:
//   - redis://[:password@]host:port/db or rediss://… for one server;
//   - unix://[:password@]/path/to/redis.sock?db=N for one on the same host;
//   - redis-sentinel://[:password@]host1:port,host2:port/db?master=NAME for Sentinel;
//   - redis-cluster://[:password@]host1:port,host2:port for Cluster.
//
// It pings the server so that a wrong URL fails at start, not at the first message.
func Connect(ctx context.Context, rawURL string) (redis.UniversalClient, error) {
	opts, err := universalOptions(rawURL)
	if err != nil {
		return nil, err
	}
	// Room for every webhook, worker and sender at once: go-redis's default
	// (10 per CPU) queues requests under load on a 2-core machine.
	opts.PoolSize = 10*runtime.GOMAXPROCS(0) + 64
	rdb := redis.NewUniversalClient(opts)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s does not answer PING: %w (check REDIS_URL)", redactURL(rawURL), err)
	}
	return rdb, nil
}

// AutoPipelined wraps a client so that commands issued at the same time by
// different goroutines (webhooks, workers, senders) share pipelines: one
// write and one read per batch instead of per command. On this 2-core
// target a round trip's syscalls cost more than most of our commands do in
// Redis (BENCHMARKS.md), so batching them is the largest single saving.
// Each caller still waits for its own command, so a goroutine's commands
// keep their order; batches may run concurrently (Unordered), which only
// relaxes the order between goroutines that never had one. Blocking
// commands (XREADGROUP BLOCK), transactions and WATCH go around the
// batches on their own connections, as go-redis documents.
func AutoPipelined(rdb redis.UniversalClient) (redis.UniversalClient, error) {
	ap, err := rdb.AutoPipelineWithOptions(&redis.AutoPipelineOptions{MaxConcurrentBatches: 4, Unordered: true})
	if err != nil {
		return nil, fmt.Errorf("redis autopipelining: %w (set QUITA_REDIS_AUTOPIPELINE=off)", err)
	}
	return ap, nil
}

func universalOptions(rawURL string) (*redis.UniversalOptions, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("REDIS_URL %q has no scheme: use redis://host:6379/0", redactURL(rawURL))
	}
	switch scheme {
	case "redis", "rediss":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		return &redis.UniversalOptions{Addrs: []string{o.Addr}, Username: o.Username, Password: o.Password, DB: o.DB, TLSConfig: o.TLSConfig, Protocol: 2}, nil
	case "unix":
		// A Redis on the same host: a Unix socket skips the TCP stack, which
		// is much of a round trip's cost on both sides (BENCHMARKS.md).
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w (use unix:///path/to/redis.sock?db=0)", err)
		}
		return &redis.UniversalOptions{Addrs: []string{o.Addr}, Username: o.Username, Password: o.Password, DB: o.DB, Protocol: 2,
			Dialer: func(ctx context.Context, _, addr string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, "unix", addr)
			}}, nil
	case "redis-sentinel", "redis-cluster":
		o, err := redis.ParseClusterURL("redis://" + firstHost(rest))
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		hosts, query := rest, ""
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			hosts, query = rest[:i], rest[i:]
		}
		if at := strings.LastIndex(hosts, "@"); at >= 0 {
			hosts = hosts[at+1:]
		}
		u := &redis.UniversalOptions{Addrs: strings.Split(hosts, ","), Username: o.Username, Password: o.Password, Protocol: 2}
		if scheme == "redis-sentinel" {
			_, q, _ := strings.Cut(query, "?")
			for _, kv := range strings.Split(q, "&") {
				if k, v, _ := strings.Cut(kv, "="); k == "master" {
					u.MasterName = v
				}
			}
			if u.MasterName == "" {
				return nil, fmt.Errorf("REDIS_URL: a redis-sentinel:// URL needs ?master=NAME")
			}
		} else {
			u.IsClusterMode = true
		}
		return u, nil
	}
	return nil, fmt.Errorf("REDIS_URL scheme %q is not supported: use redis://, rediss://, unix://, redis-sentinel:// or redis-cluster://", scheme)
}

func firstHost(rest string) string {
	hosts := rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		hosts = rest[:i]
	}
	cred := ""
	if at := strings.LastIndex(hosts, "@"); at >= 0 {
		cred, hosts = hosts[:at+1], hosts[at+1:]
	}
	first, _, _ := strings.Cut(hosts, ",")
	return cred + first
}

// RedactURL hides a password in a Redis URL for output (quita status).
func RedactURL(raw string) string { return redactURL(raw) }

// redactURL hides a password in a Redis URL for error messages and logs.
func redactURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return raw
	}
	return scheme + "://***@" + rest[at+1:]
}
