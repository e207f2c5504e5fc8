package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	json "github.com/goccy/go-json" // 3x faster than encoding/json on the hot path (BENCHMARKS.md), same output

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/sms"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// handleInbound drains one conversation's inbox under its lock. The stream
// entries are only notifications: they are acknowledged once the inbox they
// point to was empty while this worker held the lock, so no message is
// stranded and two messages of one person never run concurrently, in any
// process. Round trips: one to lock and read (the first message's debtor
// and debts too), one per message (with a lookup for each message after
// the first); the commit that empties the inbox also unlocks and acknowledges.
// A batch of conversations goes through handleInboundBatch instead, which
// costs the same round trips for all of them together.
func (b *Bot) handleInbound(ctx context.Context, e storage.StreamEntry) error {
	return b.handleConversation(ctx, inboundKey(e), []string{e.ID})
}

// handleConversation drains conv for the stream entries ids (which all
// name it), waiting for its lock if another worker holds it.
func (b *Bot) handleConversation(ctx context.Context, conv string, ids []string) error {
	if conv == "" {
		return b.store.Ack(ctx, b.store.Keys().Inbound(), groupWorkers, ids...)
	}
	token, begun, err := b.begin(ctx, conv, false)
	if err != nil {
		return err
	}
	h := hold{token: token, release: &storage.InboundEntry{Group: groupWorkers, IDs: ids}, prefetch: begun.Case}
	return b.drainHeld(ctx, conv, h, begun.Head, begun.State)
}

// begin takes a conversation's lock with a new token, waiting for another
// holder for up to the lease, in the round trip that reads its inbox head
// and state and reads its case ahead (for a waiting message, or always
// when withCase: an event's step).
func (b *Bot) begin(ctx context.Context, conv string, withCase bool) (token string, begun storage.Begun, err error) {
	token = storage.NewID()
	try := b.store.Begin
	if withCase {
		try = b.store.BeginWithCase
	}
	err = b.acquire(ctx, conv, func() (bool, error) {
		var err error
		begun, err = try(ctx, conv, token, b.opts.LockTTL)
		return begun.OK, err
	})
	return token, begun, err
}

// drainHeld drains a conversation this worker has locked and then releases
// it (the last commit usually has); on error it unlocks and the entries
// stay pending for a retry.
func (b *Bot) drainHeld(ctx context.Context, conv string, h hold, head string, state []byte) error {
	released, err := b.drain(ctx, conv, h, head, state)
	if err != nil {
		b.unlock(ctx, conv, h.token)
		return err
	}
	if released { // the last step's commit unlocked and acknowledged
		return nil
	}
	return b.store.Release(ctx, conv, h.token, b.store.Keys().Inbound(), h.release.Group, h.release.IDs...)
}

func (b *Bot) unlock(ctx context.Context, conv, token string) {
	if err := b.store.Unlock(context.WithoutCancel(ctx), conv, token); err != nil {
		b.log.Warn("unlock conversation failed", "conv", channels.MaskPhone(conv), "err", err)
	}
}

// hold is a worker's claim on a conversation: its lock token and, for
// inbound entries, the entries the commit that empties the inbox acknowledges.
type hold struct {
	token   string
	release *storage.InboundEntry
	// prefetch is the case read ahead with the lock for the first inbox
	// message (nil: none); stepNext uses it if it is the one it would load.
	prefetch *storage.CasePrefetch
	waiting  bool // withConversation found a message of the debtor waiting in the inbox
	// fallback is the channel order a reminder's messages take when their
	// channel fails them ("sms,simulator"; Scheduler.fallbackAfter).
	fallback string
	// reminder is the cadence step a reminder's messages go under (their
	// debt, step and variant are recorded on each: the archive's recovery
	// report attributes outcomes and spend by them); nil for replies.
	reminder *dialogs.Event
}

// drain runs every inbox message of a locked conversation, oldest first; it
// reports whether the last commit also released the conversation.
func (b *Bot) drain(ctx context.Context, conv string, h hold, head string, state []byte) (released bool, err error) {
	for head != "" {
		m, err := storage.DecodeInbox(head)
		if err != nil {
			b.log.Error("unreadable inbound moved to the dead-letter list", "conv", channels.MaskPhone(conv), "err", err)
			if err := b.store.DeadLetter(ctx, conv, head); err != nil {
				return false, err
			}
			if _, head, _, err = b.store.InboxHead(ctx, conv); err != nil && !errors.Is(err, storage.ErrUnreadable) {
				return false, err
			}
			continue
		}
		c, err := decodeConversation(conv, state)
		if err != nil {
			return false, err
		}
		done, err := b.processInbound(ctx, c, h, m, head)
		if err != nil {
			return false, err
		}
		h.prefetch = nil // read ahead for the first message only
		head, state, released = done.next, done.state, done.released
	}
	return released, nil
}

