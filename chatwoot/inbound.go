package chatwoot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/dialogs"
)

// replyIDPrefix starts the transcript id of a message an agent wrote in
// Chatwoot ("cw-<Chatwoot message id>"): a redelivered webhook finds it
// and sends nothing twice, and the mirror never posts it back.
const replyIDPrefix = "cw-"

// deliveryTTL is how long a delivery id is remembered: longer than a
// signed timestamp stays acceptable (±MaxWebhookAge), so a replay inside
// the window is caught and one after it is stale.
const deliveryTTL = 3 * MaxWebhookAge

// Webhook checks one delivery and, when it is genuine and new, queues it
// durably to be applied in order; it returns the HTTP status to answer and
// why. It never calls Chatwoot, so a slow Chatwoot cannot slow it.
func (b *Bridge) Webhook(ctx context.Context, header func(string) string, body []byte) (int, string) {
	if err := Verify(b.cfg.WebhookSecret, header(SignatureHeader), header(TimestampHeader), body, b.now()); err != nil {
		return http.StatusUnauthorized, err.Error()
	}
	e, err := ParseEvent(body)
	if err != nil {
		return http.StatusBadRequest, err.Error()
	}
	if id := strings.TrimSpace(header(DeliveryHeader)); id != "" {
		fresh, err := b.rdb.SetNX(ctx, b.keys.delivery(id), "1", deliveryTTL).Result()
		if err != nil {
			return http.StatusServiceUnavailable, "could not record the delivery: " + err.Error()
		}
		if !fresh {
			return http.StatusUnauthorized, "X-Chatwoot-Delivery " + id + " was already received: a replay"
		}
	}
	if in := e.InboxOf(); in != 0 && in != b.cfg.InboxID {
		return http.StatusOK, "ignored: another inbox"
	}
	if err := b.rdb.XAdd(ctx, &redisXAdd{Stream: b.keys.inbound(), Values: map[string]any{"b": string(body)}}).Err(); err != nil {
		if id := header(DeliveryHeader); id != "" {
			b.rdb.Del(context.WithoutCancel(ctx), b.keys.delivery(id)) // let Chatwoot's retry in
		}
		return http.StatusServiceUnavailable, "could not queue the event: " + err.Error()
	}
	return http.StatusOK, "accepted"
}

// consumeInbound applies the queued deliveries in order; one that fails is
// retried (with backoff) before the next, so an agent's messages keep
// their order.
func (b *Bridge) consumeInbound(ctx context.Context) {
	stream := b.keys.inbound()
	// What a process that lost the lease left pending is this one's now.
	for {
		got, err := b.store.Reclaim(ctx, stream, inboundGroup, b.opts.Consumer, 0, 100)
		if err != nil || len(got) < 100 {
			break
		}
	}
	attempts := map[string]int{}
	for ctx.Err() == nil {
		entries, err := b.store.ReadOwnPending(ctx, stream, inboundGroup, b.opts.Consumer, 16)
		if err == nil && len(entries) == 0 {
			entries, err = b.store.ReadGroup(ctx, stream, inboundGroup, b.opts.Consumer, 16, time.Second)
		}
		if err != nil {
			if ctx.Err() == nil {
				b.fail(ctx, "read webhooks", err)
				b.pause(ctx, time.Second)
			}
			continue
		}
		for _, e := range entries {
			raw, _ := e.Values["b"].(string)
			err := b.applyWebhook(ctx, []byte(raw))
			if err != nil && ctx.Err() != nil {
				return
			}
			if err != nil {
				attempts[e.ID]++
				b.fail(ctx, "apply a webhook", err)
				if attempts[e.ID] < dropAfter {
					b.pause(ctx, b.opts.RetryBase<<min(attempts[e.ID]-1, 6))
					break // retried first on the next round: order holds
				}
			}
			delete(attempts, e.ID)
			if err := b.store.Ack(ctx, stream, inboundGroup, e.ID); err != nil {
				b.fail(ctx, "ack a webhook", err)
				break
			}
		}
	}
}

