package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Handoff transitions, as published in storage.HandoffEvent.Transition.
const (
	TransitionQueued     = "queued"      // the dialog asked for a person
	TransitionClaimed    = "claimed"     // an agent took it
	TransitionReleased   = "released"    // its agent went idle: back to the queue
	TransitionHandedBack = "handed_back" // the agent returned it to the bot
	TransitionClosed     = "closed"      // the agent closed it (handed back at "closed")
	TransitionRepaired   = "repaired"    // the index disagreed with the state and was fixed
	TransitionEscalated  = "escalated"   // the debtor showed distress while waiting or held: now urgent
)

// Errors of handoff operations; the console maps them to HTTP statuses.
var (
	ErrNotHandedOff = errors.New("the bot is handling this conversation: there is nothing to claim")
	ErrHeldByOther  = errors.New("another agent holds this conversation")
	ErrNotHeld      = errors.New("claim this conversation before answering it")
	ErrBadResume    = errors.New("resume must be menu, negotiation or closed")
)

// HandoffOptions tune the handoff queue; zero values take the defaults.
type HandoffOptions struct {
	// Idle is how long an agent may hold a conversation without doing
	// anything before it returns to the queue (default 15 minutes).
	Idle time.Duration
	// IdleByCreditor overrides Idle per creditor id (creditor YAML
	// handoff: idle_minutes:).
	IdleByCreditor map[string]time.Duration
	// Every is how often the idle sweep runs (default 30 seconds).
	Every time.Duration
	// Now is the clock of handoff decisions (default: the bot's clock).
	Now func() time.Time
	// Exempt, when set, names holders the idle sweep leaves alone: agents
	// of another inbox (Chatwoot) whose own assignment rules apply there.
	Exempt func(agent string) bool
}

// Handoffs is the human-handoff queue over the pipeline: it queues the
// conversations the dialog hands to a person, lets agents claim, answer and
// return them, releases the ones whose agent went idle, and publishes every
// transition on storage Keys.HandoffEvents. The conversation state
// (dialogs.Handoff) is the truth; the Redis sorted sets are an index that
// every change rewrites under the conversation lock and the sweep repairs.
type Handoffs struct {
	b    *Bot
	opts HandoffOptions
}

// Handoffs builds the queue and registers its ActHandoff handler; call
// before Start, and run Run in the background.
func (b *Bot) Handoffs(opts HandoffOptions) *Handoffs {
	if opts.Idle <= 0 {
		opts.Idle = 15 * time.Minute
	}
	if opts.Every <= 0 {
		opts.Every = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = b.now
	}
	h := &Handoffs{b: b, opts: opts}
	b.OnAction(dialogs.ActHandoff, h.onHandoff)
	return h
}

// Now is the handoff clock.
func (h *Handoffs) Now() time.Time { return h.opts.Now() }

// IdleFor is how long an agent of this creditor may stay idle.
func (h *Handoffs) IdleFor(creditorID string) time.Duration {
	if d, ok := h.opts.IdleByCreditor[creditorID]; ok && d > 0 {
		return d
	}
	return h.opts.Idle
}

// change is what one handoff operation does under the conversation lock.
type change struct {
	save  bool // commit the (changed) state with msgs and outs
	msgs  []storage.Message
	outs  []storage.Outbound
	touch bool // the agent acted: reset the idle clock
	event *storage.HandoffEvent
}