// withLock runs f while holding the conversation's lock, waiting for another
// holder for up to the lock's lease.
func (b *Bot) withLock(ctx context.Context, conv string, f func(token string) error) error {
	token := storage.NewID()
	err := b.acquire(ctx, conv, func() (bool, error) { return b.store.TryLock(ctx, conv, token, b.opts.LockTTL) })
	if err != nil {
		return err
	}
	defer b.unlock(ctx, conv, token)
	return f(token)
}

// acquire calls try until it takes the conversation's lock, waiting for
// another holder for up to the lock's lease.
func (b *Bot) acquire(ctx context.Context, conv string, try func() (bool, error)) error {
	wait, deadline := 2*time.Millisecond, time.Now().Add(b.opts.LockTTL)
	for {
		ok, err := try()
		if err != nil {
			return fmt.Errorf("lock conversation: %w", err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("conversation %s stayed locked for %s", channels.MaskPhone(conv), b.opts.LockTTL)
		}
		sleep(ctx, wait)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		wait = min(wait*2, 50*time.Millisecond)
	}
}

// loadConversation returns a conversation's state, fresh when new.
func (b *Bot) loadConversation(ctx context.Context, conv string) (dialogs.Conversation, error) {
	raw, err := b.store.LoadState(ctx, conv)
	if err != nil {
		return dialogs.Conversation{}, err
	}
	return decodeConversation(conv, raw)
}

// decodeConversation reads a stored state; nil is a new conversation.
func decodeConversation(conv string, raw []byte) (dialogs.Conversation, error) {
	if raw == nil {
		return dialogs.Conversation{ID: conv, Phone: conv}, nil
	}
	var c dialogs.Conversation
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("state of %s is not valid JSON: %w", channels.MaskPhone(conv), err)
	}
	return c, nil
}

// Conversation loads a conversation's state (for the console and the API).
func (b *Bot) Conversation(ctx context.Context, conv string) (dialogs.Conversation, error) {
	return b.loadConversation(ctx, conv)
}

// stepped is what a committed step leaves: the state it wrote and the
// conversation's next inbox head.
type stepped struct {
	state    []byte
	next     string
	released bool // the commit also unlocked and acknowledged (hold.release)
}

func (b *Bot) processInbound(ctx context.Context, c dialogs.Conversation, h hold, m storage.Message, raw string) (stepped, error) {
	ev := b.inboundEvent(&c, m)
	if ev == nil {
		return b.commit(ctx, c, h, raw, []storage.Message{m}, nil, b.now(), -1)
	}
	return b.stepNext(ctx, c, *ev, h, raw, []storage.Message{m})
}

// inboundEvent is the dialog event of an inbox message, or nil when the
// message needs no dialog step (the conversation was changed instead).
func (b *Bot) inboundEvent(c *dialogs.Conversation, m storage.Message) *dialogs.Event {
	if m.Channel != "" {
		c.Channel = m.Channel
	}
	if b.hooks.Inbound != nil {
		b.hooks.Inbound(m.Channel)
	}
	if m.Origin == "staff" { // a person answered from our own phone: the bot falls silent
		c.Handoff = dialogs.Handoff{Status: dialogs.HandoffAssigned, Reason: "answered_from_phone", Agent: "phone", Since: m.At}
		return nil
	}
	ev := dialogs.Event{Kind: dialogs.EventInbound, Channel: m.Channel, Text: m.Text, Intent: b.buttonIntent(*c, m)}
	for _, a := range m.Attachments {
		ev.Media = append(ev.Media, dialogs.Media{Kind: a.Kind, ContentType: a.ContentType, URL: a.URL, Filename: a.Filename})
	}
	return &ev
}

func (b *Bot) stepNext(ctx context.Context, c dialogs.Conversation, ev dialogs.Event, h hold, raw string, msgs []storage.Message) (stepped, error) {
	cs, err := b.caseFor(ctx, c, h.prefetch)
	if err != nil {
		return stepped{}, err
	}
	commit, state, err := b.runStep(ctx, c, ev, cs, h, raw, msgs)
	if err != nil {
		return stepped{}, err
	}
	return b.commitOne(ctx, commit, state)
}

