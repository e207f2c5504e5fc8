package whatsapp

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
)

// waitAsync runs p.Wait in a goroutine and returns its result channel.
func waitAsync(p *Pacer, ctx context.Context) chan error {
	done := make(chan error, 1)
	go func() { done <- p.Wait(ctx) }()
	return done
}

func TestPacerRateLimit(t *testing.T) {
	clock := newFakeClock()
	p := NewPacer(clock, 20*time.Second, 0.3, 200, func() float64 { return 0.5 }) // no jitter at the middle
	ctx := context.Background()
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	done := waitAsync(p, ctx)
	waitFor(t, "the second message to wait", func() bool { return len(clock.pending()) == 1 })
	if d := clock.pending()[0]; d != 20*time.Second {
		t.Fatalf("second message waits %v, want 20s", d)
	}
	clock.Advance(19 * time.Second)
	select {
	case <-done:
		t.Fatal("second message went out before 20 s")
	default:
	}
	clock.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Idle longer than the interval: the next message goes at once.
	clock.Advance(time.Minute)
	if err := p.Wait(ctx); err != nil || len(clock.pending()) != 0 {
		t.Fatalf("after a pause: err %v, timers %v", err, clock.pending())
	}
}

func TestPacerJitterStaysWithinBounds(t *testing.T) {
	for _, tt := range []struct {
		r    float64
		want time.Duration
	}{{0, 14 * time.Second}, {0.5, 20 * time.Second}, {0.75, 23 * time.Second}} {
		p := NewPacer(newFakeClock(), 20*time.Second, 0.3, 0, func() float64 { return tt.r })
		if got := p.gap(); got != tt.want {
			t.Errorf("random %v: gap %v, want %v", tt.r, got, tt.want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	p := NewPacer(newFakeClock(), 20*time.Second, 0.3, 0, rng.Float64)
	seen := map[time.Duration]bool{}
	for range 1000 {
		g := p.gap()
		if g < 14*time.Second || g > 26*time.Second {
			t.Fatalf("gap %v outside 20s ± 30%%", g)
		}
		seen[g.Round(time.Second)] = true
	}
	if len(seen) < 10 {
		t.Fatalf("jitter barely varies: %d distinct gaps", len(seen))
	}
}

func TestPacerDailyCap(t *testing.T) {
	clock := newFakeClock()
	p := NewPacer(clock, -1, 0, 3, nil)
	ctx := context.Background()
	for i := range 3 {
		if err := p.Wait(ctx); err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		clock.Advance(time.Hour)
	}
	err := p.Wait(ctx)
	if permanentCode(err) != CodeDailyCap {
		t.Fatalf("4th message: err %v, want %s", err, CodeDailyCap)
	}
	clock.Advance(21*time.Hour - time.Second) // the first slot is 24 h old only at +24h
	if permanentCode(p.Wait(ctx)) != CodeDailyCap {
		t.Fatal("cap freed before 24 h")
	}
	clock.Advance(time.Second)
	if err := p.Wait(ctx); err != nil {
		t.Fatalf("after 24 h: %v", err)
	}
}

func TestPacerCancelledWaitFreesItsSlot(t *testing.T) {
	clock := newFakeClock()
	p := NewPacer(clock, 20*time.Second, 0, 2, nil)
	if err := p.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := waitAsync(p, ctx)
	waitFor(t, "the second message to wait", func() bool { return len(clock.pending()) == 1 })
	cancel()
	if err := <-done; err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	clock.Advance(time.Minute)
	if err := p.Wait(context.Background()); err != nil {
		t.Fatalf("the cancelled slot still counts towards the cap: %v", err)
	}
}

func TestSendIsPaced(t *testing.T) {
	h := connected(t, Config{RateLimit: 20 * time.Second, Jitter: 0.3, DailyCap: 2})
	h.wrote(t, debtorJID)
	ctx := context.Background()
	if _, err := h.c.Send(ctx, channels.Outbound{To: debtor, Text: "1"}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := h.c.Send(ctx, channels.Outbound{To: debtor, Text: "2"}); done <- err }()
	waitFor(t, "the second send to wait 20 s", func() bool {
		for _, d := range h.clock.pending() {
			if d == 20*time.Second {
				return true
			}
		}
		return false
	})
	if n := len(snapshot(h.client, func(f *fakeClient) []sentMsg { return f.sent })); n != 1 {
		t.Fatalf("%d sent before the gap passed, want 1", n)
	}
	h.clock.Advance(20 * time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := h.c.Send(ctx, channels.Outbound{To: debtor, Text: "3"}); permanentCode(err) != CodeDailyCap {
		t.Fatalf("third send: err %v, want %s", err, CodeDailyCap)
	}
}
