package bot

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
)

const ana = "+5511987650001"

func TestDuplicateProviderIDGetsOneReply(t *testing.T) {
	h := newHarness(t, Options{})
	h.start()
	for i := 0; i < 3; i++ { // the provider retried the same webhook three times
		h.accept(ana, "oi", "SM-dup-1")
	}
	h.accept(ana, "tudo bem?", "SM-dup-2")
	waitFor(t, "two replies sent", func() bool { return len(h.ch.Sent()) >= 2 })
	msgs := h.transcript(ana)
	want := []string{"in:oi", "out:eco 1: oi", "in:tudo bem?", "out:eco 2: tudo bem?"}
	if got := lines(msgs); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("transcript = %q, want %q", got, want)
	}
}

func TestConcurrentMessagesKeepArrivalOrder(t *testing.T) {
	h := newHarness(t, Options{Workers: 8})
	h.start()
	const n = 50
	// Accept serially from 50 goroutines gated by a mutex-less start: each
	// goroutine's accept order is the arrival order Redis records.
	var wg sync.WaitGroup
	var order sync.Mutex
	var arrived []string
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			order.Lock()
			defer order.Unlock()
			text := fmt.Sprintf("msg %02d", i)
			h.accept(ana, text, fmt.Sprintf("SM-%d", i))
			arrived = append(arrived, text)
		}(i)
	}
	wg.Wait()
	waitFor(t, "50 replies", func() bool { return len(h.ch.Sent()) == n })
	msgs := h.transcript(ana)
	if len(msgs) != 2*n {
		t.Fatalf("transcript has %d messages, want %d", len(msgs), 2*n)
	}
	for i := 0; i < n; i++ {
		in, out := msgs[2*i], msgs[2*i+1]
		if in.Direction != storage.In || in.Text != arrived[i] {
			t.Fatalf("message %d = %s %q, want in %q", 2*i, in.Direction, in.Text, arrived[i])
		}
		if want := fmt.Sprintf("eco %d: %s", i+1, arrived[i]); out.Text != want {
			t.Fatalf("reply %d = %q, want %q (a lost state update shows as a wrong count)", i, out.Text, want)
		}
	}
}

func TestKilledWorkerEntryIsReclaimedOnce(t *testing.T) {
	h := newHarness(t, Options{LockTTL: 2 * time.Second, ClaimIdle: time.Millisecond})
	ctx := context.Background()
	k := h.store.Keys()
	if err := h.store.EnsureGroup(ctx, k.Inbound(), groupWorkers); err != nil {
		t.Fatal(err)
	}
	h.accept(ana, "oi", "SM-crash")
	// A worker reads the entry, takes the lock and dies before committing.
	entries, err := h.store.ReadGroup(ctx, k.Inbound(), groupWorkers, "dead-worker", 10, time.Second)
	if err != nil || len(entries) != 1 {
		t.Fatalf("dead worker read %d entries, err %v", len(entries), err)
	}
	if ok, err := h.store.TryLock(ctx, ana, "dead-token", 300*time.Millisecond); !ok || err != nil {
		t.Fatalf("dead worker lock: %v %v", ok, err)
	}
	if h.redis.Mini != nil {
		h.redis.Mini.FastForward(time.Second) // miniredis expires keys only when told
	}
	h.start()
	if n, _ := h.store.Pending(ctx, k.Inbound(), groupWorkers); n != 1 {
		t.Fatalf("pending = %d before reclaim, want 1", n)
	}
	// The entry must have been idle for the 1 ms claim idle first: on a fast
	// machine the first pass can come sooner, so pass until it is taken.
	waitFor(t, "reclaim of the dead worker's entry", func() bool {
		h.bot.ReclaimNow(ctx)
		n, _ := h.store.Pending(ctx, k.Inbound(), groupWorkers)
		return n == 0
	})
	// This test's 1 ms claim idle also lets that pass take the reply's
	// outbound entry while a sender holds it, so the reply may be handed to
	// the provider twice (sends are at-least-once); the transcript below
	// shows the inbound message itself ran exactly once.
	waitFor(t, "reply after reclaim", func() bool { return len(h.ch.Sent()) >= 1 })
	h.bot.ReclaimNow(ctx) // a second pass finds nothing to redo
	if n, _ := h.store.Pending(ctx, k.Inbound(), groupWorkers); n != 0 {
		t.Fatalf("pending = %d after reclaim, want 0", n)
	}
	if got := lines(h.transcript(ana)); fmt.Sprint(got) != fmt.Sprint([]string{"in:oi", "out:eco 1: oi"}) {
		t.Fatalf("transcript = %q: want the message processed exactly once", got)
	}
}

func TestRetriesThenDelivers(t *testing.T) {
	h := newHarness(t, Options{})
	h.ch.failures = 2
	h.start()
	h.accept(ana, "oi", "SM-r1")
	waitFor(t, "send after retries", func() bool { return len(h.ch.Sent()) == 1 })
	waitFor(t, "status sent", func() bool {
		m := h.transcript(ana)
		return len(m) == 2 && m[1].Status == channels.StatusSent
	})
}