// runStep runs the dialog on a conversation with its case and prepares the
// commit of the result.
func (b *Bot) runStep(ctx context.Context, c dialogs.Conversation, ev dialogs.Event, cs dialogs.Case, h hold, raw string, msgs []storage.Message) (storage.Commit, []byte, error) {
	ev.Case = &cs
	now := b.now()
	started := time.Now()
	next, actions, err := b.dialog.Step(c, ev, now)
	if b.hooks.StepLatency != nil {
		b.hooks.StepLatency(time.Since(started))
	}
	if err != nil {
		// Keep the message and hand the conversation to a person rather than lose it.
		b.log.Error("dialog step failed; handing off", "conv", channels.MaskPhone(c.ID), "state", c.State, "err", err)
		next = c
		next.Handoff = dialogs.Handoff{Status: dialogs.HandoffQueued, Reason: "bot_error", Priority: 2, Since: now}
		actions = []dialogs.Action{{Kind: dialogs.ActHandoff, Reason: "bot_error", Priority: 2}}
	}
	if next.DebtorID == "" && cs.Debtor != nil {
		next.DebtorID, next.CreditorID = cs.Debtor.ID, cs.Creditor.ID
	}
	return b.prepareCommit(ctx, next, h, raw, msgs, actions, now, b.nudge(ev, next, actions, now))
}

// proactiveOrigin names what a step the debtor did not start sends: a
// receipt when it thanks for a payment (a transactional notice, not a
// collection attempt), a reminder otherwise.
func proactiveOrigin(actions []dialogs.Action) string {
	for _, a := range actions {
		if a.Kind == dialogs.ActStopReminders && a.Reason == "paid" {
			return OriginReceipt
		}
	}
	return "reminder"
}

// nudge arms the "no answer for a while" timer after the bot answered the
// debtor (the dialog sends at most one gentle nudge), and disarms it when
// the debtor wrote and the bot had nothing to say or a person holds the
// conversation; other events leave it.
func (b *Bot) nudge(ev dialogs.Event, c dialogs.Conversation, actions []dialogs.Action, now time.Time) int64 {
	if b.opts.NudgeAfter <= 0 || ev.Kind != dialogs.EventInbound {
		return 0
	}
	if sends(actions) && !c.Handoff.Active() {
		return now.Add(b.opts.NudgeAfter).UnixMilli()
	}
	return -1
}

func sends(actions []dialogs.Action) bool {
	for _, a := range actions {
		if a.Kind == dialogs.ActSend {
			return true
		}
	}
	return false
}

// commitStep turns actions into outbound messages and action-stream entries
// and commits them with the state and transcript.
func (b *Bot) commitStep(ctx context.Context, c dialogs.Conversation, token, raw string, msgs []storage.Message, actions []dialogs.Action, now time.Time) error {
	_, err := b.commit(ctx, c, hold{token: token}, raw, msgs, actions, now, 0)
	return err
}

func (b *Bot) commit(ctx context.Context, c dialogs.Conversation, h hold, raw string, msgs []storage.Message, actions []dialogs.Action, now time.Time, nudge int64) (stepped, error) {
	commit, state, err := b.prepareCommit(ctx, c, h, raw, msgs, actions, now, nudge)
	if err != nil {
		return stepped{}, err
	}
	return b.commitOne(ctx, commit, state)
}

// commitOne commits one prepared step.
func (b *Bot) commitOne(ctx context.Context, commit storage.Commit, state []byte) (stepped, error) {
	next, released, err := b.store.CommitNext(ctx, commit)
	if err != nil {
		if errors.Is(err, storage.ErrLockLost) {
			b.log.Warn("lock lost before commit; another worker redoes the step", "conv", channels.MaskPhone(commit.Conversation))
		}
		return stepped{}, err
	}
	return stepped{state: state, next: next, released: released}, nil
}

// prepareCommit turns a step's result into a commit: the state, the
// transcript, outbound messages and action-stream entries.
func (b *Bot) prepareCommit(ctx context.Context, c dialogs.Conversation, h hold, raw string, msgs []storage.Message, actions []dialogs.Action, now time.Time, nudge int64) (storage.Commit, []byte, error) {
	state, err := json.Marshal(c)
	if err != nil {
		return storage.Commit{}, nil, fmt.Errorf("encode state: %w", err)
	}
	commit := storage.Commit{Conversation: c.ID, Token: h.token, InboxRaw: raw, State: state, Messages: msgs, At: now, Nudge: nudge, Release: h.release}
	origin := "reply"
	if len(msgs) == 0 || msgs[0].Direction != storage.In {
		origin = proactiveOrigin(actions)
	}
	for _, a := range actions {
		if b.hooks.Action != nil {
			b.hooks.Action(a.Kind, a.Reason)
		}
		if a.Kind == dialogs.ActSend && a.Message != nil {
			outs, err := b.outboundFor(ctx, c, *a.Message, origin, now)
			if err != nil {
				return storage.Commit{}, nil, err
			}
			for _, o := range outs {
				if h.fallback != "" {
					o.Fallback = h.fallback
				}
				if r := h.reminder; r != nil {
					o.DebtID, o.Step, o.Variant = r.DebtID, r.Step, r.Variant
				}
				if !fallsBackBySMS(o) {
					o.SMSText = ""
				}
				commit.Outbound = append(commit.Outbound, o)
				commit.Messages = append(commit.Messages, transcriptOf(o))
			}
			continue
		}
		enc, err := json.Marshal(a)
		if err != nil {
			return storage.Commit{}, nil, fmt.Errorf("encode action: %w", err)
		}
		commit.Actions = append(commit.Actions, enc)
	}
	return commit, state, nil
}