func (b *Bridge) pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// applyWebhook applies one verified delivery to quita.
func (b *Bridge) applyWebhook(ctx context.Context, raw []byte) error {
	e, err := ParseEvent(raw)
	if err != nil {
		b.log.Warn("chatwoot: dropping an undecodable webhook", "err", err)
		return nil
	}
	conv, err := b.conversationOf(ctx, e)
	if err != nil || conv == "" {
		return err
	}
	if e.IsConversation() || (e.Conversation != nil && e.Conversation.Status != "") {
		if st := e.ConversationStatus(); st != "" {
			if err := b.save(ctx, conv, "status", st); err != nil {
				return err
			}
		}
	}
	switch {
	case e.Event == EventMessageCreated:
		return b.onMessage(ctx, conv, e)
	case e.Event == EventConversationStatusChanged:
		if err := b.onStatus(ctx, conv, e); err != nil {
			return err
		}
		return b.onAssignee(ctx, conv, e)
	case e.IsConversation():
		return b.onAssignee(ctx, conv, e)
	}
	return nil
}

// conversationOf is the quita conversation of an event ("" when it is not
// one of quita's).
func (b *Bridge) conversationOf(ctx context.Context, e Event) (string, error) {
	id := e.ConversationID()
	if id != 0 {
		conv, err := b.rdb.Get(ctx, b.keys.byConv(id)).Result()
		if err == nil {
			return conv, nil
		}
		if !isRedisNil(err) {
			return "", err
		}
	}
	if src := e.ConversationSourceID(); strings.HasPrefix(src, "quita:") && !strings.HasPrefix(src, "quita:m:") {
		return strings.TrimPrefix(src, "quita:"), nil
	}
	return "", nil
}

// onMessage sends an agent's reply to the debtor. Everything else that
// Chatwoot reports is not for the debtor: incoming messages (quita posted
// them), private notes (they never leave Chatwoot), messages quita posted
// (its source_id, its content_attributes, its own user), and those of agent
// bots and automations.
func (b *Bridge) onMessage(ctx context.Context, conv string, e Event) error {
	if e.MessageType != Outgoing || e.Private {
		return nil
	}
	if IsQuitaSourceID(e.SourceID) || e.ContentAttributes["quita_message_id"] != nil {
		return nil
	}
	if e.Sender == nil || e.Sender.Type != SenderUser {
		return nil
	}
	if pid := b.profileID.Load(); pid != 0 && e.Sender.ID == pid {
		return nil
	}
	agent := AgentID(e.Sender.ID, e.Sender.DisplayName())
	c, err := b.pipe.Conversation(ctx, conv)
	if err != nil {
		return err
	}
	if c.Handoff.Status == dialogs.HandoffAssigned && c.Handoff.Agent != agent {
		if _, _, inChatwoot := ParseAgentID(c.Handoff.Agent); !inChatwoot {
			return b.refuse(ctx, conv, e, c.Handoff.Agent)
		}
	}
	if c.Handoff.Status != dialogs.HandoffAssigned || c.Handoff.Agent != agent {
		if _, err := b.handoffs.Hold(ctx, conv, agent, reasonChatwootAgent, true); err != nil {
			return err
		}
	}
	if len(e.Attachments) > 0 {
		if err := b.addJob(ctx, conv, job{Kind: "note", Text: "Anexos enviados pelo Chatwoot não chegam ao devedor: só o texto foi. Boleto e PIX: peça ao devedor \"segunda via\" ou \"pix\", ou use o console do quita."}); err != nil {
			return err
		}
	}
	text := strings.TrimSpace(e.Content)
	if text == "" {
		return nil
	}
	_, _, err = b.handoffs.ReplyAs(ctx, conv, agent, replyIDPrefix+strconv.FormatInt(e.ID, 10), dialogs.Message{Text: text})
	if errors.Is(err, bot.ErrHeldByOther) || errors.Is(err, bot.ErrNotHeld) {
		c, _ := b.pipe.Conversation(ctx, conv)
		return b.refuse(ctx, conv, e, c.Handoff.Agent)
	}
	return err
}

