package bot

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/storage/redistest"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestSilenceAfterAReplyDeliversOneTimeoutEvent(t *testing.T) {
	r := redistest.New(t)
	clock := &fakeClock{now: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	b := New(r.Store(), echoDialog{}, config.NewDirectory(config.DemoFile()), slog.New(slog.DiscardHandler), clock.Now,
		Options{NudgeAfter: 24 * time.Hour, ClaimEvery: time.Hour, ReadBlock: 20 * time.Millisecond, RetryPoll: time.Hour})
	ch := &fakeChannel{name: channels.Simulator}
	b.AddChannel(ch)
	ctx, cancel := context.WithCancel(context.Background())
	defer func() { cancel(); b.Wait() }()
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, redis: r, store: r.Store(), bot: b, ch: ch}
	h.accept(ana, "oi", "SM-n1")
	waitFor(t, "reply", func() bool { return len(ch.Sent()) == 1 })

	clock.Add(23 * time.Hour)
	b.DeliverNudgesNow(ctx)
	if len(h.transcript(ana)) != 2 {
		t.Fatal("a nudge came before 24 hours of silence")
	}
	clock.Add(2 * time.Hour)
	b.DeliverNudgesNow(ctx)
	b.DeliverNudgesNow(ctx) // claimed once: a second pass finds nothing
	msgs := h.transcript(ana)
	if len(msgs) != 3 || msgs[2].Origin != "reminder" {
		t.Fatalf("transcript = %q, want one timeout message written as a reminder (it passes the contact window)", lines(msgs))
	}
}
