package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
)

// opsRedis is where the operator commands (status, dead) read: the
// service's own Redis, from the same settings `quita serve` uses.
type opsRedis struct {
	url, prefix string
	dataDir     string // embedded mode: where a running serve leaves its Redis's address
}

// addFlags adds --redis and --prefix, defaulting to REDIS_URL and
// QUITA_REDIS_PREFIX as `quita serve` reads them.
func (o *opsRedis) addFlags(fs *flag.FlagSet) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	o.dataDir = cfg.DataDir
	fs.StringVar(&o.url, "redis", cfg.RedisURL, "Redis URL (default $REDIS_URL; empty: the embedded Redis of the quita serve running on $QUITA_DATA_DIR)")
	fs.StringVar(&o.prefix, "prefix", cfg.RedisPrefix, "key prefix (default $QUITA_REDIS_PREFIX or quita)")
	return nil
}

// connect reaches the Redis. Unlike `quita import`, it never starts an
// embedded Redis from the snapshot: an operator must see the live queues,
// not the figures of the last shutdown.
func (o *opsRedis) connect(ctx context.Context, stderr io.Writer) (redis.UniversalClient, error) {
	url := o.url
	if url == "" {
		file := filepath.Join(o.dataDir, embeddedURLFile)
		b, err := os.ReadFile(file)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return nil, fmt.Errorf("no Redis to read: set REDIS_URL or --redis redis://host:6379/0 to the service's Redis " +
					"(in embedded mode, start quita serve on the same QUITA_DATA_DIR first)")
			}
			return nil, fmt.Errorf("read the embedded Redis address: %w", err)
		}
		url = strings.TrimSpace(string(b))
		fmt.Fprintf(stderr, "embedded mode: reading the running quita serve's Redis (%s)\n", file)
	}
	o.url = url
	redis.SetLogger(quietRedis{}) // the error below says it all, once, instead of a log line per dial attempt
	rdb, err := storage.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("%w, or pass --redis URL", err)
	}
	return rdb, nil
}

// quietRedis drops go-redis's own log lines (operator commands only).
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
