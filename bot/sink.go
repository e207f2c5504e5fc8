package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
)

// Accept makes an inbound message durable (channels.Sink). A duplicate
// provider id is accepted silently: the provider retried, we already have it.
func (b *Bot) Accept(ctx context.Context, in channels.Inbound) error {
	from, err := channels.NormalizePhone(in.From)
	if err != nil {
		return fmt.Errorf("inbound sender: %w", err)
	}
	at := in.At
	if at.IsZero() {
		at = b.now()
	}
	m := storage.Message{ID: storage.NewID(), Conversation: from, Direction: storage.In, Channel: in.Channel,
		Text: in.Text, Attachments: in.Attachments, ProviderID: in.ProviderID, ReplyTo: in.ReplyTo,
		Origin: "debtor", Status: channels.StatusReceived, At: at.UTC(), Payload: in.Payload}
	if in.FromMe {
		m.Direction, m.Origin = storage.Out, "staff"
	}
	err = b.store.Accept(ctx, m)
	if errors.Is(err, storage.ErrDuplicate) {
		b.log.Info("duplicate inbound ignored", "channel", in.Channel, "provider_id", in.ProviderID)
		return nil
	}
	return err
}

// UpdateStatus records a provider's delivery status on the transcript
// (channels.Sink) and, for a WhatsApp message that failed for good, triggers
// the SMS fallback when the message carries one.
func (b *Bot) UpdateStatus(ctx context.Context, st channels.StatusUpdate) error {
	// parked when the callback beat our own record of the send, which hands it back
	conv, msgID, ok, err := b.store.StatusTarget(ctx, st.Channel, st.ProviderID, strings.ToLower(st.Status), st.ErrorCode)
	if err != nil || !ok {
		return err
	}
	return b.applyStatus(ctx, conv, msgID, st)
}

func (b *Bot) applyStatus(ctx context.Context, conv, msgID string, st channels.StatusUpdate) error {
	changed, err := b.store.SetStatus(ctx, conv, msgID, strings.ToLower(st.Status), st.ErrorCode)
	if err != nil {
		return err
	}
	if changed && b.hooks.Outbound != nil {
		b.hooks.Outbound(st.Channel, st.Status)
	}
	if changed && (st.Status == channels.StatusFailed || st.Status == channels.StatusUndelivered) {
		return b.fallback(ctx, conv, msgID)
	}
	return nil
}
