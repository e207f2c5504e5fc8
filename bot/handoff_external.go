package bot

import (
	"context"
	"errors"
	"strconv"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// What another inbox (Chatwoot) does with quita's conversations: its agents
// are named by an id of their own (chatwoot.AgentID) and write under their
// own message ids.

// Hold gives conv to agent: a queued conversation is claimed; one the bot
// is handling is taken from it (a person started answering in another
// inbox), with reason as the handoff's reason; one another agent holds is
// taken only with takeOver (ErrHeldByOther otherwise). Holding one's own
// conversation again only counts as activity.
func (h *Handoffs) Hold(ctx context.Context, conv, agent, reason string, takeOver bool) (dialogs.Conversation, error) {
	return h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		from := c.Handoff.Status
		switch {
		case from == dialogs.HandoffAssigned && c.Handoff.Agent == agent:
			return change{touch: true}, nil
		case from == dialogs.HandoffAssigned && !takeOver:
			return change{}, ErrHeldByOther
		case from == dialogs.HandoffNone:
			c.Handoff = dialogs.Handoff{Reason: reason, Priority: dialogs.PriorityNormal, Since: h.Now()}
		}
		c.Handoff.Status, c.Handoff.Agent = dialogs.HandoffAssigned, agent
		return change{save: true, touch: true, event: &storage.HandoffEvent{Transition: TransitionClaimed, From: from}}, nil
	})
}

// ReplyAs is Reply for a message written in another inbox under its own
// stable id: the text goes out as message id (each file as id-1, id-2…),
// and a redelivery that finds id in the transcript sends nothing again
// (dup true).
func (h *Handoffs) ReplyAs(ctx context.Context, conv, agent, id string, m dialogs.Message) (sent []storage.Outbound, dup bool, err error) {
	_, err = h.apply(ctx, conv, func(c *dialogs.Conversation) (change, error) {
		if _, err := h.b.store.TranscriptMessage(ctx, conv, id); err == nil {
			dup = true
			return change{}, nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return change{}, err
		}
		if err := held(c, agent); err != nil {
			return change{}, err
		}
		outs, err := h.b.OutboundFor(ctx, *c, m, "agent", h.Now())
		if err != nil {
			return change{}, err
		}
		for i := range outs {
			outs[i].Author, outs[i].ID = agent, id
			if i > 0 {
				outs[i].ID = id + "-" + strconv.Itoa(i)
			}
		}
		sent = outs
		return change{save: true, outs: outs, touch: true}, nil
	})
	return sent, dup, err
}
