package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// TestConversationMemoryBudget measures what a 20-message conversation costs
// in Redis (MEMORY USAGE of each of its keys) against the budget in KEYS.md.
func TestConversationMemoryBudget(t *testing.T) {
	r := redistest.New(t)
	if !r.Real {
		t.Skip("MEMORY USAGE needs a real Redis")
	}
	ctx := context.Background()
	st := r.Store()
	conv := "+5511987650001"
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	state := []byte(`{"id":"+5511987650001","phone":"+5511987650001","channel":"whatsapp","language":"pt","debtor_id":"d-000123","creditor_id":"loja-exemplo","debt_id":"debt-000123","state":"menu","verified":true,"handoff":{},"slots":{"reminder_step":"D+5","reminder_variant":"a"},"last_inbound_at":"2026-11-26T10:00:00Z","created_at":"2026-11-26T10:00:00Z","updated_at":"2026-11-26T10:00:00Z"}`)
	for i := 0; i < 10; i++ {
		if ok, err := st.TryLock(ctx, conv, "t", time.Minute); !ok || err != nil {
			t.Fatal(ok, err)
		}
		in := storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.In, Channel: "whatsapp",
			Text: strings.Repeat("a", 60), ProviderID: fmt.Sprintf("wamid.HBgMNTUxMTk4NzY1MDAwMRUCABIYFjNFQjA%04d", i), Origin: "debtor", Status: "received", At: now}
		out := storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.Out, Channel: "whatsapp",
			Text: strings.Repeat("b", 120), Origin: "reply", Status: "queued", At: now}
		if err := st.Commit(ctx, storage.Commit{Conversation: conv, Token: "t", State: state, Messages: []storage.Message{in, out}, At: now}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SetStatus(ctx, conv, out.ID, "delivered", ""); err != nil {
			t.Fatal(err)
		}
		if err := st.Unlock(ctx, conv, "t"); err != nil {
			t.Fatal(err)
		}
	}
	k := st.Keys()
	var total int64
	for _, key := range []string{k.State(conv), k.Log(conv), k.Msgs(conv), k.Status(conv)} {
		n, err := st.Redis().MemoryUsage(ctx, key).Result()
		if err != nil {
			t.Fatalf("MEMORY USAGE %s: %v", key, err)
		}
		total += n
	}
	t.Logf("a 20-message conversation uses %d bytes of Redis (%d per message)", total, total/20)
	const budget = 12 * 1024 // storage/KEYS.md
	if total > budget {
		t.Fatalf("a 20-message conversation uses %d bytes, over the %d-byte budget in KEYS.md", total, budget)
	}
}