func TestRetriesExhaustedFailVisiblyAndFallBackToSMS(t *testing.T) {
	h := newHarness(t, Options{MaxAttempts: 3, FallbackSMS: true})
	wa := &fakeChannel{name: channels.WhatsApp, failures: 99}
	sms := &fakeChannel{name: channels.SMS}
	h.bot.AddChannel(wa)
	h.bot.AddChannel(sms)
	h.start()
	if err := h.bot.Accept(context.Background(), channels.Inbound{Channel: channels.WhatsApp, From: ana, Text: "oi", ProviderID: "wamid.1"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "SMS fallback", func() bool { return len(sms.Sent()) == 1 })
	msgs := h.transcript(ana)
	if len(msgs) != 3 {
		t.Fatalf("transcript = %q, want inbound, failed WhatsApp reply, SMS copy", lines(msgs))
	}
	if msgs[1].Channel != channels.WhatsApp || msgs[1].Status != channels.StatusFailed || msgs[1].ErrorCode != "retries_exhausted" {
		t.Fatalf("WhatsApp reply = %+v, want failed retries_exhausted", msgs[1])
	}
	if msgs[2].Channel != channels.SMS || msgs[2].Text != msgs[1].Text {
		t.Fatalf("fallback = %+v, want the same text by SMS", msgs[2])
	}
}

func TestPermanentErrorIsNotRetried(t *testing.T) {
	h := newHarness(t, Options{})
	h.ch.failures, h.ch.perm = 1, true
	h.start()
	h.accept(ana, "oi", "SM-p1")
	waitFor(t, "failed status", func() bool {
		m := h.transcript(ana)
		return len(m) == 2 && m[1].Status == channels.StatusFailed
	})
	if m := h.transcript(ana); m[1].ErrorCode != "63016" {
		t.Fatalf("error code = %q, want the provider's 63016", m[1].ErrorCode)
	}
	if len(h.ch.Sent()) != 0 {
		t.Fatal("a permanent error was retried")
	}
}

func TestOptOutBlocksLaterMessagesButNotTheConfirmation(t *testing.T) {
	h := newHarness(t, Options{})
	h.start()
	h.accept(ana, "SAIR", "SM-o1")
	waitFor(t, "opt-out recorded", func() bool {
		_, ok, _ := h.store.OptedOut(context.Background(), channels.Simulator, ana)
		return ok
	})
	waitFor(t, "confirmation sent", func() bool { return len(h.ch.Sent()) == 1 })
	h.accept(ana, "oi de novo", "SM-o2")
	waitFor(t, "later reply blocked", func() bool {
		m := h.transcript(ana)
		return len(m) == 4 && m[3].Status == channels.StatusBlocked
	})
	if m := h.transcript(ana); m[3].ErrorCode != "opt_out" {
		t.Fatalf("blocked reason = %q, want opt_out", m[3].ErrorCode)
	}
	if len(h.ch.Sent()) != 1 {
		t.Fatalf("sent %d messages after an opt-out, want only the confirmation", len(h.ch.Sent()))
	}
}

func TestStatusCallbacksNeverGoBackwards(t *testing.T) {
	h := newHarness(t, Options{})
	h.start()
	h.accept(ana, "oi", "SM-s1")
	waitFor(t, "reply sent", func() bool { return len(h.ch.Sent()) == 1 })
	pid := "P" + h.ch.Sent()[0].ID
	ctx := context.Background()
	for _, st := range []string{"read", "delivered", "sent"} { // callbacks arrive out of order
		if err := h.bot.UpdateStatus(ctx, channels.StatusUpdate{Channel: channels.Simulator, ProviderID: pid, Status: st}); err != nil {
			t.Fatal(err)
		}
	}
	if m := h.transcript(ana); m[1].Status != channels.StatusRead {
		t.Fatalf("status = %q, want read", m[1].Status)
	}
}

// A fast provider calls back before its API call returns, so before the
// send is recorded: the status waits at the provider id and the record
// applies it, and it is not lost or overwritten by the record's "sent".
func TestStatusCallbackBeforeTheSendRecordIsApplied(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	h.ch.beforeReturn = func(m channels.Outbound, pid string) {
		if err := h.bot.UpdateStatus(ctx, channels.StatusUpdate{Channel: channels.Simulator, ProviderID: pid, Status: channels.StatusDelivered}); err != nil {
			t.Error(err)
		}
	}
	h.start()
	h.accept(ana, "oi", "SM-f1")
	waitFor(t, "the early status applied", func() bool {
		m := h.transcript(ana)
		return len(m) == 2 && m[1].Status == channels.StatusDelivered
	})
	index := h.store.Keys().ProviderIndex(channels.Simulator, "P"+h.ch.Sent()[0].ID)
	if got := h.redis.Client.Get(ctx, index).Val(); got != ana+"|"+h.ch.Sent()[0].ID {
		t.Fatalf("provider index %q after the record, want the message's index", got)
	}
}

func lines(msgs []storage.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Direction + ":" + m.Text
	}
	return out
}

func TestUnreadableInboxEntryDoesNotBlockTheConversation(t *testing.T) {
	h := newHarness(t, Options{})
	ctx := context.Background()
	k := h.store.Keys()
	// A damaged entry ahead of a good one (written by hand: Accept always writes JSON).
	if err := h.redis.Client.RPush(ctx, k.Inbox(ana), "{not json").Err(); err != nil {
		t.Fatal(err)
	}
	h.accept(ana, "oi", "SM-after-poison")
	h.start()
	waitFor(t, "reply to the good message", func() bool { return len(h.ch.Sent()) == 1 })
	dead, err := h.redis.Client.LRange(ctx, h.redis.Prefix+":dead", 0, -1).Result()
	if err != nil || len(dead) != 1 {
		t.Fatalf("dead letters = %q, %v; want the damaged entry kept for an operator", dead, err)
	}
	if got := lines(h.transcript(ana)); fmt.Sprint(got) != fmt.Sprint([]string{"in:oi", "out:eco 1: oi"}) {
		t.Fatalf("transcript = %q", got)
	}
}