// apply loads conv under its lock, lets f decide, commits the state and then
// rewrites the handoff index, still under the lock, so the index follows
// the state in the order the changes happened.
func (h *Handoffs) apply(ctx context.Context, conv string, f func(c *dialogs.Conversation) (change, error)) (dialogs.Conversation, error) {
	var out dialogs.Conversation
	err := h.b.withLock(ctx, conv, func(token string) error {
		c, err := h.b.loadConversation(ctx, conv)
		if err != nil {
			return err
		}
		ch, err := f(&c)
		if err != nil {
			return err
		}
		now := h.Now()
		if ch.save {
			state, err := json.Marshal(c)
			if err != nil {
				return fmt.Errorf("encode state: %w", err)
			}
			msgs := ch.msgs
			for _, o := range ch.outs {
				msgs = append(msgs, transcriptOf(o))
			}
			if err := h.b.store.Commit(ctx, storage.Commit{Conversation: conv, Token: token, State: state,
				Messages: msgs, Outbound: ch.outs, At: now}); err != nil {
				return err
			}
		}
		idx := storage.HandoffIndex{Status: c.Handoff.Status, Priority: c.Handoff.Priority, Since: c.Handoff.Since, Activity: now}
		if c.Handoff.Status == dialogs.HandoffAssigned && !ch.touch {
			if at, ok, err := h.b.store.HandoffActivity(ctx, conv); err != nil {
				return err
			} else if ok {
				idx.Activity = at
			}
		}
		if ch.event != nil {
			ch.event.Conversation, ch.event.At = conv, now
			ch.event.To, ch.event.Agent = c.Handoff.Status, firstNonEmpty(ch.event.Agent, c.Handoff.Agent)
			ch.event.Reason, ch.event.Priority = firstNonEmpty(ch.event.Reason, c.Handoff.Reason), c.Handoff.Priority
			h.b.log.Info("handoff", "conv", channels.MaskPhone(conv), "transition", ch.event.Transition,
				"was", ch.event.From, "now", ch.event.To, "reason", ch.event.Reason, "agent", ch.event.Agent)
		}
		out = c
		return h.b.store.IndexHandoff(ctx, conv, idx, ch.event)
	})
	return out, err
}

// onHandoff queues a conversation the dialog handed to a person. It is
// idempotent: a redelivered action finds the conversation already queued
// and only makes sure the index says so.
func (h *Handoffs) onHandoff(ctx context.Context, conv string, a dialogs.Action) error {
	_, err := h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		// The dialog raised an active handoff to urgent (distress while
		// waiting or held): the queue re-sorts by the state's priority and
		// the event tells the consoles at once.
		escalated := a.Escalate && c.Handoff.Priority >= a.Priority
		switch c.Handoff.Status {
		case dialogs.HandoffAssigned:
			if escalated {
				return change{event: &storage.HandoffEvent{Transition: TransitionEscalated, From: dialogs.HandoffAssigned, Reason: a.Reason}}, nil
			}
			return change{}, nil // already with a person: keep the index right
		case dialogs.HandoffQueued:
			queued, err := h.b.store.InHandoffQueue(ctx, conv)
			if err != nil {
				return change{}, err
			}
			if queued && escalated {
				return change{event: &storage.HandoffEvent{Transition: TransitionEscalated, From: dialogs.HandoffQueued, Reason: a.Reason}}, nil
			}
			if queued {
				return change{}, nil
			}
			return change{event: &storage.HandoffEvent{Transition: TransitionQueued}}, nil
		}
		// The dialog asked for a person without marking the state (an older
		// engine, or a policy trigger): mark it, a person must see it.
		c.Handoff = dialogs.Handoff{Status: dialogs.HandoffQueued, Reason: a.Reason, Priority: a.Priority, Since: h.Now()}
		return change{save: true, event: &storage.HandoffEvent{Transition: TransitionQueued}}, nil
	})
	return err
}

// Claim gives a queued conversation to agent. Claiming one's own
// conversation again is a no-op; an admin (takeOver) may take one from
// another agent.
func (h *Handoffs) Claim(ctx context.Context, conv, agent string, takeOver bool) (dialogs.Conversation, error) {
	var waited time.Duration
	c, err := h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		from := c.Handoff.Status
		switch {
		case from == dialogs.HandoffNone:
			return change{}, ErrNotHandedOff
		case from == dialogs.HandoffAssigned && c.Handoff.Agent == agent:
			return change{touch: true}, nil
		case from == dialogs.HandoffAssigned && !takeOver:
			return change{}, ErrHeldByOther
		}
		if from == dialogs.HandoffQueued && !c.Handoff.Since.IsZero() {
			waited = h.Now().Sub(c.Handoff.Since)
		}
		c.Handoff.Status, c.Handoff.Agent = dialogs.HandoffAssigned, agent
		return change{save: true, touch: true, event: &storage.HandoffEvent{Transition: TransitionClaimed, From: from}}, nil
	})
	if err == nil && waited > 0 {
		if serr := h.b.store.IncrStats(ctx, h.Now(), map[string]int64{"handoff_claims": 1, "handoff_wait_ms": waited.Milliseconds()}); serr != nil {
			h.b.log.Warn("handoff stats", "err", serr)
		}
	}
	return c, err
}

