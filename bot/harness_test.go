package bot

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// echoDialog answers every inbound message with "eco N: text", where N
// counts the messages the conversation has seen: a lost state update shows
// as a repeated or skipped N.
type echoDialog struct{}

func (echoDialog) Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	if c.Slots == nil {
		c.Slots = map[string]string{}
	}
	n, _ := strconv.Atoi(c.Slots["count"])
	n++
	c.Slots["count"] = strconv.Itoa(n)
	if ev.Kind != dialogs.EventInbound {
		return c, []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: "lembrete " + ev.Step}}}, nil
	}
	acts := []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: fmt.Sprintf("eco %d: %s", n, ev.Text)}}}
	if ev.Text == "SAIR" {
		acts = append(acts, dialogs.Action{Kind: dialogs.ActOptOut, Reason: ev.Text})
	}
	return c, acts, nil
}

// fakeChannel records sends; failures makes the first sends fail.
type fakeChannel struct {
	name     string
	mu       sync.Mutex
	sent     []channels.Outbound
	failures int
	perm     bool
	// beforeReturn runs after a send is accepted and before Send returns,
	// as a fast provider's status callback does (nil: none).
	beforeReturn func(m channels.Outbound, providerID string)
	// asTemplate is the template the provider says each send went as (nil: free-form).
	asTemplate *channels.Template
}

func (f *fakeChannel) Name() string { return f.name }

func (f *fakeChannel) Send(_ context.Context, m channels.Outbound) (channels.SendResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		if f.perm {
			return channels.SendResult{}, &channels.PermanentError{Code: "63016", Err: fmt.Errorf("outside session window")}
		}
		return channels.SendResult{}, fmt.Errorf("provider answered 500")
	}
	f.sent = append(f.sent, m)
	if f.beforeReturn != nil {
		f.beforeReturn(m, "P"+m.ID)
	}
	return channels.SendResult{ProviderID: "P" + m.ID, Status: channels.StatusSent, Template: f.asTemplate}, nil
}

func (f *fakeChannel) Sent() []channels.Outbound {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]channels.Outbound(nil), f.sent...)
}

type harness struct {
	t     *testing.T
	redis *redistest.Server
	store *storage.Store
	bot   *Bot
	ch    *fakeChannel
	stop  context.CancelFunc
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	r := redistest.New(t)
	st := r.Store()
	if opts.ClaimEvery == 0 {
		opts.ClaimEvery = time.Hour // reclaim only when a test asks
	}
	opts.RetryPoll = 5 * time.Millisecond
	opts.ReadBlock = 20 * time.Millisecond
	if opts.RetryBase == 0 {
		opts.RetryBase = time.Millisecond
	}
	b := New(st, echoDialog{}, config.NewDirectory(config.DemoFile()), testLogger(t), nil, opts)
	ch := &fakeChannel{name: channels.Simulator}
	b.AddChannel(ch)
	return &harness{t: t, redis: r, store: st, bot: b, ch: ch}
}

func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	if err := h.bot.Start(ctx); err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { cancel(); h.bot.Wait() })
}

// waitFor polls a condition until it holds or the deadline passes; it waits
// on state, never on elapsed time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) transcript(conv string) []storage.Message {
	h.t.Helper()
	msgs, err := h.store.Transcript(context.Background(), conv, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return msgs
}

func (h *harness) accept(from, text, providerID string) {
	h.t.Helper()
	err := h.bot.Accept(context.Background(), channels.Inbound{Channel: channels.Simulator, From: from, Text: text, ProviderID: providerID})
	if err != nil {
		h.t.Fatal(err)
	}
}
