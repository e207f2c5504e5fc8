package bot

import (
	"context"
	"sync"
	"testing"

	"github.com/quita-bot/quita/channels"
)

// hangingChannel holds every send until released, like a provider that
// stopped answering.
type hangingChannel struct {
	release chan struct{}
	mu      sync.Mutex
	waiting int
}

func (h *hangingChannel) Name() string { return channels.SMS }

func (h *hangingChannel) Send(ctx context.Context, m channels.Outbound) (channels.SendResult, error) {
	h.mu.Lock()
	h.waiting++
	h.mu.Unlock()
	select {
	case <-h.release:
	case <-ctx.Done():
		return channels.SendResult{}, ctx.Err()
	}
	return channels.SendResult{ProviderID: "H" + m.ID, Status: channels.StatusSent}, nil
}

func (h *hangingChannel) Waiting() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waiting
}

func TestHangingProviderDoesNotBlockOtherChannels(t *testing.T) {
	h := newHarness(t, Options{Senders: 4})
	slow := &hangingChannel{release: make(chan struct{})}
	h.bot.AddChannel(slow)
	h.start()
	ctx := context.Background()
	for _, from := range []string{"+5511987650011", "+5511987650012", "+5511987650013", "+5511987650014", "+5511987650015", "+5511987650016"} {
		if err := h.bot.Accept(ctx, channels.Inbound{Channel: channels.SMS, From: from, Text: "oi", ProviderID: "SM-hang-" + from}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the SMS provider holding its share of the senders", func() bool { return slow.Waiting() == 3 })
	h.accept(ana, "oi", "SM-sim") // the simulator channel still has a sender
	waitFor(t, "the simulator reply despite the hanging provider", func() bool { return len(h.ch.Sent()) == 1 })
	if n := slow.Waiting(); n != 3 {
		t.Fatalf("%d sends held by the hanging provider, want 3 (senders − 1)", n)
	}
	close(slow.release) // the provider answers again: the deferred messages go out
	waitFor(t, "all six SMS replies", func() bool { return slow.Waiting() == 6 })
}
