package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// handoffDialog asks for a person when the debtor does, stays silent while
// one holds the conversation and, unless keep is set, clears the handoff when
// it is handed back (keep plays an engine that forgets to).
type handoffDialog struct{ keep bool }

func (d handoffDialog) Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	send := func(text string) []dialogs.Action {
		return []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: text}}}
	}
	switch {
	case ev.Kind == dialogs.EventHandedBack:
		if !d.keep {
			c.Handoff = dialogs.Handoff{}
		}
		c.State = ev.Resume
		return c, send("de volta: " + ev.Resume), nil
	case c.Handoff.Active():
		return c, nil, nil
	case strings.Contains(ev.Text, "atendente"):
		c.Handoff = dialogs.Handoff{Status: dialogs.HandoffQueued, Reason: dialogs.ReasonAskHuman, Priority: 1, Since: now}
		return c, append(send("Uma pessoa da equipe vai te responder."),
			dialogs.Action{Kind: dialogs.ActHandoff, Reason: dialogs.ReasonAskHuman, Priority: 1}), nil
	}
	return c, send("bot: " + ev.Text), nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type handoffHarness struct {
	*harness
	h      *Handoffs
	clk    *clock
	events chan storage.HandoffEvent
}

func newHandoffHarness(t *testing.T, d handoffDialog) *handoffHarness {
	t.Helper()
	hh := newHarness(t, Options{})
	hh.bot.dialog = d
	clk := &clock{t: time.Now()}
	hh.bot.now = clk.Now // one clock for the dialog's Since and the handoff decisions
	h := hh.bot.Handoffs(HandoffOptions{Idle: 15 * time.Minute, Now: clk.Now,
		IdleByCreditor: map[string]time.Duration{"vip": 5 * time.Minute}})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	sub := hh.redis.Client.Subscribe(ctx, hh.store.Keys().HandoffEvents())
	if _, err := sub.Receive(ctx); err != nil { // subscription confirmed before anything happens
		t.Fatal(err)
	}
	events := make(chan storage.HandoffEvent, 64)
	go func() {
		for m := range sub.Channel() {
			var e storage.HandoffEvent
			if json.Unmarshal([]byte(m.Payload), &e) == nil {
				events <- e
			}
		}
	}()
	t.Cleanup(func() { sub.Close() })
	hh.start()
	return &handoffHarness{harness: hh, h: h, clk: clk, events: events}
}

// expect reads the next published transition and checks it.
func (hh *handoffHarness) expect(transition, from, to, agent string) {
	hh.t.Helper()
	select {
	case e := <-hh.events:
		if e.Transition != transition || e.From != from || e.To != to || e.Agent != agent {
			hh.t.Fatalf("event = %+v, want %s %q→%q agent %q", e, transition, from, to, agent)
		}
	case <-time.After(10 * time.Second):
		hh.t.Fatalf("no %s event published", transition)
	}
}

func (hh *handoffHarness) noEvent() {
	hh.t.Helper()
	select {
	case e := <-hh.events:
		hh.t.Fatalf("unexpected event %+v", e)
	default:
	}
}

func (hh *handoffHarness) conv(id string) dialogs.Conversation {
	hh.t.Helper()
	c, err := hh.bot.Conversation(context.Background(), id)
	if err != nil {
		hh.t.Fatal(err)
	}
	return c
}

func (hh *handoffHarness) queued() []string {
	hh.t.Helper()
	ids, err := hh.store.HandoffQueued(context.Background(), 100)
	if err != nil {
		hh.t.Fatal(err)
	}
	return ids
}

func (hh *handoffHarness) heldList() []string {
	hh.t.Helper()
	ids, err := hh.store.HandoffHeld(context.Background(), 100)
	if err != nil {
		hh.t.Fatal(err)
	}
	return ids
}

// askHuman makes the debtor ask for a person and waits until queued.
func (hh *handoffHarness) askHuman(phone string) {
	hh.t.Helper()
	hh.accept(phone, "quero falar com um atendente", "")
	waitFor(hh.t, "conversation queued", func() bool { return contains(hh.queued(), phone) })
	hh.expect(TransitionQueued, "", dialogs.HandoffQueued, "")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func lastText(msgs []storage.Message) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[len(msgs)-1].Text
}

