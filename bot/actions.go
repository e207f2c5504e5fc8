package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// handleAction runs the handlers registered for one dialog action. Actions
// are written in the same commit as the step, so none is lost; handlers must
// be idempotent because a crash may deliver one twice.
func (b *Bot) handleAction(ctx context.Context, e storage.StreamEntry) error {
	conv, _ := e.Values["c"].(string)
	raw, _ := e.Values["a"].(string)
	var a dialogs.Action
	if err := json.Unmarshal([]byte(raw), &a); err != nil {
		b.log.Error("dropping undecodable action", "entry", e.ID, "err", err)
		return b.store.Ack(ctx, b.store.Keys().Actions(), groupActions, e.ID)
	}
	var errs []error
	for _, h := range b.handlers[a.Kind] {
		if err := h(ctx, conv, a); err != nil {
			errs = append(errs, fmt.Errorf("action %s: %w", a.Kind, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return b.store.Ack(ctx, b.store.Keys().Actions(), groupActions, e.ID)
}

// registerCoreActions installs the handlers the pipeline itself owns.
func (b *Bot) registerCoreActions() {
	b.OnAction(dialogs.ActOptOut, func(ctx context.Context, conv string, a dialogs.Action) error {
		ch := a.Channel
		if ch == "" {
			c, err := b.loadConversation(ctx, conv)
			if err != nil {
				return err
			}
			ch = c.Channel
		}
		return b.store.RecordOptOut(ctx, storage.OptOutRecord{Channel: ch, Phone: conv, At: b.now(), Message: a.Reason})
	})
}
