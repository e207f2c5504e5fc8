package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/sms"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// handleOutbound sends one message: compliance gate, rate limit, provider,
// then the status on the transcript. Failures are retried with exponential
// backoff through the retry set; after MaxAttempts the message fails visibly.
func (b *Bot) handleOutbound(ctx context.Context, e storage.StreamEntry) error {
	return b.sendEntries(ctx, [][]storage.StreamEntry{{e}})
}

// outboundBatch sends a sender's share of one stream read (see loop).
func (b *Bot) outboundBatch(ctx context.Context, groups [][]storage.StreamEntry) {
	if b.hooks.Batch != nil {
		n := 0
		for _, g := range groups {
			n += len(g)
		}
		b.hooks.Batch("sender", n)
	}
	// In-flight work finishes even during shutdown: a fresh context.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.LockTTL)
	defer cancel()
	if err := b.sendEntries(bctx, groups); err != nil {
		b.log.Warn("entries left pending for retry", "role", "sender", "err", err)
	}
}

// sendEntries sends outbound entries grouped by conversation (loop's
// groups): one round trip reads all their sent marks and opt-outs, each
// conversation's messages go out in stream order while conversations go
// side by side (so a hanging provider holds only its own sends, within its
// channel's slots), and the sends are recorded together (sentLog). An entry
// that fails stays pending and is retried.
func (b *Bot) sendEntries(ctx context.Context, groups [][]storage.StreamEntry) error {
	var msgs []storage.Outbound
	var ids []string
	var convs [][]int // indexes into msgs, one slice per conversation
	for _, g := range groups {
		var conv []int
		for _, e := range g {
			o, err := storage.DecodeOutbound(e)
			if err != nil {
				b.log.Error("dropping undecodable outbound entry", "entry", e.ID, "err", err)
				if err := b.store.Ack(ctx, b.store.Keys().Outbound(), groupSenders, e.ID); err != nil {
					return err
				}
				continue
			}
			conv = append(conv, len(msgs))
			msgs, ids = append(msgs, o), append(ids, e.ID)
		}
		if len(conv) > 0 {
			convs = append(convs, conv)
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	states, err := b.store.SendStates(ctx, msgs)
	if err != nil {
		return err
	}
	var log sentLog
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, conv := range convs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range conv {
				if err := b.sendOne(ctx, msgs[i], ids[i], states[i], &log); err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("entry %s: %w", ids[i], err))
					mu.Unlock()
				}
			}
		}()
	}
	// While some sends are still out (a slow provider), the finished ones
	// are recorded within maxUnrecorded.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(maxUnrecorded)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tick.C:
			if err := log.flushIfOld(ctx, b); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}
	}
	return errors.Join(append(errs, b.flushSent(ctx, &log))...)
}

