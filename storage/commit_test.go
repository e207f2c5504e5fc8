package storage_test

import (
	"context"
	"errors"
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
			b, err := st.Begin(ctx, conv, "tok", time.Minute)
			ok, head := b.OK, b.Head
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

// Commits of several conversations in one run are atomic one by one: a
// commit whose lock moved writes nothing and does not stop the others.
func TestCommitManyFailsOnlyTheCommitThatLostItsLock(t *testing.T) {
	r := redistest.New(t)
	st, ctx := r.Store(), context.Background()
	k := st.Keys()
	convs := []string{"+5511987650001", "+5511987650002", "+5511987650003"}
	for _, conv := range convs {
		m := storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.In, Channel: "sms", Text: "oi", At: time.Now()}
		if err := st.Accept(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	begun, err := st.BeginMany(ctx, convs, []string{"t1", "t2", "t3"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var commits []storage.Commit
	for i, conv := range convs {
		if !begun[i].OK || begun[i].Head == "" || begun[i].State != nil {
			t.Fatalf("begin %s = %+v, want locked with a head and no state", conv, begun[i])
		}
		commits = append(commits, storage.Commit{Conversation: conv, Token: "t" + string(rune('1'+i)), InboxRaw: begun[i].Head,
			State: []byte(`{"state":"menu"}`), At: time.Now(),
			Messages: []storage.Message{{ID: "reply-" + conv, Conversation: conv, Direction: storage.Out, Text: "olá"}}})
	}
	commits[1].Token = "stolen" // another worker took conversation 2 over
	res, err := st.CommitMany(ctx, commits)
	if err != nil {
		t.Fatal(err)
	}
	for i, conv := range convs {
		lost := i == 1
		if errors.Is(res[i].Err, storage.ErrLockLost) != lost {
			t.Errorf("%s: err %v, want lock lost %v", conv, res[i].Err, lost)
		}
		stateWritten := r.Client.Exists(ctx, k.State(conv)).Val() == 1
		inbox := r.Client.LLen(ctx, k.Inbox(conv)).Val()
		logged := r.Client.LLen(ctx, k.Log(conv)).Val()
		if stateWritten == lost || (inbox == 1) != lost || (logged == 0) != lost {
			t.Errorf("%s: state written %v, inbox %d, transcript %d; want nothing written only for the lost lock", conv, stateWritten, inbox, logged)
		}
	}
	if again, _ := st.BeginMany(ctx, convs[:1], []string{"t9"}, time.Minute); again[0].OK {
		t.Error("a held conversation was locked twice")
	}
}

// A commit whose inbox head is not the one its step consumed (the inbox
// moved under it) writes nothing and leaves the inbox as it was.
func TestCommitWithAStaleHeadLeavesTheInbox(t *testing.T) {
	r := redistest.New(t)
	st, ctx, conv := r.Store(), context.Background(), "+5511987650001"
	for i, text := range []string{"oi", "tudo bem?"} {
		m := storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.In, Channel: "sms", Text: text,
			ProviderID: "SM" + string(rune('a'+i)), At: time.Now()}
		if err := st.Accept(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	b, err := st.Begin(ctx, conv, "tok", time.Minute)
	ok, head := b.OK, b.Head
	if !ok || err != nil {
		t.Fatalf("begin: %v %v", ok, err)
	}
	before := r.Client.LRange(ctx, st.Keys().Inbox(conv), 0, -1).Val()
	_, _, err = st.CommitNext(ctx, storage.Commit{Conversation: conv, Token: "tok", InboxRaw: head + " ", State: []byte(`{"state":"menu"}`), At: time.Now()})
	if !errors.Is(err, storage.ErrLockLost) {
		t.Fatalf("commit with a stale head: %v, want ErrLockLost", err)
	}
	after := r.Client.LRange(ctx, st.Keys().Inbox(conv), 0, -1).Val()
	if len(after) != 2 || after[0] != before[0] || after[1] != before[1] {
		t.Fatalf("inbox %q, want it unchanged %q", after, before)
	}
	if r.Client.Exists(ctx, st.Keys().State(conv)).Val() != 0 {
		t.Fatal("the state was written by a failed commit")
	}
}
