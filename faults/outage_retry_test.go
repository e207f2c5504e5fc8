package faults

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
)

// TestEntriesPendingAcrossARedisOutageAreTakenBackAtOnce: an inbound entry
// whose step died with Redis (here: read by a consumer that never came
// back) is pending when Redis restarts. The workers take it back as soon as
// their reads work again, not after ClaimIdle, which this test sets to an
// hour so that only the outage path can answer the debtor.
func TestEntriesPendingAcrossARedisOutageAreTakenBackAtOnce(t *testing.T) {
	r := startRedis(t)
	ctx := context.Background()
	store := r.store(t)
	if err := store.EnsureGroup(ctx, store.Keys().Inbound(), storage.GroupWorkers); err != nil {
		t.Fatal(err)
	}
	stuck := phone(300)
	if err := store.Accept(ctx, storage.Message{ID: storage.NewID(), Conversation: stuck, Direction: storage.In,
		Channel: channels.Simulator, Text: "oi", ProviderID: "sim-outage-1", Origin: "debtor",
		Status: channels.StatusReceived, At: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	if e, err := store.ReadGroup(ctx, store.Keys().Inbound(), storage.GroupWorkers, "died-with-redis", 10, 0); err != nil || len(e) != 1 {
		t.Fatalf("the lost worker's read: %v %v", e, err)
	}

	logs := lockedBuffer{mu: &sync.Mutex{}, b: &bytes.Buffer{}}
	p := startPipelineLogging(t, r, "http://127.0.0.1:9", bot.Options{Workers: 2, Senders: 2,
		ClaimIdle: time.Hour, ClaimEvery: time.Hour, ReadBlock: 200 * time.Millisecond}, slog.New(slog.NewTextHandler(logs, nil)))
	logged := func(what string) bool {
		logs.mu.Lock()
		defer logs.mu.Unlock()
		return strings.Contains(logs.b.String(), what)
	}
	if err := p.bot.Accept(ctx, channels.Inbound{Channel: channels.Simulator, From: phone(301), Text: "oi", ProviderID: "sim-outage-2"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "a reply before the outage", func() (bool, string) {
		_, ok := p.lastOut(t, phone(301))
		return ok, "no reply yet"
	})
	if _, ok := p.lastOut(t, stuck); ok {
		t.Fatal("the stuck entry was answered before any outage: the test proves nothing")
	}

	// Redis stays down until the workers' reads have failed: a restart
	// quicker than the client's own retries is no outage to them.
	r.kill()
	waitFor(t, 20*time.Second, "the workers' stream read failing", func() (bool, string) {
		return logged(`msg="stream read failed; retrying" stream=quita:in`), "no failed read logged"
	})
	r.start()

	waitFor(t, 20*time.Second, "the entry pending across the outage answered", func() (bool, string) {
		_, ok := p.lastOut(t, stuck)
		return ok, "no reply yet"
	})
	waitFor(t, 20*time.Second, "nothing left pending", func() (bool, string) {
		n, err := store.Pending(ctx, store.Keys().Inbound(), storage.GroupWorkers)
		return err == nil && n == 0, fmt.Sprintf("%d pending (%v)", n, err)
	})
	tr, err := p.store.Transcript(ctx, stuck, 50)
	if err != nil {
		t.Fatal(err)
	}
	in := 0
	for _, m := range tr {
		if m.Direction == storage.In {
			in++
		}
	}
	if in != 1 {
		t.Errorf("the stuck message is %d times in its transcript, want once", in)
	}
}
