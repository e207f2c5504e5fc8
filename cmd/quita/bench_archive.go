package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
)

// benchArchiveConfig sets the run's archive from --archive: off, sqlite (a
// fresh file in a temporary directory) or a postgres:// URL. It returns a
// cleanup for what it created.
func benchArchiveConfig(cfg *config.Config, flag string) (func(), error) {
	switch {
	case flag == "off":
		cfg.Archive, cfg.ArchiveURL = false, ""
		return func() {}, nil
	case flag == "sqlite":
		dir, err := os.MkdirTemp("", "quita-bench-archive-")
		if err != nil {
			return nil, err
		}
		cfg.Archive, cfg.ArchiveURL = true, "sqlite:"+dir+"/"+archive.FileName
		return func() { os.RemoveAll(dir) }, nil
	case strings.HasPrefix(flag, "postgres://"), strings.HasPrefix(flag, "postgresql://"):
		cfg.Archive, cfg.ArchiveURL = true, flag
		return func() {}, nil
	}
	return nil, fmt.Errorf("--archive %q: off, sqlite or a postgres:// URL", flag)
}

// archiveWatch follows the archive during a bench run: the outbox's lag
// every 100 ms (its maximum), and the archive's rows before and after.
type archiveWatch struct {
	db         *archive.DB
	store      *storage.Store
	before     int64 // rows in the archive before the run
	beforeMsgs int64 // of them, messages
	start      time.Time

	mu     sync.Mutex
	maxLag time.Duration
	stop   context.CancelFunc
	done   chan struct{}
}

func archiveRows(ctx context.Context, db *archive.DB) (int64, error) {
	var n int64
	for _, t := range archive.Tables {
		c, err := db.Count(ctx, t)
		if err != nil {
			return 0, err
		}
		n += c
	}
	return n, nil
}

func watchArchive(ctx context.Context, db *archive.DB, st *storage.Store) (*archiveWatch, error) {
	before, err := archiveRows(ctx, db)
	if err != nil {
		return nil, err
	}
	msgs, err := db.Count(ctx, "messages")
	if err != nil {
		return nil, err
	}
	w := &archiveWatch{db: db, store: st, before: before, beforeMsgs: msgs, start: time.Now(), done: make(chan struct{})}
	wctx, stop := context.WithCancel(ctx)
	w.stop = stop
	go func() {
		defer close(w.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-wctx.Done():
				return
			case now := <-t.C:
				if b, err := st.ArchiveBacklog(wctx); err == nil {
					w.mu.Lock()
					w.maxLag = max(w.maxLag, b.Lag(now))
					w.mu.Unlock()
				}
			}
		}
	}()
	return w, nil
}

// finish waits (up to drain) for the outbox to empty and describes what the
// archive took: rows, rows/s from the first level's start to drained, the
// largest lag seen, and how long after the load it drained.
func (w *archiveWatch) finish(ctx context.Context, loadEnd time.Time, drain time.Duration) (string, error) {
	deadline := time.Now().Add(drain)
	var b storage.ArchiveBacklog
	var err error
	for {
		if b, err = w.store.ArchiveBacklog(ctx); err != nil {
			return "", err
		}
		if b.Dirty+b.Busy+b.Actions == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond) // polling the outbox with a deadline
	}
	drained := time.Now()
	w.stop()
	<-w.done
	after, err := archiveRows(ctx, w.db)
	if err != nil {
		return "", err
	}
	msgs, err := w.db.Count(ctx, "messages")
	if err != nil {
		return "", err
	}
	rows := after - w.before
	state := fmt.Sprintf("drained %.1f s after the load ended", drained.Sub(loadEnd).Seconds())
	if left := b.Dirty + b.Busy + b.Actions; left > 0 {
		state = fmt.Sprintf("NOT drained within --drain %s (%d conversations and actions left)", drain, left)
	}
	w.mu.Lock()
	maxLag := w.maxLag
	w.mu.Unlock()
	return fmt.Sprintf("Archive %s: %d rows written (%d messages), %.0f rows/s from the first level's start to drained; largest lag %.1f s; %s.\n\n",
		w.db, rows, msgs-w.beforeMsgs, float64(rows)/drained.Sub(w.start).Seconds(), maxLag.Seconds(), state), nil
}