func TestHandoffTriggerQueuesOnceAndKeepsBotSilent(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	const phone = "+5511987650101"
	hh.askHuman(phone)
	c := hh.conv(phone)
	if c.Handoff.Status != dialogs.HandoffQueued || c.Handoff.Reason != dialogs.ReasonAskHuman {
		t.Fatalf("handoff = %+v, want queued ask_human", c.Handoff)
	}
	// A redelivered action changes nothing and publishes nothing.
	if err := hh.h.onHandoff(ctx, phone, dialogs.Action{Kind: dialogs.ActHandoff, Reason: dialogs.ReasonAskHuman, Priority: 1}); err != nil {
		t.Fatal(err)
	}
	if q := hh.queued(); len(q) != 1 {
		t.Fatalf("queue = %v, want one entry", q)
	}
	hh.noEvent()
	// The debtor writes while waiting: recorded, not answered.
	hh.accept(phone, "alô?", "")
	waitFor(t, "message recorded", func() bool { return lastText(hh.transcript(phone)) == "alô?" })
	for _, m := range hh.transcript(phone) {
		if strings.HasPrefix(m.Text, "bot:") {
			t.Fatalf("the bot answered during a handoff: %q", m.Text)
		}
	}
}

func TestHandoffQueueOrderPriorityThenWaitingTime(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		conv     string
		priority int
		since    time.Time
	}{
		{"+5511900000001", 1, base},
		{"+5511900000002", 3, base.Add(5 * time.Minute)},
		{"+5511900000003", 1, base.Add(-time.Minute)},
		{"+5511900000004", 2, base.Add(time.Hour)},
	} {
		if err := hh.store.IndexHandoff(ctx, tc.conv, storage.HandoffIndex{Status: dialogs.HandoffQueued, Priority: tc.priority, Since: tc.since}, nil); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{"+5511900000002", "+5511900000004", "+5511900000003", "+5511900000001"}
	if got := hh.queued(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("queue order = %v, want %v", got, want)
	}
}

func TestHandoffClaim(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	const phone = "+5511987650102"
	if _, err := hh.h.Claim(ctx, phone, "ana@x", false); !errors.Is(err, ErrNotHandedOff) {
		t.Fatalf("claim of a bot conversation = %v, want ErrNotHandedOff", err)
	}
	hh.askHuman(phone)
	hh.clk.Add(3 * time.Minute)
	c, err := hh.h.Claim(ctx, phone, "ana@x", false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Handoff.Status != dialogs.HandoffAssigned || c.Handoff.Agent != "ana@x" {
		t.Fatalf("after claim handoff = %+v", c.Handoff)
	}
	hh.expect(TransitionClaimed, dialogs.HandoffQueued, dialogs.HandoffAssigned, "ana@x")
	if q, held := hh.queued(), hh.heldList(); len(q) != 0 || !contains(held, phone) {
		t.Fatalf("queue %v held %v, want it held only", q, held)
	}
	if stored := hh.conv(phone); stored.Handoff.Agent != "ana@x" {
		t.Fatalf("stored handoff = %+v", stored.Handoff)
	}
	tests := []struct {
		name     string
		agent    string
		takeOver bool
		err      error
		holder   string
	}{
		{"same agent again is a no-op", "ana@x", false, nil, "ana@x"},
		{"another agent is refused", "bia@x", false, ErrHeldByOther, "ana@x"},
		{"an admin takes over", "root@x", true, nil, "root@x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := hh.h.Claim(ctx, phone, tc.agent, tc.takeOver)
			if !errors.Is(err, tc.err) {
				t.Fatalf("claim = %v, want %v", err, tc.err)
			}
			if got := hh.conv(phone).Handoff.Agent; got != tc.holder {
				t.Fatalf("holder = %q, want %q", got, tc.holder)
			}
		})
	}
	hh.expect(TransitionClaimed, dialogs.HandoffAssigned, dialogs.HandoffAssigned, "root@x")
	labels, days, err := hh.store.StatsDays(ctx, hh.clk.Now(), 1)
	if err != nil || len(labels) != 1 {
		t.Fatal(err)
	}
	if days[0]["handoff_claims"] != 1 || days[0]["handoff_wait_ms"] < (3*time.Minute).Milliseconds() {
		t.Fatalf("stats = %v, want one claim after ≥3 min", days[0])
	}
}

