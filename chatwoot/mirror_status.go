package chatwoot

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
)

// trackPrefix marks, in a conversation's mirror state, an agent's reply
// written in Chatwoot whose delivery quita still reports back
// ("t:<transcript id>" → the status last reported).
const trackPrefix = "t:"

// chatwootStatus is the Chatwoot message status of a quita delivery
// status, and whether it is final.
func chatwootStatus(s string) (string, bool) {
	switch s {
	case channels.StatusSent:
		return "sent", false
	case channels.StatusDelivered:
		return "delivered", false
	case channels.StatusRead:
		return "read", true
	case channels.StatusFailed, channels.StatusUndelivered:
		return "failed", true
	}
	return "", false
}

// reportDeliveries tells Chatwoot how the agents' replies went: sent,
// delivered, read, or failed with the provider's code (API inboxes take
// these updates: messages_controller#update).
func (b *Bridge) reportDeliveries(ctx context.Context, conv string, st *mirrorState) error {
	if st.Conv == 0 {
		return nil
	}
	fields, err := b.rdb.HGetAll(ctx, b.keys.state(conv)).Result()
	if err != nil {
		return err
	}
	for f, last := range fields {
		id, ok := strings.CutPrefix(f, trackPrefix)
		if !ok {
			continue
		}
		m, err := b.store.TranscriptMessage(ctx, conv, id)
		if errors.Is(err, storage.ErrNotFound) {
			b.rdb.HDel(ctx, b.keys.state(conv), f)
			continue
		}
		if err != nil {
			return err
		}
		status, final := chatwootStatus(m.Status)
		if status == "" || status == last {
			continue
		}
		// "cw-<Chatwoot message id>" (files of the same message: "-1", "-2"…)
		msgID, err := strconv.ParseInt(strings.SplitN(strings.TrimPrefix(id, replyIDPrefix), "-", 2)[0], 10, 64)
		if err != nil {
			b.rdb.HDel(ctx, b.keys.state(conv), f)
			continue
		}
		why := ""
		if status == "failed" {
			why = "não entregue ao devedor pelo " + m.Channel
			if m.ErrorCode != "" {
				why += " (código " + m.ErrorCode + ")"
			}
		}
		if err := b.api.UpdateMessageStatus(ctx, st.Conv, msgID, status, why); err != nil {
			return b.convGone(ctx, conv, st, err)
		}
		if final {
			err = b.rdb.HDel(ctx, b.keys.state(conv), f).Err()
		} else {
			err = b.save(ctx, conv, f, status)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
