package bot

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// handleOutbound sends one message: compliance gate, rate limit, provider,
// then the status on the transcript. Failures are retried with exponential
// backoff through the retry set; after MaxAttempts the message fails visibly.
func (b *Bot) handleOutbound(ctx context.Context, e storage.StreamEntry) error {
	ack := func() error { return b.store.Ack(ctx, b.store.Keys().Outbound(), groupSenders, e.ID) }
	o, err := storage.DecodeOutbound(e)
	if err != nil {
		b.log.Error("dropping undecodable outbound entry", "entry", e.ID, "err", err)
		return ack()
	}
	st, err := b.store.SendState(ctx, o.ID, o.Channel, o.To)
	if err != nil {
		return err
	}
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
	release, ok := b.limits.enter(o.Channel, b.opts.Senders)
	if !ok { // this channel already holds its share of the senders: let other channels through
		if err := b.store.ScheduleRetry(ctx, o, now.Add(busyRetry)); err != nil {
			return err
		}
		return ack()
	}
	defer release()
	if err := b.limits.wait(ctx, o.Channel); err != nil {
		return err
	}
	res, err := ch.Send(ctx, o.Outbound)
	if err == nil {
		return b.sent(ctx, o, res, e.ID)
	}
	var perm *channels.PermanentError
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

// busyRetry is how soon a message waits again when its channel's senders
// are all busy (a slow or hanging provider); it is not an attempt.
const busyRetry = 250 * time.Millisecond

// backoff is base·2^(attempt−1) with ±20% jitter, capped at 10 minutes.
func backoff(base time.Duration, attempt int) time.Duration {
	d := base << min(attempt-1, 20)
	d = min(d, 10*time.Minute)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// sent records a provider's acceptance and acknowledges the entry, then
// applies any status callback that beat it here.
func (b *Bot) sent(ctx context.Context, o storage.Outbound, res channels.SendResult, entryID string) error {
	status := res.Status
	if status == "" {
		status = channels.StatusSent
	}
	parked, err := b.store.Sent(ctx, o, res.ProviderID, status, groupSenders, entryID)
	if err != nil {
		return err
	}
	if b.hooks.Outbound != nil {
		b.hooks.Outbound(o.Channel, status)
	}
	for _, p := range parked {
		st, code, _ := strings.Cut(p, "|")
		update := channels.StatusUpdate{Channel: o.Channel, ProviderID: res.ProviderID, Status: st, ErrorCode: code}
		if err := b.applyStatus(ctx, o.ConversationID, o.ID, update); err != nil {
			return err
		}
	}
	return nil
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
	if !d.RetryAt.IsZero() {
		b.log.Info("compliance gate deferred message", "msg", o.ID, "to", channels.MaskPhone(o.To), "reason", d.Reason, "until", d.RetryAt)
		return b.store.ScheduleRetry(ctx, o, d.RetryAt)
	}
	b.log.Info("compliance gate blocked message", "msg", o.ID, "to", channels.MaskPhone(o.To), "reason", d.Reason)
	_, err := b.store.SetStatus(ctx, o.ConversationID, o.ID, channels.StatusBlocked, d.Reason)
	return err
}

// fallback re-sends a failed WhatsApp message by its fallback channel (SMS),
// when the message was enqueued with one.
func (b *Bot) fallback(ctx context.Context, conv, msgID string) error {
	m, err := b.store.TranscriptMessage(ctx, conv, msgID)
	if errors.Is(err, storage.ErrNotFound) || (err == nil && m.Fallback == "") {
		return nil
	}
	if err != nil {
		return err
	}
	o := storage.Outbound{Outbound: channels.Outbound{ID: storage.NewID(), Channel: m.Fallback, To: conv, Text: m.Text,
		Attachments: m.Attachments, ConversationID: conv, Origin: m.Origin}, EnqueuedAt: b.now(), Reply: true}
	b.log.Info("falling back to another channel", "from", m.Channel, "to_channel", m.Fallback, "msg", msgID)
	return b.Update(ctx, conv, func(*dialogs.Conversation) ([]storage.Message, []storage.Outbound, error) {
		return nil, []storage.Outbound{o}, nil
	})
}