func TestHandoffReplyGoesThroughTheOutboundQueue(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	const phone = "+5511987650103"
	hh.askHuman(phone)
	if _, err := hh.h.Reply(ctx, phone, "ana@x", dialogs.Message{Text: "oi"}); !errors.Is(err, ErrNotHeld) {
		t.Fatalf("reply before claim = %v, want ErrNotHeld", err)
	}
	if _, err := hh.h.Claim(ctx, phone, "ana@x", false); err != nil {
		t.Fatal(err)
	}
	if _, err := hh.h.Reply(ctx, phone, "bia@x", dialogs.Message{Text: "oi"}); !errors.Is(err, ErrHeldByOther) {
		t.Fatalf("reply by another agent = %v, want ErrHeldByOther", err)
	}
	outs, err := hh.h.Reply(ctx, phone, "ana@x", dialogs.Message{Text: "Oi, aqui é a Ana. Como posso ajudar?"})
	if err != nil || len(outs) != 1 {
		t.Fatalf("reply = %v, %v", outs, err)
	}
	waitFor(t, "agent reply sent", func() bool {
		for _, o := range hh.ch.Sent() {
			if o.Text == "Oi, aqui é a Ana. Como posso ajudar?" && o.Origin == "agent" {
				return true
			}
		}
		return false
	})
	if _, err := hh.h.Note(ctx, phone, "ana@x", "cliente pediu boleto"); err != nil {
		t.Fatal(err)
	}
	var reply, note *storage.Message
	msgs := hh.transcript(phone)
	for i := range msgs {
		switch msgs[i].Origin {
		case "agent":
			reply = &msgs[i]
		case "note":
			note = &msgs[i]
		}
	}
	if reply == nil || reply.Author != "ana@x" || reply.Private {
		t.Fatalf("agent reply in transcript = %+v", reply)
	}
	if note == nil || !note.Private || note.Author != "ana@x" {
		t.Fatalf("note in transcript = %+v", note)
	}
	for _, o := range hh.ch.Sent() {
		if o.Text == "cliente pediu boleto" {
			t.Fatal("a private note was sent to the debtor")
		}
	}
}

func TestHandoffIdleAgentReleasesToQueue(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	const phone = "+5511987650104"
	hh.askHuman(phone)
	since := hh.conv(phone).Handoff.Since
	if _, err := hh.h.Claim(ctx, phone, "ana@x", false); err != nil {
		t.Fatal(err)
	}
	hh.expect(TransitionClaimed, dialogs.HandoffQueued, dialogs.HandoffAssigned, "ana@x")
	steps := []struct {
		advance  time.Duration
		act      bool // the agent replies at this point
		released int
		status   string
	}{
		{10 * time.Minute, true, 0, dialogs.HandoffAssigned},  // a reply resets the idle clock
		{14 * time.Minute, false, 0, dialogs.HandoffAssigned}, // 14 min idle: still held
		{2 * time.Minute, false, 1, dialogs.HandoffQueued},    // 16 min idle: released
		{time.Hour, false, 0, dialogs.HandoffQueued},          // nothing more to do
	}
	for i, s := range steps {
		hh.clk.Add(s.advance)
		if s.act {
			if _, err := hh.h.Reply(ctx, phone, "ana@x", dialogs.Message{Text: "já volto"}); err != nil {
				t.Fatal(err)
			}
		}
		n, err := hh.h.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c := hh.conv(phone)
		if n != s.released || c.Handoff.Status != s.status {
			t.Fatalf("step %d: released %d status %q, want %d %q", i, n, c.Handoff.Status, s.released, s.status)
		}
	}
	c := hh.conv(phone)
	if c.Handoff.Agent != "" || !c.Handoff.Since.Equal(since) || c.Handoff.Reason != dialogs.ReasonAskHuman {
		t.Fatalf("released handoff = %+v, want no agent, same reason and waiting time", c.Handoff)
	}
	hh.expect(TransitionReleased, dialogs.HandoffAssigned, dialogs.HandoffQueued, "ana@x")
	if !contains(hh.queued(), phone) || contains(hh.heldList(), phone) {
		t.Fatal("released conversation is not back in the queue")
	}
	// Another agent picks it up.
	if _, err := hh.h.Claim(ctx, phone, "bia@x", false); err != nil {
		t.Fatal(err)
	}
}

