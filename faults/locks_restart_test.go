package faults

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
)

// TestLocksDoNotOutliveARedisRestart kills Redis (AOF, appendfsync always)
// while workers hold conversation locks, taken both ways (BeginMany and
// TryLock), and restarts it. The messages and states survive; the locks do
// not (they never reach the AOF), so after the restart another worker takes
// the conversations at once instead of waiting out the lease, and a commit
// under a lock taken before the restart fails.
func TestLocksDoNotOutliveARedisRestart(t *testing.T) {
	r := startRedis(t)
	ctx := context.Background()
	s := r.store(t)
	convs := []string{phone(1), phone(2)}
	for i, c := range convs {
		if err := s.Accept(ctx, storage.Message{ID: storage.NewID(), Conversation: c, Direction: storage.In,
			Channel: "sms", Text: "oi", ProviderID: "SMlock" + string(rune('a'+i)), At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	begun, err := s.BeginMany(ctx, convs, []string{"old-1", "old-2"}, time.Hour)
	if err != nil || !begun[0].OK || !begun[1].OK || begun[0].Head == "" {
		t.Fatalf("begin before the restart: %+v %v", begun, err)
	}
	// a step that keeps its lock (nothing released): its state is persisted
	if err := s.Commit(ctx, storage.Commit{Conversation: convs[0], Token: "old-1", State: []byte(`{"state":"verify"}`), At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	third := phone(3)
	if ok, err := s.TryLock(ctx, third, "old-3", time.Hour); err != nil || !ok {
		t.Fatalf("TryLock: %v %v", ok, err)
	}
	for _, c := range append(convs, third) {
		if n, _ := r.do("EXISTS", s.Keys().Lock(c)); n != ":1" {
			t.Fatalf("lock of %s before the restart: EXISTS %s", c, n)
		}
	}

	r.kill()
	r.start()

	s = r.store(t)
	for _, c := range append(convs, third) {
		if n, err := r.do("EXISTS", s.Keys().Lock(c)); n != ":0" {
			t.Errorf("lock of %s came back with the AOF: EXISTS %s %v", c, n, err)
		}
	}
	if st, err := s.LoadState(ctx, convs[0]); err != nil || string(st) != `{"state":"verify"}` {
		t.Errorf("state after the restart: %q %v", st, err)
	}
	begun, err = s.BeginMany(ctx, convs, []string{"new-1", "new-2"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for i, b := range begun {
		if !b.OK || b.Head == "" {
			t.Errorf("%s after the restart: locked %v, inbox head %q (want the message waiting)", convs[i], b.OK, b.Head)
		}
	}
	if ok, err := s.TryLock(ctx, third, "new-3", time.Hour); err != nil || !ok {
		t.Errorf("TryLock after the restart: %v %v", ok, err)
	}
	// the worker that held the second conversation before the restart
	err = s.Commit(ctx, storage.Commit{Conversation: convs[1], Token: "old-2", InboxRaw: begun[1].Head,
		State: []byte(`{"state":"stale"}`), At: time.Now()})
	if !errors.Is(err, storage.ErrLockLost) {
		t.Errorf("commit under a lock from before the restart: %v, want ErrLockLost", err)
	}
	if st, _ := s.LoadState(ctx, convs[1]); string(st) == `{"state":"stale"}` {
		t.Error("the stale commit wrote its state")
	}
}
