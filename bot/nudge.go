package bot

import (
	"context"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
)

// deliverNudges runs the timeout event of every conversation whose nudge is due.
func (b *Bot) deliverNudges(ctx context.Context) {
	convs, err := b.store.ClaimNudges(ctx, b.now(), 100)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Warn("claim nudges failed", "err", err)
		}
		return
	}
	for _, conv := range convs {
		if err := b.Deliver(ctx, conv, dialogs.Event{Kind: dialogs.EventTimeout}); err != nil {
			b.log.Warn("timeout event failed; retrying later", "conv", channels.MaskPhone(conv), "err", err)
			_ = b.store.ScheduleNudge(context.WithoutCancel(ctx), conv, b.now().Add(b.opts.ClaimEvery))
		}
	}
}

// DeliverNudgesNow runs one pass of due nudges (tests and operators).
func (b *Bot) DeliverNudgesNow(ctx context.Context) { b.deliverNudges(ctx) }