// held checks that agent holds c.
func held(c *dialogs.Conversation, agent string) error {
	switch {
	case c.Handoff.Status == dialogs.HandoffNone:
		return ErrNotHandedOff
	case c.Handoff.Status != dialogs.HandoffAssigned:
		return ErrNotHeld
	case c.Handoff.Agent != agent:
		return ErrHeldByOther
	}
	return nil
}

// Reply sends an agent's message through the outbound queue and its
// compliance gate, like any bot message, marked with the agent's e-mail.
func (h *Handoffs) Reply(ctx context.Context, conv, agent string, m dialogs.Message) ([]storage.Outbound, error) {
	var sent []storage.Outbound
	_, err := h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		if err := held(c, agent); err != nil {
			return change{}, err
		}
		outs, err := h.b.OutboundFor(ctx, *c, m, "agent", h.Now())
		if err != nil {
			return change{}, err
		}
		for i := range outs {
			outs[i].Author = agent
		}
		sent = outs
		return change{save: true, outs: outs, touch: true}, nil
	})
	return sent, err
}

// Note adds a private note to the transcript; it is never sent. Anyone who
// may read the conversation may annotate it; the holder's note counts as
// activity.
func (h *Handoffs) Note(ctx context.Context, conv, agent, text string) (storage.Message, error) {
	var note storage.Message
	_, err := h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		note = storage.Message{ID: storage.NewID(), Conversation: conv, Direction: storage.Out, Channel: c.Channel,
			Text: text, Origin: "note", Author: agent, Private: true, At: h.Now()}
		mine := c.Handoff.Status == dialogs.HandoffAssigned && c.Handoff.Agent == agent
		return change{save: true, msgs: []storage.Message{note}, touch: mine}, nil
	})
	return note, err
}

// HandBack returns the conversation to the bot at resume (menu, negotiation
// or closed). The dialog gets EventHandedBack and clears the handoff; if it
// did not, the handoff is cleared here, so a handed-back conversation never
// stays silent. asAdmin lets an admin return someone else's conversation.
func (h *Handoffs) HandBack(ctx context.Context, conv, agent, resume string, asAdmin bool) (dialogs.Conversation, error) {
	switch resume {
	case dialogs.ResumeMenu, dialogs.ResumeNegotiation, dialogs.ResumeClosed:
	default:
		return dialogs.Conversation{}, ErrBadResume
	}
	before, err := h.b.Conversation(ctx, conv)
	if err != nil {
		return before, err
	}
	if err := held(&before, agent); err != nil && !(asAdmin && before.Handoff.Status != dialogs.HandoffNone) {
		return before, err
	}
	holder := before.Handoff.Agent
	// Under the lock, the handoff must still be the one checked above: two
	// hand-backs at once (a console click and a webhook) greet the debtor once.
	same := func(c dialogs.Conversation) bool {
		return c.Handoff.Status == before.Handoff.Status && c.Handoff.Agent == holder
	}
	ran, err := h.b.deliverIf(ctx, conv, dialogs.Event{Kind: dialogs.EventHandedBack, Channel: before.Channel, Resume: resume}, same)
	if err != nil {
		return before, fmt.Errorf("hand back: %w", err)
	}
	if !ran {
		return h.b.Conversation(ctx, conv)
	}
	transition := TransitionHandedBack
	if resume == dialogs.ResumeClosed {
		transition = TransitionClosed
	}
	return h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		ev := &storage.HandoffEvent{Transition: transition, From: before.Handoff.Status, Agent: agent, Resume: resume, Reason: before.Handoff.Reason}
		if c.Handoff.Status == dialogs.HandoffAssigned && c.Handoff.Agent == holder {
			c.Handoff = dialogs.Handoff{} // the dialog did not clear it
			return change{save: true, event: ev}, nil
		}
		// Cleared by the dialog, or queued again by a new request of the
		// debtor meanwhile (which its own ActHandoff announces).
		return change{event: ev}, nil
	})
}

