package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage/redistest"
)

func TestBenchArchiveFlag(t *testing.T) {
	var cfg config.Config
	for _, tc := range []struct {
		flag, url string
		on        bool
	}{{"off", "", false}, {"postgres://u@h/db", "postgres://u@h/db", true}} {
		if _, err := benchArchiveConfig(&cfg, tc.flag); err != nil || cfg.Archive != tc.on || cfg.ArchiveURL != tc.url {
			t.Errorf("%s: %v archive %v %q", tc.flag, err, cfg.Archive, cfg.ArchiveURL)
		}
	}
	clean, err := benchArchiveConfig(&cfg, "sqlite")
	if err != nil || !cfg.Archive || !strings.HasPrefix(cfg.ArchiveURL, "sqlite:") {
		t.Fatalf("sqlite: %v %q", err, cfg.ArchiveURL)
	}
	clean()
	if _, err := benchArchiveConfig(&cfg, "mysql://x"); err == nil || !strings.Contains(err.Error(), "off, sqlite or a postgres:// URL") {
		t.Errorf("a bad --archive: %v", err)
	}
}

// A small bench inbound run with the archive on reports what it archived
// and that the outbox drained.
func TestBenchInboundWithTheArchive(t *testing.T) {
	r := redistest.New(t)
	if !strings.HasPrefix(r.URL, "redis://") {
		t.Skip("bench inbound needs a real Redis (REDIS_URL)")
	}
	out := filepath.Join(t.TempDir(), "bench.md")
	t.Setenv("QUITA_DATA_DIR", t.TempDir())
	err := benchInbound(context.Background(), []string{"--redis", r.URL, "--conversations", "20", "--concurrency", "2",
		"--duration", "300ms", "--drain", "30s", "--floor=false", "--archive", "sqlite", "--out", out})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	m := regexp.MustCompile(`Archive sqlite \S+: (\d+) rows written \((\d+) messages\), \d+ rows/s from the first level's start to drained; largest lag [\d.]+ s; drained [\d.]+ s after the load ended\.`).FindStringSubmatch(string(b))
	if m == nil || m[1] == "0" || m[2] == "0" {
		t.Fatalf("no archive line with rows:\n%s", b)
	}
}
