package bot

import (
	"context"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
)

// scheduleNudge arms a "no answer for a while" event after the bot answered
// the debtor; a new message from the debtor moves it again. The dialog sends
// at most one gentle nudge.
func (b *Bot) scheduleNudge(ctx context.Context, c dialogs.Conversation, replied bool) {
	if b.opts.NudgeAfter <= 0 {
		return
	}
	var err error
	if replied && !c.Handoff.Active() {
		err = b.store.ScheduleNudge(ctx, c.ID, b.now().Add(b.opts.NudgeAfter))
	} else {
		err = b.store.CancelNudge(ctx, c.ID)
	}
	if err != nil {
		b.log.Warn("nudge schedule failed", "conv", channels.MaskPhone(c.ID), "err", err)
	}
}

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
