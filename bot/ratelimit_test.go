package bot

import (
	"context"
	"testing"
)

// A channel holds at most senders−1 slots; a freed slot is taken again, and
// a full channel answers "not now" (the message goes to the retry set)
// instead of holding the sender.
func TestChannelSlotsLeaveOneSenderFree(t *testing.T) {
	ctx := context.Background()
	r := newRateLimits(nil)
	var releases []func()
	for i := range 3 {
		rel, ok := r.enter(ctx, "sms", 4)
		if !ok {
			t.Fatalf("slot %d refused, want 3 of 4 senders allowed", i+1)
		}
		releases = append(releases, rel)
	}
	if _, ok := r.enter(ctx, "sms", 4); ok {
		t.Fatal("a fourth SMS send took the last sender")
	}
	if rel, ok := r.enter(ctx, "whatsapp", 4); !ok {
		t.Fatal("another channel was held up by a full one")
	} else {
		rel()
	}
	releases[0]()
	if _, ok := r.enter(ctx, "sms", 4); !ok {
		t.Fatal("a freed slot was not taken again")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, ok := r.enter(canceled, "sms", 4); ok {
		t.Fatal("a full channel let a canceled send in")
	}
}