// refuse tells the Chatwoot agent their message did not go: someone holds
// the conversation in quita's console.
func (b *Bridge) refuse(ctx context.Context, conv string, e Event, holder string) error {
	why := "Não enviada ao devedor: " + who(holder) + " atende esta conversa no console do quita. Peça que a devolva, ou responda por lá."
	if err := b.addJob(ctx, conv, job{Kind: "fail", Message: e.ID, Text: why}); err != nil {
		return err
	}
	return b.addJob(ctx, conv, job{Kind: "note", Text: why})
}

// onStatus hands the conversation back to the bot when an agent resolves
// it or sets it back to pending; the hand-back greets the debtor once,
// whatever the number of such events.
func (b *Bridge) onStatus(ctx context.Context, conv string, e Event) error {
	status := e.ConversationStatus()
	if mine, err := b.consumeExpected(ctx, conv, "status", status); err != nil || mine {
		return err
	}
	if status != StatusResolved && status != StatusPending {
		return nil
	}
	c, err := b.pipe.Conversation(ctx, conv)
	if err != nil || !c.Handoff.Active() {
		return err
	}
	agent := AgentID(0, "Chatwoot")
	if a := e.Assignee(); a != nil {
		agent = AgentID(a.ID, a.DisplayName())
	}
	_, err = b.handoffs.HandBack(ctx, conv, agent, dialogs.ResumeMenu, true)
	if errors.Is(err, bot.ErrNotHandedOff) {
		return nil
	}
	return err
}

// onAssignee follows Chatwoot's assignment: an agent assigned (by hand or
// by auto-assignment) holds the conversation in quita; unassigned, it goes
// back to quita's queue.
func (b *Bridge) onAssignee(ctx context.Context, conv string, e Event) error {
	a := e.Assignee()
	changed := e.Changed("assignee_id")
	if a == nil && !changed {
		return nil
	}
	c, err := b.pipe.Conversation(ctx, conv)
	if err != nil {
		return err
	}
	_, _, heldInChatwoot := ParseAgentID(c.Handoff.Agent)
	if a == nil {
		if c.Handoff.Status == dialogs.HandoffAssigned && heldInChatwoot {
			_, err := b.handoffs.Release(ctx, conv, b.now().Add(100*365*24*time.Hour))
			return err
		}
		return nil
	}
	if mine, err := b.consumeExpected(ctx, conv, "assignee", fmt.Sprint(a.ID)); err != nil || mine {
		return err
	}
	agent := AgentID(a.ID, a.DisplayName())
	switch c.Handoff.Status {
	case dialogs.HandoffQueued:
		_, err = b.handoffs.Hold(ctx, conv, agent, "", false)
	case dialogs.HandoffAssigned:
		switch {
		case c.Handoff.Agent == agent || !changed:
		case heldInChatwoot:
			_, err = b.handoffs.Hold(ctx, conv, agent, "", true)
		default:
			err = b.addJob(ctx, conv, job{Kind: "note", Text: "Atribuída a " + a.DisplayName() + " no Chatwoot, mas " + who(c.Handoff.Agent) +
				" atende esta conversa no console do quita: as respostas daqui não serão enviadas até que ela seja devolvida."})
		}
	default:
		if changed && e.ConversationStatus() == StatusOpen {
			_, err = b.handoffs.Hold(ctx, conv, agent, reasonChatwootAgent, false)
		}
	}
	if errors.Is(err, bot.ErrHeldByOther) || errors.Is(err, bot.ErrNotHandedOff) {
		return nil
	}
	return err
}