func (b *Bot) sendOne(ctx context.Context, o storage.Outbound, entryID string, st storage.SendState, log *sentLog) error {
	ack := func() error { return b.store.Ack(ctx, b.store.Keys().Outbound(), groupSenders, entryID) }
	if st.Sent { // a redelivered entry: the provider already has it
		return ack()
	}
	now := b.now()
	d, err := b.gate.checkKnown(ctx, o, now, st.OptedOutAt, st.OptedOut)
	if err != nil {
		return fmt.Errorf("compliance gate: %w", err)
	}
	if !d.Allow {
		if err := b.blocked(ctx, o, d); err != nil {
			return err
		}
		return ack()
	}
	ch, ok := b.Channel(o.Channel)
	if !ok {
		b.log.Error("no provider for channel; message failed", "channel", o.Channel, "msg", o.ID)
		if err := b.finalStatus(ctx, o, channels.StatusFailed, "no_channel"); err != nil {
			return err
		}
		return ack()
	}
	release, ok := b.limits.enter(ctx, o.Channel, b.opts.Senders)
	if !ok { // this channel's senders are all stuck (a slow or hanging provider): let other channels through
		if err := b.store.ScheduleRetry(ctx, o, now.Add(busyRetry)); err != nil {
			return err
		}
		return ack()
	}
	defer release()
	if err := b.limits.wait(ctx, o.Channel); err != nil {
		return err
	}
	if err := log.flushIfOld(ctx, b); err != nil { // before a send that may be slow
		return err
	}
	res, err := ch.Send(ctx, o.Outbound)
	if err == nil {
		rec := storage.SentRecord{Message: o, ProviderID: res.ProviderID, Status: res.Status, EntryID: entryID}
		if t := res.Template; t != nil {
			rec.Template, rec.Category = t.Name, t.Category
			if rec.Template == "" {
				rec.Template = t.ContentSID
			}
		}
		rec.CostMicros, rec.Currency = b.cost(o, rec.Category)
		return log.add(ctx, b, rec)
	}
	var perm *channels.PermanentError
	if errors.As(err, &perm) && channels.TemplateNeeded(perm.Code) {
		return errors.Join(b.templateNeeded(ctx, o, perm.Code, now), ack())
	}
	if errors.As(err, &perm) {
		b.log.Warn("provider refused message", "channel", o.Channel, "msg", o.ID, "code", perm.Code, "err", err)
		if err := b.finalStatus(ctx, o, channels.StatusFailed, perm.Code); err != nil {
			return err
		}
		return errors.Join(b.fallback(ctx, o.ConversationID, o.ID), ack())
	}
	o.Attempt++
	if o.Attempt >= b.opts.MaxAttempts {
		b.log.Error("message failed after retries", "channel", o.Channel, "msg", o.ID, "attempts", o.Attempt, "err", err)
		if err := b.finalStatus(ctx, o, channels.StatusFailed, "retries_exhausted"); err != nil {
			return err
		}
		return errors.Join(b.fallback(ctx, o.ConversationID, o.ID), ack())
	}
	delay := backoff(b.opts.RetryBase, o.Attempt)
	b.log.Warn("send failed; will retry", "channel", o.Channel, "msg", o.ID, "attempt", o.Attempt, "retry_in", delay, "err", err)
	if b.hooks.Outbound != nil {
		b.hooks.Outbound(o.Channel, "retry")
	}
	if err := b.store.ScheduleRetry(ctx, o, now.Add(delay)); err != nil {
		return err
	}
	return ack()
}

// sentLog holds sends the provider accepted that are not recorded yet, so
// that a burst of fast sends is recorded in one round trip. A crash before
// the record sends them again (their entries are redelivered), so none is
// held longer than maxUnrecorded before the next send starts: the window
// for a duplicate is bounded in time (about one send), not by batch size.
type sentLog struct {
	mu    sync.Mutex
	recs  []storage.SentRecord
	since time.Time
}

const maxUnrecorded = 5 * time.Millisecond

func (l *sentLog) add(ctx context.Context, b *Bot, r storage.SentRecord) error {
	if r.Status == "" {
		r.Status = channels.StatusSent
	}
	l.mu.Lock()
	if len(l.recs) == 0 {
		l.since = time.Now()
	}
	l.recs = append(l.recs, r)
	l.mu.Unlock()
	return l.flushIfOld(ctx, b)
}

func (l *sentLog) flushIfOld(ctx context.Context, b *Bot) error {
	l.mu.Lock()
	old := len(l.recs) > 0 && time.Since(l.since) >= maxUnrecorded
	l.mu.Unlock()
	if !old {
		return nil
	}
	return b.flushSent(ctx, l)
}

// take empties the log.
func (l *sentLog) take() []storage.SentRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := l.recs
	l.recs = nil
	return recs
}

// flushSent records the log's sends and acknowledges their entries, then
// applies any status callback that beat a record here.
func (b *Bot) flushSent(ctx context.Context, l *sentLog) error {
	recs := l.take()
	if len(recs) == 0 {
		return nil
	}
	parked, err := b.store.SentMany(ctx, groupSenders, recs)
	if err != nil {
		return err
	}
	for i, r := range recs {
		if b.hooks.Outbound != nil {
			b.hooks.Outbound(r.Message.Channel, r.Status)
		}
		if b.hooks.SMSSegments != nil && isSMS(r.Message) {
			enc, segs, _ := sms.Count(r.Message.Text)
			b.hooks.SMSSegments(r.Message.Creditor, enc, segs)
		}
		for _, p := range parked[i] {
			st, code, _ := strings.Cut(p, "|")
			update := channels.StatusUpdate{Channel: r.Message.Channel, ProviderID: r.ProviderID, Status: st, ErrorCode: code}
			if err := b.applyStatus(ctx, r.Message.ConversationID, r.Message.ID, update); err != nil {
				return err
			}
		}
	}
	return nil
}