// Close ends the agent's conversation: a hand-back at "closed".
func (h *Handoffs) Close(ctx context.Context, conv, agent string, asAdmin bool) (dialogs.Conversation, error) {
	return h.HandBack(ctx, conv, agent, dialogs.ResumeClosed, asAdmin)
}

// Release returns a held conversation to the queue when its agent has been
// idle since before cutoff, keeping its reason, priority and original
// waiting time (so it goes back near the front). It reports whether it did.
func (h *Handoffs) Release(ctx context.Context, conv string, cutoff time.Time) (bool, error) {
	released := false
	_, err := h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		if c.Handoff.Status != dialogs.HandoffAssigned {
			return change{}, nil // the index is rewritten from the state: repaired
		}
		at, ok, err := h.b.store.HandoffActivity(ctx, conv)
		if err != nil {
			return change{}, err
		}
		if ok && at.After(cutoff) {
			return change{}, nil // the agent acted meanwhile
		}
		agent := c.Handoff.Agent
		c.Handoff.Status, c.Handoff.Agent = dialogs.HandoffQueued, ""
		if c.Handoff.Since.IsZero() {
			c.Handoff.Since = h.Now()
		}
		released = true
		return change{save: true, event: &storage.HandoffEvent{Transition: TransitionReleased, From: dialogs.HandoffAssigned, Agent: agent}}, nil
	})
	return released, err
}

// Sweep releases conversations whose agent went idle and repairs index
// entries that disagree with their conversation's state. It returns how
// many it released.
func (h *Handoffs) Sweep(ctx context.Context) (int, error) {
	now := h.Now()
	shortest := h.opts.Idle
	for _, d := range h.opts.IdleByCreditor {
		if d > 0 {
			shortest = min(shortest, d)
		}
	}
	idle, err := h.b.store.HandoffIdle(ctx, now.Add(-shortest), 500)
	if err != nil {
		return 0, err
	}
	released := 0
	var errs []error
	for _, conv := range idle {
		c, err := h.b.Conversation(ctx, conv)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if h.opts.Exempt != nil && h.opts.Exempt(c.Handoff.Agent) {
			continue
		}
		ok, err := h.Release(ctx, conv, now.Add(-h.IdleFor(c.CreditorID)))
		if err != nil {
			errs = append(errs, err)
		} else if ok {
			released++
		}
	}
	queued, err := h.b.store.HandoffQueued(ctx, 500)
	if err != nil {
		errs = append(errs, err)
	}
	for _, conv := range queued {
		if err := h.repair(ctx, conv, dialogs.HandoffQueued); err != nil {
			errs = append(errs, err)
		}
	}
	return released, errors.Join(errs...)
}

// repair rewrites the index of a conversation found in the set of status
// when its state says otherwise (a crash between commit and index).
func (h *Handoffs) repair(ctx context.Context, conv, status string) error {
	c, err := h.b.Conversation(ctx, conv)
	if err != nil || c.Handoff.Status == status {
		return err
	}
	_, err = h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		if c.Handoff.Status == status {
			return change{}, nil
		}
		return change{event: &storage.HandoffEvent{Transition: TransitionRepaired, From: status}}, nil
	})
	return err
}

// Run sweeps every opts.Every until ctx ends.
func (h *Handoffs) Run(ctx context.Context) {
	t := time.NewTicker(h.opts.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := h.Sweep(ctx); err != nil && ctx.Err() == nil {
				h.b.log.Warn("handoff sweep", "err", err)
			} else if n > 0 {
				h.b.log.Info("handoff: idle conversations back in the queue", "count", n)
			}
		}
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