// outboundFor splits a dialog message into outbound messages: the text, then
// each file (stored in the media store) as its own message.
// OutboundFor is exported for agent replies (console).
func (b *Bot) OutboundFor(ctx context.Context, c dialogs.Conversation, m dialogs.Message, origin string, now time.Time) ([]storage.Outbound, error) {
	return b.outboundFor(ctx, c, m, origin, now)
}

func (b *Bot) outboundFor(ctx context.Context, c dialogs.Conversation, m dialogs.Message, origin string, now time.Time) ([]storage.Outbound, error) {
	ch := c.Channel
	if ch == "" {
		ch = channels.Simulator
	}
	base := storage.Outbound{Outbound: channels.Outbound{Channel: ch, To: c.Phone, ConversationID: c.ID, Origin: origin},
		EnqueuedAt: now, Creditor: c.CreditorID, Reply: origin == "reply" || origin == "agent"}
	if b.opts.FallbackSMS && channels.IsWhatsApp(ch) {
		if _, ok := b.Channel(channels.SMS); ok {
			base.Fallback = channels.SMS
		}
	}
	var out []storage.Outbound
	if m.Text != "" {
		o := base
		o.ID, o.Text = storage.NewID(), m.Text
		if ch == channels.SMS {
			o.Text = b.smsText(c.CreditorID, m.Text)
		} else {
			o.SMSText = m.SMS
		}
		o.Template = b.templateFor(c, ch, m)
		out = append(out, o)
	}
	for _, f := range m.Files {
		id, err := b.store.PutMedia(ctx, channels.MediaFile{ContentType: f.ContentType, Filename: f.Filename, Data: f.Data})
		if err != nil {
			return nil, err
		}
		o := base
		o.ID = storage.NewID()
		o.Attachments = []channels.Attachment{{Kind: f.Kind, ContentType: f.ContentType, Filename: f.Filename, MediaID: id}}
		out = append(out, o)
	}
	return out, nil
}

// transcriptOf is the transcript entry of an outbound message.
func transcriptOf(o storage.Outbound) storage.Message {
	m := storage.Message{ID: o.ID, Conversation: o.ConversationID, Direction: storage.Out, Channel: o.Channel,
		Text: o.Text, Attachments: o.Attachments, Origin: o.Origin, Author: o.Author, Status: channels.StatusQueued,
		Fallback: o.Fallback, SMSText: o.SMSText, At: o.EnqueuedAt, DebtID: o.DebtID, Step: o.Step, Variant: o.Variant}
	if isSMS(o) {
		m.SMSEncoding, m.SMSSegments, _ = sms.Count(o.Text)
	}
	return m
}

// lookupCase finds the creditor, debtor and debts behind a conversation.
func (b *Bot) lookupCase(ctx context.Context, c dialogs.Conversation) (dialogs.Case, error) {
	cases, err := b.lookupCases(ctx, []dialogs.Conversation{c})
	if err != nil {
		return dialogs.Case{}, err
	}
	return cases[0], nil
}

// lookupCases finds the cases of several conversations together: one round
// trip finds the debtors of the numbers not yet tied to one, and the
// debtors and their debts load in one more (none when no debtor is known).
// A conversation's first message after its lock needs neither: Begin read
// its case ahead (prefetchedCase).
func (b *Bot) lookupCases(ctx context.Context, convs []dialogs.Conversation) ([]dialogs.Case, error) {
	ids := make([]string, len(convs))
	var phones []string
	var unknown []int
	for i, c := range convs {
		if ids[i] = c.DebtorID; ids[i] == "" {
			phones, unknown = append(phones, c.Phone), append(unknown, i)
		}
	}
	if len(phones) > 0 {
		found, err := b.store.DebtorIDsByPhone(ctx, phones)
		if err != nil {
			return nil, err
		}
		for j, id := range found {
			ids[unknown[j]] = id
		}
	}
	records, err := b.store.DebtorsWithDebts(ctx, ids)
	if err != nil {
		return nil, err
	}
	cases := make([]dialogs.Case, len(convs))
	for i, r := range records {
		cases[i] = b.caseOf(r)
	}
	return cases, nil
}

