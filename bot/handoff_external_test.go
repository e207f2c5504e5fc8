package bot

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
)

// An agent of another inbox holds a conversation (queued, or taken from
// the bot), replies under its own message id once however often the reply
// is redelivered, and is left alone by the idle sweep when Exempt says so.
func TestHandoffHoldReplyAsAndExempt(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	const phone, maria = "+5511987650201", "chatwoot:7:Maria"
	hh.askHuman(phone)
	if _, err := hh.h.Hold(ctx, phone, maria, "", false); err != nil {
		t.Fatal(err)
	}
	hh.expect(TransitionClaimed, dialogs.HandoffQueued, dialogs.HandoffAssigned, maria)
	sent, dup, err := hh.h.ReplyAs(ctx, phone, maria, "cw-10", dialogs.Message{Text: "Oi, aqui é a Maria"})
	if err != nil || dup || len(sent) != 1 || sent[0].ID != "cw-10" || sent[0].Author != maria {
		t.Fatalf("ReplyAs = %+v %v %v", sent, dup, err)
	}
	n := len(hh.transcript(phone))
	if sent, dup, err := hh.h.ReplyAs(ctx, phone, maria, "cw-10", dialogs.Message{Text: "Oi, aqui é a Maria"}); err != nil || !dup || len(sent) != 0 {
		t.Fatalf("a redelivered reply: %+v %v %v, want nothing sent", sent, dup, err)
	}
	if got := len(hh.transcript(phone)); got != n {
		t.Fatalf("transcript grew from %d to %d on a redelivery", n, got)
	}
	if _, _, err := hh.h.ReplyAs(ctx, phone, "chatwoot:8:João", "cw-11", dialogs.Message{Text: "eu também"}); !errors.Is(err, ErrHeldByOther) {
		t.Fatalf("a reply by someone else: %v, want ErrHeldByOther", err)
	}
	if _, err := hh.h.Hold(ctx, phone, "chatwoot:8:João", "", false); !errors.Is(err, ErrHeldByOther) {
		t.Fatalf("hold without takeover: %v", err)
	}

	// Taken from the bot: a conversation nobody handed off.
	const other = "+5511987650202"
	hh.accept(other, "oi", "p-other-1")
	waitFor(t, "the bot's answer", func() bool { return len(hh.transcript(other)) >= 2 })
	c, err := hh.h.Hold(ctx, other, maria, "chatwoot_agent", false)
	if err != nil || c.Handoff.Status != dialogs.HandoffAssigned || c.Handoff.Reason != "chatwoot_agent" || c.Handoff.Since.IsZero() {
		t.Fatalf("hold from the bot: %+v %v", c.Handoff, err)
	}

	hh.h.opts.Exempt = func(agent string) bool { return strings.HasPrefix(agent, "chatwoot:") }
	hh.clk.Add(time.Hour)
	if released, err := hh.h.Sweep(ctx); err != nil || released != 0 {
		t.Fatalf("sweep released %d (%v): a Chatwoot agent's conversations follow Chatwoot's assignment", released, err)
	}
	if hh.conv(phone).Handoff.Agent != maria {
		t.Fatal("released")
	}
}