func TestHandoffIdlePerCreditor(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	const phone = "+5511987650105"
	hh.askHuman(phone)
	// The conversation belongs to a creditor with a 5-minute idle limit.
	err := hh.bot.Update(ctx, phone, func(c *dialogs.Conversation) ([]storage.Message, []storage.Outbound, error) {
		c.CreditorID = "vip"
		return nil, nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hh.h.Claim(ctx, phone, "ana@x", false); err != nil {
		t.Fatal(err)
	}
	hh.clk.Add(6 * time.Minute)
	if n, err := hh.h.Sweep(ctx); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v; want the vip conversation released after 6 min", n, err)
	}
}

func TestHandoffHandBackRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name   string
		dialog handoffDialog
		resume string
		event  string
	}{
		{"dialog clears the handoff", handoffDialog{}, dialogs.ResumeMenu, TransitionHandedBack},
		{"dialog forgets to clear it", handoffDialog{keep: true}, dialogs.ResumeNegotiation, TransitionHandedBack},
		{"close", handoffDialog{}, dialogs.ResumeClosed, TransitionClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hh := newHandoffHarness(t, tc.dialog)
			ctx := context.Background()
			const phone = "+5511987650106"
			hh.askHuman(phone)
			if _, err := hh.h.Claim(ctx, phone, "ana@x", false); err != nil {
				t.Fatal(err)
			}
			hh.expect(TransitionClaimed, dialogs.HandoffQueued, dialogs.HandoffAssigned, "ana@x")
			if _, err := hh.h.HandBack(ctx, phone, "ana@x", "nowhere", false); !errors.Is(err, ErrBadResume) {
				t.Fatalf("hand back to nowhere = %v", err)
			}
			if _, err := hh.h.HandBack(ctx, phone, "bia@x", tc.resume, false); !errors.Is(err, ErrHeldByOther) {
				t.Fatalf("hand back by another agent = %v", err)
			}
			var err error
			if tc.resume == dialogs.ResumeClosed {
				_, err = hh.h.Close(ctx, phone, "ana@x", false)
			} else {
				_, err = hh.h.HandBack(ctx, phone, "ana@x", tc.resume, false)
			}
			if err != nil {
				t.Fatal(err)
			}
			hh.expect(tc.event, dialogs.HandoffAssigned, dialogs.HandoffNone, "ana@x")
			if c := hh.conv(phone); c.Handoff.Active() || c.State != tc.resume {
				t.Fatalf("after hand-back: handoff %+v state %q", c.Handoff, c.State)
			}
			if len(hh.queued())+len(hh.heldList()) != 0 {
				t.Fatal("handed-back conversation still indexed")
			}
			// The bot speaks again: no silence after the return.
			hh.accept(phone, "oi de novo", "")
			waitFor(t, "bot answers after hand-back", func() bool { return lastText(hh.transcript(phone)) == "bot: oi de novo" })
		})
	}
}

func TestHandoffSweepRepairsStaleIndex(t *testing.T) {
	hh := newHandoffHarness(t, handoffDialog{})
	ctx := context.Background()
	const phone = "+5511987650107" // the bot holds it: nothing to queue
	for _, status := range []string{dialogs.HandoffQueued, dialogs.HandoffAssigned} {
		if err := hh.store.IndexHandoff(ctx, phone, storage.HandoffIndex{Status: status, Since: hh.clk.Now(), Activity: hh.clk.Now().Add(-time.Hour)}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := hh.h.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		if len(hh.queued())+len(hh.heldList()) != 0 {
			t.Fatalf("stale %s entry survived the sweep", status)
		}
	}
}
