package storage_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// holdFirstAccept is a client hook that counts the accept script's runs
// (their first key is the inbound stream; an EVALSHA refused with NOSCRIPT
// is not a run) and holds the first call until release is closed, as a
// slow round trip would.
type holdFirstAccept struct {
	inbound string
	calls   atomic.Int32
	runs    atomic.Int32
	entered chan struct{}
	release chan struct{}
}

func (h *holdFirstAccept) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *holdFirstAccept) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}
func (h *holdFirstAccept) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		args := cmd.Args()
		if (cmd.Name() != "evalsha" && cmd.Name() != "eval") || len(args) < 4 || args[3] != h.inbound {
			return next(ctx, cmd)
		}
		if h.calls.Add(1) == 1 {
			close(h.entered)
			<-h.release
		}
		err := next(ctx, cmd)
		if err == nil {
			h.runs.Add(1)
		}
		return err
	}
}

// Webhooks that arrive while an accept is in Redis are committed together
// in the next round trip, each still deduplicated on its own: a second
// delivery of a provider id is a duplicate whether it shares a group with
// the first or not.
func TestAcceptGroupsWebhooksArrivingDuringARoundTrip(t *testing.T) {
	r := redistest.New(t)
	st, ctx := r.Store(), context.Background()
	hook := &holdFirstAccept{inbound: st.Keys().Inbound(), entered: make(chan struct{}), release: make(chan struct{})}
	r.Client.AddHook(hook)
	msg := func(sid string, conv int) storage.Message {
		return storage.Message{ID: storage.NewID(), Conversation: fmt.Sprintf("+551198765%04d", conv), Direction: storage.In,
			Channel: "sms", Text: "oi", ProviderID: sid, At: time.Now()}
	}
	var mu sync.Mutex
	results := map[string][]error{}
	var wg sync.WaitGroup
	accept := func(m storage.Message) {
		defer wg.Done()
		err := st.Accept(ctx, m)
		mu.Lock()
		results[m.ProviderID] = append(results[m.ProviderID], err)
		mu.Unlock()
	}
	wg.Add(1)
	go accept(msg("SM0", 0)) // leads, and waits in Redis
	<-hook.entered
	later := []storage.Message{msg("SM1", 1), msg("SM2", 2), msg("SM3", 1), msg("SM4", 3), msg("SM5", 4),
		msg("SM6", 2), msg("SM7", 5), msg("SM0", 0), msg("SM1", 1)}
	for _, m := range later {
		wg.Add(1)
		go accept(m)
	}
	for deadline := time.Now().Add(10 * time.Second); storage.AcceptsQueued(st) < len(later); {
		if time.Now().After(deadline) {
			t.Fatalf("%d accepts queued behind the first, want %d", storage.AcceptsQueued(st), len(later))
		}
		time.Sleep(time.Millisecond)
	}
	close(hook.release)
	wg.Wait()

	if n := hook.runs.Load(); n != 2 {
		t.Errorf("%d accept script runs for 10 webhooks, want 2 (the first, then the nine that waited for it)", n)
	}
	for sid, errs := range results {
		accepted, dups := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				accepted++
			case errors.Is(err, storage.ErrDuplicate):
				dups++
			default:
				t.Errorf("%s: %v", sid, err)
			}
		}
		if accepted != 1 || dups != len(errs)-1 {
			t.Errorf("%s: %d accepted, %d duplicates of %d deliveries; want exactly one accepted", sid, accepted, dups, len(errs))
		}
	}
	if n := r.Client.XLen(ctx, st.Keys().Inbound()).Val(); n != 8 {
		t.Errorf("inbound stream holds %d notifications, want 8 (one per distinct message)", n)
	}
	inboxes := map[string]int64{"+5511987650000": 1, "+5511987650001": 2, "+5511987650002": 2, "+5511987650003": 1, "+5511987650004": 1, "+5511987650005": 1}
	for conv, want := range inboxes {
		if n := r.Client.LLen(ctx, st.Keys().Inbox(conv)).Val(); n != want {
			t.Errorf("inbox of %s holds %d, want %d", conv, n, want)
		}
	}
}

// When Redis cannot be reached, every accept of a group fails (the webhook
// answers 5xx and the provider retries) and none waits forever.
func TestAcceptGroupFailsEveryWebhookWhenRedisIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	st := storage.New(rdb, "down")
	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = st.Accept(context.Background(), storage.Message{ID: storage.NewID(), Conversation: "+5511987650001",
				Channel: "sms", ProviderID: fmt.Sprint("SM", i), At: time.Now()})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err == nil || errors.Is(err, storage.ErrDuplicate) {
			t.Errorf("accept %d: %v, want a connection error", i, err)
		}
	}
}