// caseOf is the case of a loaded debtor record: the creditor of their
// first debt whose creditor is known, else the default one.
func (b *Bot) caseOf(r storage.DebtorRecord) dialogs.Case {
	cs := dialogs.Case{Creditor: b.dir.DefaultCreditor()}
	if !r.Found {
		return cs
	}
	debtor := r.Debtor
	cs.Debtor, cs.Debts = &debtor, r.Debts
	for _, d := range r.Debts {
		if cr, ok := b.dir.Creditor(d.CreditorID); ok {
			cs.Creditor = cr
			break
		}
	}
	return cs
}

// caseFor is the case of c: the one read ahead with its lock when that is
// the one a lookup would find, else looked up.
func (b *Bot) caseFor(ctx context.Context, c dialogs.Conversation, p *storage.CasePrefetch) (dialogs.Case, error) {
	if cs, ok := b.prefetchedCase(c, p); ok {
		return cs, nil
	}
	return b.lookupCase(ctx, c)
}

// prefetchedCase is the case read ahead with a conversation's lock, if it
// is the one lookupCases would load for c: the debtor c names, or when it
// names none, the owner of its number (read ahead by the conversation id).
func (b *Bot) prefetchedCase(c dialogs.Conversation, p *storage.CasePrefetch) (dialogs.Case, bool) {
	if p == nil {
		return dialogs.Case{}, false
	}
	named := c.DebtorID != "" && p.FromState && p.DebtorID == c.DebtorID
	owner := c.DebtorID == "" && !p.FromState && c.Phone == c.ID
	if !named && !owner {
		return dialogs.Case{}, false
	}
	return b.caseOf(p.Record), true
}

// Deliver runs a non-message event (reminder due, payment confirmed, agent
// hand-back…) through a conversation, under its lock.
func (b *Bot) Deliver(ctx context.Context, conv string, ev dialogs.Event) error {
	return b.withConversation(ctx, conv, func(h hold, c dialogs.Conversation) error {
		if c.Channel == "" {
			c.Channel = ev.Channel
		}
		_, err := b.stepNext(ctx, c, ev, h, "", nil)
		return err
	})
}

// deliverIf is Deliver when cond holds for the conversation under its
// lock; it reports whether the event ran.
func (b *Bot) deliverIf(ctx context.Context, conv string, ev dialogs.Event, cond func(dialogs.Conversation) bool) (bool, error) {
	ran := false
	err := b.withConversation(ctx, conv, func(h hold, c dialogs.Conversation) error {
		if !cond(c) {
			return nil
		}
		ran = true
		if c.Channel == "" {
			c.Channel = ev.Channel
		}
		_, err := b.stepNext(ctx, c, ev, h, "", nil)
		return err
	})
	return ran, err
}

// withConversation runs f on a conversation under its lock, waiting for
// another holder for up to the lease. One round trip takes the lock, reads
// the state and reads the case ahead (h.prefetch, for caseFor).
func (b *Bot) withConversation(ctx context.Context, conv string, f func(h hold, c dialogs.Conversation) error) error {
	token, begun, err := b.begin(ctx, conv, true)
	if err != nil {
		return err
	}
	defer b.unlock(ctx, conv, token)
	c, err := decodeConversation(conv, begun.State)
	if err != nil {
		return err
	}
	return f(hold{token: token, prefetch: begun.Case, waiting: begun.Head != ""}, c)
}

// Update changes a conversation's state under its lock (handoff claims,
// hand-backs) and appends transcript entries and outbound messages.
func (b *Bot) Update(ctx context.Context, conv string, f func(c *dialogs.Conversation) ([]storage.Message, []storage.Outbound, error)) error {
	return b.withLock(ctx, conv, func(token string) error {
		c, err := b.loadConversation(ctx, conv)
		if err != nil {
			return err
		}
		msgs, outs, err := f(&c)
		if err != nil {
			return err
		}
		state, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode state: %w", err)
		}
		for _, o := range outs {
			msgs = append(msgs, transcriptOf(o))
		}
		return b.store.Commit(ctx, storage.Commit{Conversation: conv, Token: token, State: state, Messages: msgs, Outbound: outs, At: b.now()})
	})
}
