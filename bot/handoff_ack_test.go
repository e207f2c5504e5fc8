package bot

import (
	"context"
	"testing"

	"github.com/quita-bot/quita/dialogs"
)

// TestAskingAgainWhileQueued runs the real engine through the pipeline: a
// debtor waiting in the queue who asks for a person again is told, on the
// wire, that they are in the queue, at most once per 10 minutes, and stays
// queued; once an agent holds the conversation, the bot says nothing.
func TestAskingAgainWhileQueued(t *testing.T) {
	ctx := context.Background()
	h := newEngineHarness(t, local("2026-11-17 09:00"))
	hs := h.bot.Handoffs(HandoffOptions{Now: h.clock.Now})
	h.importDebt("NF-1", "35990", "2026-12-20")
	const ask = "quero falar com um atendente"
	h.at("2026-11-17 14:00", h.say(quietPhone, "oi"))
	h.at("2026-11-17 14:01", h.say(quietPhone, ask))
	if c := h.conv(quietPhone); c.Handoff.Status != dialogs.HandoffQueued {
		t.Fatalf("handoff %q after asking for a person; sent %q", c.Handoff.Status, h.sentSince(0))
	}
	n := len(h.ch.Sent())
	h.at("2026-11-17 14:05", h.say(quietPhone, ask))
	h.at("2026-11-17 14:09", h.say(quietPhone, ask))
	h.at("2026-11-17 14:16", h.say(quietPhone, ask))
	got := h.sentSince(n)
	want := []string{
		"Tue 2026-11-17 14:05 " + quietPhone + " Você já está na fila. Uma pessoa da nossa equipe vai te responder por aqui.",
		"Tue 2026-11-17 14:16 " + quietPhone + " Você já está na fila. Uma pessoa da nossa equipe vai te responder por aqui.",
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("while queued, sent:\n%q\nwant:\n%q", got, want)
	}
	if c := h.conv(quietPhone); c.Handoff.Status != dialogs.HandoffQueued || c.State != dialogs.StateHandoff {
		t.Fatalf("the bot took the conversation back: handoff %q state %q", c.Handoff.Status, c.State)
	}
	if ok, err := h.store.InHandoffQueue(ctx, quietPhone); err != nil || !ok {
		t.Fatalf("no longer in the queue (%v)", err)
	}
	if _, err := hs.Claim(ctx, quietPhone, "rita@loja.example", false); err != nil {
		t.Fatal(err)
	}
	n = len(h.ch.Sent())
	h.at("2026-11-17 14:40", h.say(quietPhone, ask))
	if got := h.sentSince(n); len(got) != 0 {
		t.Fatalf("the bot answered while an agent holds the conversation: %q", got)
	}
}
