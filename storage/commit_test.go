package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// The commit that empties a conversation's inbox also unlocks it and
// acknowledges the worker's stream entry; one that leaves a message behind
// keeps both, so the worker drains on under its lock.
func TestCommitReleasesOnlyWhenTheInboxIsEmpty(t *testing.T) {
	tests := []struct {
		name         string
		messages     []string
		wantReleased bool
	}{
		{"last message: released", []string{"oi"}, true},
		{"another message waiting: kept", []string{"oi", "tudo bem?"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := redistest.New(t)
			st, ctx, conv := r.Store(), context.Background(), "+5511987650001"
			k := st.Keys()
			if err := st.EnsureGroup(ctx, k.Inbound(), "workers"); err != nil {
				t.Fatal(err)
			}
			for i, text := range tc.messages {
				m := storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.In, Channel: "sms", Text: text,
					ProviderID: "SM" + string(rune('a'+i)), At: time.Now()}
				if err := st.Accept(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			entries, err := st.ReadGroup(ctx, k.Inbound(), "workers", "w1", 1, time.Second)
			if err != nil || len(entries) != 1 {
				t.Fatalf("read %d entries, err %v", len(entries), err)
			}
			ok, head, _, err := st.Begin(ctx, conv, "tok", time.Minute)
			if !ok || err != nil {
				t.Fatalf("begin: %v %v", ok, err)
			}
			next, released, err := st.CommitNext(ctx, storage.Commit{Conversation: conv, Token: "tok", InboxRaw: head,
				State: []byte(`{"state":"menu"}`), At: time.Now(), Release: &storage.InboundEntry{Group: "workers", IDs: []string{entries[0].ID}}})
			if err != nil {
				t.Fatal(err)
			}
			lockHeld := r.Client.Exists(ctx, k.Lock(conv)).Val() == 1
			pending, _ := st.Pending(ctx, k.Inbound(), "workers")
			if released != tc.wantReleased || lockHeld == tc.wantReleased || (pending == 0) != tc.wantReleased || (next == "") != tc.wantReleased {
				t.Fatalf("released %v, lock held %v, pending %d, next %q; want released %v", released, lockHeld, pending, next, tc.wantReleased)
			}
		})
	}
}
