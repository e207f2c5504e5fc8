package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
)

// readAll takes every new entry of a stream as consumer "t", grouped by
// conversation as the loop groups them.
func (h *harness) readAll(stream, group string, key func(storage.StreamEntry) string) [][]storage.StreamEntry {
	h.t.Helper()
	ctx := context.Background()
	if err := h.store.EnsureGroup(ctx, stream, group); err != nil {
		h.t.Fatal(err)
	}
	entries, err := h.store.ReadGroup(ctx, stream, group, "t", 1000, time.Millisecond)
	if err != nil {
		h.t.Fatal(err)
	}
	return groupBy(entries, key)
}

// One batch runs many conversations: those with two messages get both
// answered in order, a damaged inbox entry goes to the dead-letter list, a
// conversation another worker holds keeps its entries pending (and is
// answered when its batch is retried), and nothing stays locked or pending.
// The batch's replies then go out through one sender batch, and a
// redelivery of that batch sends nothing twice.
func TestBatchRunsManyConversationsAndSendsEachReplyOnce(t *testing.T) {
	h := newHarness(t, Options{LockTTL: 300 * time.Millisecond})
	ctx := context.Background()
	k := h.store.Keys()
	var convs []string
	for i := range 12 {
		conv := fmt.Sprintf("+55119876500%02d", i)
		convs = append(convs, conv)
		h.accept(conv, "oi", "SM-a-"+conv)
		if i%2 == 0 {
			h.accept(conv, "tudo bem?", "SM-b-"+conv)
		}
	}
	damaged, busy := convs[1], convs[3]
	if err := h.redis.Client.LPush(ctx, k.Inbox(damaged), "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	if ok, err := h.store.TryLock(ctx, busy, "someone-else", time.Minute); !ok || err != nil {
		t.Fatalf("lock: %v %v", ok, err)
	}

	groups := h.readAll(k.Inbound(), groupWorkers, inboundKey)
	if len(groups) != len(convs) {
		t.Fatalf("read %d conversations, want %d", len(groups), len(convs))
	}
	h.bot.handleInboundBatch(ctx, groups)

	for i, conv := range convs {
		want := []string{"in:oi", "out:eco 1: oi"}
		if i%2 == 0 {
			want = append(want, "in:tudo bem?", "out:eco 2: tudo bem?")
		}
		if conv == busy {
			want = nil
		}
		if got := lines(h.transcript(conv)); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: transcript = %q, want %q", conv, got, want)
		}
	}
	if dead := h.redis.Client.LLen(ctx, h.redis.Prefix+":dead").Val(); dead != 1 {
		t.Errorf("dead letters = %d, want the damaged entry", dead)
	}
	if pending, _ := h.store.Pending(ctx, k.Inbound(), groupWorkers); pending != 1 {
		t.Errorf("pending inbound entries = %d, want only the busy conversation's", pending)
	}

	// The other holder lets go; the retried batch answers the busy conversation.
	if err := h.store.Unlock(ctx, busy, "someone-else"); err != nil {
		t.Fatal(err)
	}
	var retry [][]storage.StreamEntry
	for _, g := range groups {
		if inboundKey(g[0]) == busy {
			retry = append(retry, g)
		}
	}
	h.bot.handleInboundBatch(ctx, retry)
	if got := lines(h.transcript(busy)); fmt.Sprint(got) != fmt.Sprint([]string{"in:oi", "out:eco 1: oi"}) {
		t.Errorf("busy conversation after retry: transcript = %q", got)
	}
	if pending, _ := h.store.Pending(ctx, k.Inbound(), groupWorkers); pending != 0 {
		t.Errorf("pending inbound entries = %d after the retry, want 0", pending)
	}
	for _, conv := range convs {
		if n := h.redis.Client.Exists(ctx, k.Lock(conv)).Val(); n != 0 {
			t.Errorf("%s is still locked", conv)
		}
	}

	out := h.readAll(k.Outbound(), groupSenders, outboundKey)
	h.bot.outboundBatch(ctx, out)
	if got, want := len(h.ch.Sent()), 18; got != want { // 12 first replies + 6 second ones
		t.Fatalf("sent %d messages, want %d", got, want)
	}
	for _, conv := range convs {
		for _, m := range h.transcript(conv) {
			if m.Direction == storage.Out && m.Status != "sent" {
				t.Errorf("%s: reply %q has status %q, want sent", conv, m.Text, m.Status)
			}
		}
	}
	if pending, _ := h.store.Pending(ctx, k.Outbound(), groupSenders); pending != 0 {
		t.Errorf("pending outbound entries = %d, want 0", pending)
	}
	h.bot.outboundBatch(ctx, out) // redelivered (a sender died before acknowledging)
	if got := len(h.ch.Sent()); got != 18 {
		t.Fatalf("a redelivered batch sent again: %d messages", got)
	}
}