// busyRetry is how soon a message waits again when its channel's senders
// are all busy (a slow or hanging provider); it is not an attempt.
const busyRetry = 250 * time.Millisecond

// backoff is base·2^(attempt−1) with ±20% jitter, capped at 10 minutes.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 20)
	d = min(d, 10*time.Minute)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (b *Bot) finalStatus(ctx context.Context, o storage.Outbound, status, code string) error {
	if b.hooks.Outbound != nil {
		b.hooks.Outbound(o.Channel, status)
	}
	_, err := b.store.SetStatus(ctx, o.ConversationID, o.ID, status, code)
	return err
}

// blocked handles a gate decision: deferred messages wait for the next
// allowed moment (never dropped); refused ones are marked blocked.
func (b *Bot) blocked(ctx context.Context, o storage.Outbound, d Decision) error {
	if b.hooks.Blocked != nil {
		b.hooks.Blocked(d.Reason)
	}
	if err := b.store.ArchiveGate(ctx, storage.GateDecision{MessageID: o.ID, Conversation: o.ConversationID, Reason: d.Reason, RetryAt: d.RetryAt, At: b.now()}); err != nil {
		return fmt.Errorf("archive the gate's decision: %w", err)
	}
	if !d.RetryAt.IsZero() {
		b.log.Info("compliance gate deferred message", "msg", o.ID, "to", channels.MaskPhone(o.To), "reason", d.Reason, "until", d.RetryAt)
		return b.store.ScheduleRetry(ctx, o, d.RetryAt)
	}
	b.log.Info("compliance gate blocked message", "msg", o.ID, "to", channels.MaskPhone(o.To), "reason", d.Reason)
	_, err := b.store.SetStatus(ctx, o.ConversationID, o.ID, channels.StatusBlocked, d.Reason)
	return err
}

// fallback re-sends a failed message by its fallback channel (SMS), when
// the message was enqueued with one; a list "sms,simulator" goes by the
// first and keeps the rest as the new message's fallback.
func (b *Bot) fallback(ctx context.Context, conv, msgID string) error {
	return b.fallbackAs(ctx, conv, msgID, "")
}

// fallbackAs is fallback with the copy continuing contact attempt
// contactOf (storage.Outbound.ContactOf), "" for a new one.
func (b *Bot) fallbackAs(ctx context.Context, conv, msgID, contactOf string) error {
	m, err := b.store.TranscriptMessage(ctx, conv, msgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && m.Fallback == "") {
		return nil
	}
	if err != nil {
		return err
	}
	next, rest, _ := strings.Cut(m.Fallback, ",")
	text := m.Text
	if next == channels.SMS && m.SMSText != "" {
		text = m.SMSText // written to fit an SMS's segments
	}
	o := storage.Outbound{Outbound: channels.Outbound{ID: storage.NewID(), Channel: next, To: conv, Text: text,
		Attachments: m.Attachments, ConversationID: conv, Origin: m.Origin}, EnqueuedAt: b.now(), Reply: true, Fallback: rest, ContactOf: contactOf,
		DebtID: m.DebtID, Step: m.Step, Variant: m.Variant}
	if fallsBackBySMS(o) {
		o.SMSText = m.SMSText
	}
	b.log.Info("falling back to another channel", "from", m.Channel, "to_channel", next, "msg", msgID, "reason", m.ErrorCode)
	return b.Update(ctx, conv, func(c *dialogs.Conversation) ([]storage.Message, []storage.Outbound, error) {
		o.Creditor = c.CreditorID
		if o.Channel == channels.SMS {
			o.Text = b.smsText(c.CreditorID, o.Text)
		}
		return nil, []storage.Outbound{o}, nil
	})
}
