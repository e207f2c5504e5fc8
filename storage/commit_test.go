package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/config"
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
			// the consumed head is gone and the rest waits in order, the next one answered
			inbox := r.Client.LRange(ctx, k.Inbox(conv), 0, -1).Val()
			if len(inbox) != len(tc.messages)-1 || (len(inbox) > 0 && inbox[0] != next) {
				t.Fatalf("inbox after the commit %q, next %q; want the %d later messages, the first of them next", inbox, next, len(tc.messages)-1)
			}
			for i, raw := range inbox {
				if m, err := storage.DecodeInbox(raw); err != nil || m.Text != tc.messages[i+1] {
					t.Fatalf("inbox[%d] = %q (%v), want %q", i, raw, err, tc.messages[i+1])
				}
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
	r.Client.ZAdd(ctx, k.Nudges(), redis.Z{Score: 1, Member: convs[2]})
	commits[0].Nudge = 5000     // arms conversation 1's timer
	commits[1].Nudge = 6000     // would arm conversation 2's
	commits[2].Nudge = -1       // cancels conversation 3's
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
	nudges := r.Client.ZRangeWithScores(ctx, k.Nudges(), 0, -1).Val()
	if len(nudges) != 1 || nudges[0].Member != convs[0] || nudges[0].Score != 5000 {
		t.Errorf("nudge timers %v, want only %s's at 5000 (2's commit failed, 3's cancelled)", nudges, convs[0])
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

// Steps of one conversation in one batch are committed one after the
// other, as if in separate runs: the first leaves the second message
// waiting and keeps the lock, the second consumes it and releases, and a
// third then finds the lock gone and writes nothing.
func TestCommitManyTakesStepsOfOneConversationInOrder(t *testing.T) {
	r := redistest.New(t)
	st, ctx, conv := r.Store(), context.Background(), "+5511987650001"
	k := st.Keys()
	for _, text := range []string{"oi", "segunda via"} {
		if err := st.Accept(ctx, storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.In, Channel: "sms", Text: text, At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	b, err := st.Begin(ctx, conv, "tok", time.Minute)
	if err != nil || !b.OK {
		t.Fatalf("begin: %+v %v", b, err)
	}
	second := r.Client.LIndex(ctx, k.Inbox(conv), 1).Val()
	step := func(raw, state, reply string) storage.Commit {
		return storage.Commit{Conversation: conv, Token: "tok", InboxRaw: raw, State: []byte(state), At: time.Now(),
			Messages: []storage.Message{{ID: reply, Conversation: conv, Direction: storage.Out, Text: reply}},
			Release:  &storage.InboundEntry{Group: "workers", IDs: []string{"0-1"}}}
	}
	late := step("", `{"state":"late"}`, "r3")
	late.Nudge = 5000
	res, err := st.CommitMany(ctx, []storage.Commit{step(b.Head, `{"state":"menu"}`, "r1"), step(second, `{"state":"pay"}`, "r2"), late})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || res[0].Released || res[0].Next != second || res[1].Err != nil || !res[1].Released || !errors.Is(res[2].Err, storage.ErrLockLost) {
		t.Fatalf("results %+v, want the first to see the second message next, the second to release, the third to find the lock gone", res)
	}
	if got := r.Client.Get(ctx, k.State(conv)).Val(); got != `{"state":"pay"}` {
		t.Fatalf("state %q, want the second step's", got)
	}
	if log := r.Client.LRange(ctx, k.Log(conv), 0, -1).Val(); !slices.Equal(log, []string{"r1", "r2"}) {
		t.Fatalf("transcript %q, want [r1 r2]", log)
	}
	if n := r.Client.Exists(ctx, k.Lock(conv), k.Inbox(conv), k.Nudges()).Val(); n != 0 {
		t.Fatalf("%d of lock, inbox and nudge timer left after the last step, want none", n)
	}
}

// QUITA_BATCH's bound is the scripts' run size.
func TestConfigBoundsTheBatchToOneScriptRun(t *testing.T) {
	if config.MaxBatch != storage.MaxBatch {
		t.Fatalf("config.MaxBatch %d, storage.MaxBatch %d: keep them equal", config.MaxBatch, storage.MaxBatch)
	}
}

// A batch larger than one script run takes is split, not refused: Lua
// unpacks a bounded number of values per call.
func TestBeginAndCommitSplitBatchesLargerThanARun(t *testing.T) {
	r := redistest.New(t)
	st, ctx := r.Store(), context.Background()
	n := storage.MaxBatch + 1
	convs, tokens := make([]string, n), make([]string, n)
	for i := range convs {
		convs[i], tokens[i] = fmt.Sprintf("+55119%08d", i), "t"
	}
	begun, err := st.BeginMany(ctx, convs, tokens, time.Minute)
	if err != nil || len(begun) != n {
		t.Fatalf("begin %d conversations: %d results, %v", n, len(begun), err)
	}
	commits := make([]storage.Commit, n)
	for i, c := range convs {
		if !begun[i].OK {
			t.Fatalf("%s not locked", c)
		}
		commits[i] = storage.Commit{Conversation: c, Token: "t", State: []byte(`{"state":"menu"}`), At: time.Now(),
			Release: &storage.InboundEntry{Group: "workers", IDs: []string{"0-1"}}}
	}
	res, err := st.CommitMany(ctx, commits)
	if err != nil || len(res) != n {
		t.Fatalf("commit %d conversations: %d results, %v", n, len(res), err)
	}
	for i, c := range res {
		if c.Err != nil || !c.Released {
			t.Fatalf("commit %d: %+v", i, c)
		}
	}
	if got := r.Client.Get(ctx, st.Keys().State(convs[n-1])).Val(); got != `{"state":"menu"}` {
		t.Fatalf("the last conversation's state %q", got)
	}
}
