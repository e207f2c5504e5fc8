package archive_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
	"github.com/quita-bot/quita/storage/redistest"
)

// pipeline commits conversation steps the way a worker does (lock, commit
// with messages and actions), with the archive's outbox on.
type pipeline struct {
	t     *testing.T
	r     *redistest.Server
	st    *storage.Store
	mu    sync.Mutex
	ids   []string // every message committed
	acts  int
	clock time.Time
}

func newPipeline(t *testing.T) *pipeline {
	r := redistest.New(t)
	st := r.Store()
	st.SetArchiving(true)
	return &pipeline{t: t, r: r, st: st, clock: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
}

// step commits n messages (in, then out alternately) and the actions to conv.
func (p *pipeline) step(conv string, n int, actions ...dialogs.Action) []storage.Message {
	p.t.Helper()
	ctx := context.Background()
	tok := storage.NewID()
	if ok, err := p.st.TryLock(ctx, conv, tok, time.Minute); err != nil || !ok {
		p.t.Fatalf("lock %s: %v %v", conv, ok, err)
	}
	p.mu.Lock()
	var msgs []storage.Message
	for i := 0; i < n; i++ {
		p.clock = p.clock.Add(time.Second)
		dir := storage.In
		if i%2 == 1 {
			dir = storage.Out
		}
		m := storage.Message{ID: storage.NewID(), Conversation: conv, Direction: dir, Channel: channels.WhatsApp,
			Text: fmt.Sprintf("mensagem %d de %s", len(p.ids), conv), At: p.clock}
		msgs = append(msgs, m)
		p.ids = append(p.ids, m.ID)
	}
	p.acts += len(actions)
	at := p.clock
	p.mu.Unlock()
	var raw [][]byte
	for _, a := range actions {
		b, _ := json.Marshal(a)
		raw = append(raw, b)
	}
	if err := p.st.Commit(ctx, storage.Commit{Conversation: conv, Token: tok, Messages: msgs, Actions: raw, At: at}); err != nil {
		p.t.Fatal(err)
	}
	if err := p.st.Unlock(ctx, conv, tok); err != nil {
		p.t.Fatal(err)
	}
	return msgs
}

func (p *pipeline) backlog() storage.ArchiveBacklog {
	b, err := p.st.ArchiveBacklog(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// drain runs passes of a until the outbox is empty.
func (p *pipeline) drain(a *archive.Archiver) {
	p.t.Helper()
	// Passes run until the backlog is empty; the test fails only when
	// passes stop making progress (not on a wall-clock deadline: under
	// -race on a busy machine a pass can take seconds).
	stalled, last := 0, int64(-1)
	for {
		if _, err := a.Pass(context.Background()); err != nil {
			p.t.Fatal(err)
		}
		b := p.backlog()
		left := b.Dirty + b.Busy + b.Actions
		if left == 0 {
			return
		}
		if last >= 0 && left >= last {
			stalled++
		} else {
			stalled = 0
		}
		if stalled >= 50 {
			p.t.Fatalf("outbox not drained, no progress in 50 passes: %+v", b)
		}
		last = left
	}
}

// assertArchivedOnce checks the archive holds every committed message and
// action exactly once.
func assertArchivedOnce(t *testing.T, db *archive.DB, p *pipeline) {
	t.Helper()
	ctx := context.Background()
	n, _ := db.Count(ctx, "messages")
	if n != int64(len(p.ids)) {
		t.Fatalf("%d messages archived, %d committed", n, len(p.ids))
	}
	for _, id := range p.ids {
		var c int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE id = $1`, id).Scan(&c); err != nil || c != 1 {
			t.Fatalf("message %s archived %d times (%v)", id, c, err)
		}
	}
	if ev, _ := db.Count(ctx, "events"); ev != int64(p.acts) {
		t.Fatalf("%d events archived, %d actions committed", ev, p.acts)
	}
}

func TestArchiverCopiesCommitsStatusesAndActionsOnce(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		p := newPipeline(t)
		ctx := context.Background()
		a := &archive.Archiver{Store: p.st, Sink: db, Batch: 2}
		first := p.step("+5511987650001", 4, dialogs.Action{Kind: dialogs.ActRecordPromise, DebtID: "d1", Date: "2026-12-10"})
		p.step("+5511987650002", 2, dialogs.Action{Kind: dialogs.ActOptOut, Channel: "whatsapp", Reason: "pare"})
		p.step("+5511987650003", 2)
		if err := p.st.ArchiveGate(ctx, storage.GateDecision{MessageID: first[1].ID, Conversation: "+5511987650001", Reason: "window",
			RetryAt: p.clock.Add(time.Hour), At: p.clock}); err != nil {
			t.Fatal(err)
		}
		if b := p.backlog(); b.Dirty != 3 || b.Actions != 3 || b.Oldest.IsZero() { // two actions and a gate decision
			t.Fatalf("outbox after 3 commits: %+v", b)
		}
		p.drain(a)
		assertArchivedOnce(t, db, p)
		// A delivery status marks the conversation again; the archive moves forward.
		if _, err := p.st.SetStatus(ctx, "+5511987650001", first[1].ID, channels.StatusRead, ""); err != nil {
			t.Fatal(err)
		}
		if b := p.backlog(); b.Dirty != 1 {
			t.Fatalf("a status did not mark its conversation: %+v", b)
		}
		p.step("+5511987650001", 2)
		p.drain(a)
		assertArchivedOnce(t, db, p)
		var status string
		db.SQL().QueryRowContext(ctx, `SELECT status FROM messages WHERE id = $1`, first[1].ID).Scan(&status)
		if status != channels.StatusRead {
			t.Fatalf("status %q, want read", status)
		}
		var promise, optout int
		db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM promises WHERE debt_id = 'd1' AND promised_for = '2026-12-10'`).Scan(&promise)
		db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM optouts WHERE phone = '+5511987650002' AND message = 'pare'`).Scan(&optout)
		var gate string
		db.SQL().QueryRowContext(ctx, `SELECT reason FROM gate_decisions WHERE message_id = $1`, first[1].ID).Scan(&gate)
		if promise != 1 || optout != 1 || gate != "window (deferred to 2026-12-01T13:00:08Z)" {
			t.Fatalf("gate decision %q", gate)
		}
		if promise != 1 || optout != 1 {
			t.Fatalf("promise %d opt-out %d rows", promise, optout)
		}
		var msgs int
		db.SQL().QueryRowContext(ctx, `SELECT messages FROM conversations WHERE id = '+5511987650001'`).Scan(&msgs)
		if msgs != 6 {
			t.Fatalf("conversation row counts %d messages, want 6", msgs)
		}
	})
}

func TestArchiverOffWritesNoOutbox(t *testing.T) {
	p := newPipeline(t)
	p.st.SetArchiving(false)
	p.step("+5511987650001", 2, dialogs.Action{Kind: dialogs.ActRecordPromise, DebtID: "d1"})
	if b := p.backlog(); b.Dirty+b.Actions != 0 {
		t.Fatalf("archiving off, yet the outbox holds %+v", b)
	}
}

// killSink commits (or not) and then kills its archiver's Redis client,
// as a process that dies at that point: nothing after it reaches Redis.
type killSink struct {
	*archive.DB
	client      redis.UniversalClient
	afterCommit bool
}

func (k killSink) Write(ctx context.Context, b *archive.Batch) error {
	if k.afterCommit {
		if err := k.DB.Write(ctx, b); err != nil {
			return err
		}
	}
	k.client.Close()
	return errors.New("killed")
}

func TestArchiverKilledMidBatchRestartsWithoutLossOrDuplicates(t *testing.T) {
	for _, afterCommit := range []bool{false, true} {
		t.Run(fmt.Sprintf("after commit %v", afterCommit), func(t *testing.T) {
			archivetest.Each(t, func(t *testing.T, db *archive.DB) {
				p := newPipeline(t)
				for i := 0; i < 5; i++ {
					p.step(fmt.Sprintf("+55119876500%02d", i), 3, dialogs.Action{Kind: dialogs.ActHandoff, Reason: "asked"})
				}
				doomed := redis.NewClient(&redis.Options{Addr: p.r.Client.(*redis.Client).Options().Addr, DB: p.r.Client.(*redis.Client).Options().DB})
				killed := &archive.Archiver{Store: storage.New(doomed, p.r.Prefix), Sink: killSink{DB: db, client: doomed, afterCommit: afterCommit}, Consumer: "a", Batch: 3}
				if _, err := killed.Pass(context.Background()); err == nil {
					t.Fatal("the killed pass reported success")
				}
				if b := p.backlog(); b.Busy == 0 {
					t.Fatalf("the dead archiver's claims should still be held: %+v", b)
				}
				p.step("+5511987650099", 2) // the pipeline goes on meanwhile
				restarted := &archive.Archiver{Store: p.st, Sink: db, Consumer: "b", Lease: time.Millisecond, Batch: 3}
				deadline := time.Now().Add(20 * time.Second)
				for {
					if _, err := p.st.ReclaimStale(context.Background(), time.Now(), time.Millisecond); err != nil {
						t.Fatal(err)
					}
					if _, err := restarted.Pass(context.Background()); err != nil {
						t.Fatal(err)
					}
					if b := p.backlog(); b.Dirty+b.Busy+b.Actions == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("not drained: %+v", p.backlog())
					}
				}
				assertArchivedOnce(t, db, p)
			})
		})
	}
}

// outageSink is an archive that is down while down is set: its writes
// block until the outage ends and then fail, like a PostgreSQL that stopped
// answering; nothing the pipeline does may wait for it.
type outageSink struct {
	*archive.DB
	down   atomic.Bool
	failed atomic.Int64
	over   chan struct{}
}

func (o *outageSink) Write(ctx context.Context, b *archive.Batch) error {
	if o.down.Load() {
		o.failed.Add(1)
		<-o.over
		return errors.New("connection refused")
	}
	return o.DB.Write(ctx, b)
}

func TestArchiveOutageDelaysArchivingButNeverTheInbound(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		p := newPipeline(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sink := &outageSink{DB: db, over: make(chan struct{})}
		sink.down.Store(true)
		a := &archive.Archiver{Store: p.st, Sink: sink, Idle: time.Millisecond, Batch: 50}
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		// Inbound load while the archive is down and its writer stuck:
		// webhooks (Accept) and commits all complete.
		const convs, steps = 20, 10
		var wg sync.WaitGroup
		for c := 0; c < convs; c++ {
			wg.Add(1)
			go func(c int) {
				defer wg.Done()
				conv := fmt.Sprintf("+55119876501%02d", c)
				for s := 0; s < steps; s++ {
					m := storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.In, Channel: "sms", Text: "oi", ProviderID: storage.NewID(), At: time.Now()}
					if err := p.st.Accept(ctx, m); err != nil {
						t.Error(err)
						return
					}
					p.step(conv, 2, dialogs.Action{Kind: dialogs.ActOutcome, Reason: "reply"})
				}
			}(c)
		}
		wg.Wait()
		for deadline := time.Now().Add(10 * time.Second); sink.failed.Load() == 0; {
			if time.Now().After(deadline) {
				t.Fatal("the archiver never tried the archive during the outage")
			}
			time.Sleep(time.Millisecond) // polling a condition with a deadline
		}
		lagDown := p.backlog()
		if lagDown.Dirty+lagDown.Busy < convs || lagDown.Actions != convs*steps || lagDown.Lag(time.Now()) <= 0 {
			t.Fatalf("during the outage the outbox should hold everything: %+v", lagDown)
		}
		if n, _ := db.Count(context.Background(), "messages"); n != 0 {
			t.Fatalf("%d messages archived while the archive was down", n)
		}
		// The archive comes back: the lag drains to zero.
		sink.down.Store(false)
		close(sink.over)
		deadline := time.Now().Add(30 * time.Second)
		for {
			b := p.backlog()
			if b.Dirty+b.Busy+b.Actions == 0 && b.Lag(time.Now()) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("lag did not drain: %+v", b)
			}
			time.Sleep(10 * time.Millisecond) // polling a condition with a deadline
		}
		cancel()
		<-done
		assertArchivedOnce(t, db, p)
	})
}
