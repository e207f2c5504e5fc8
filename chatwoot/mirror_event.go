package chatwoot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// mirrorEvent applies one handoff transition in Chatwoot.
func (b *Bridge) mirrorEvent(ctx context.Context, conv string, st *mirrorState, c dialogs.Conversation, it item, q *queue, s *steps) error {
	ev := it.ev
	_, _, fromChatwoot := ParseAgentID(ev.Agent)
	switch ev.Transition {
	case "queued", "claimed":
		// A handoff, or an agent who took the conversation from the bot
		// (From ""): the Chatwoot conversation is a person's now, open.
		if !st.Started || ev.Transition == "queued" || ev.From == dialogs.HandoffNone {
			if err := b.openHandoff(ctx, conv, st, c, it, q, s); err != nil {
				return err
			}
		}
		if ev.Transition == "claimed" && !fromChatwoot && ev.Agent != "" {
			return b.consoleClaimed(ctx, conv, st, ev, s)
		}
	case "released":
		if !st.Started || st.Conv == 0 {
			return nil
		}
		text := who(ev.Agent) + " ficou sem atividade no console do quita: a conversa voltou para a fila."
		if fromChatwoot {
			text = "Sem agente no Chatwoot: a conversa voltou para a fila do quita."
		}
		return s.do(ctx, func() error { return b.note(ctx, conv, st, it, "released", text) })
	case "handed_back", "closed":
		if st.Started && st.Conv != 0 && !fromChatwoot {
			if err := s.do(ctx, func() error {
				return b.note(ctx, conv, st, it, "back", "Devolvida ao bot por "+who(ev.Agent)+" no console do quita.")
			}); err != nil {
				return err
			}
			if err := s.do(ctx, func() error { return b.setStatus(ctx, conv, st, StatusResolved) }); err != nil {
				return err
			}
		}
		if b.cfg.Mirror == MirrorHandoffs && st.Started {
			st.Started, st.Labeled = false, ""
			if err := b.rdb.ZRem(ctx, b.keys.mirrored(), conv).Err(); err != nil {
				return err
			}
			return b.save(ctx, conv, "started", "", "labeled", "")
		}
	}
	return nil
}

// openHandoff opens the Chatwoot conversation for a handoff: the earlier
// transcript as one private summary note (handoffs mode), status open,
// labels and priority, the team, and a private note saying why.
func (b *Bridge) openHandoff(ctx context.Context, conv string, st *mirrorState, c dialogs.Conversation, it item, q *queue, s *steps) error {
	if err := s.do(ctx, func() error { return b.ensureConversation(ctx, conv, st, c) }); err != nil {
		return err
	}
	// One step whether or not this attempt starts the mirror, so that the
	// steps after it keep their numbers on a retry.
	if err := s.do(ctx, func() error {
		if st.Started {
			return nil
		}
		var before []storage.RawMessage
		for len(q.msgs) > 0 && !q.msgs[0].Msg.At.After(it.at) {
			before, q.msgs = append(before, q.msgs[0]), q.msgs[1:]
		}
		if text := b.summary(before); text != "" {
			if err := b.post(ctx, conv, st, MessageInput{MessageType: Outgoing, Private: true, Content: text, SourceID: sourceID("s", it.key())}); err != nil {
				return err
			}
		}
		if len(before) > 0 {
			st.Cursor = before[len(before)-1].Seq + 1
		}
		st.Started = true
		if err := b.rdb.ZAdd(ctx, b.keys.mirrored(), zmember(conv, b.now())).Err(); err != nil {
			return err
		}
		return b.save(ctx, conv, "cursor", st.Cursor, "started", "1")
	}); err != nil {
		return err
	}
	if err := s.do(ctx, func() error { return b.setStatus(ctx, conv, st, StatusOpen) }); err != nil {
		return err
	}
	reason, priority := firstNonEmpty(it.ev.Reason, c.Handoff.Reason), max(it.ev.Priority, c.Handoff.Priority)
	if err := s.do(ctx, func() error { return b.label(ctx, conv, st, reason, priority) }); err != nil {
		return err
	}
	if b.cfg.TeamID != 0 {
		if err := s.do(ctx, func() error { return b.convGone(ctx, conv, st, b.api.AssignTeam(ctx, st.Conv, b.cfg.TeamID)) }); err != nil {
			return err
		}
	}
	return s.do(ctx, func() error {
		return b.note(ctx, conv, st, it, "why", b.whyNote(ctx, c, reason, priority))
	})
}

// consoleClaimed shows in Chatwoot that an agent took the conversation in
// quita's console: assigned to the Chatwoot agent with the same e-mail, if
// there is one, and a private note either way.
func (b *Bridge) consoleClaimed(ctx context.Context, conv string, st *mirrorState, ev storage.HandoffEvent, s *steps) error {
	if st.Conv == 0 {
		return nil
	}
	if err := s.do(ctx, func() error {
		a, ok, err := b.agentByEmail(ctx, ev.Agent)
		if err != nil || !ok {
			return err
		}
		if err := b.expectChange(ctx, conv, "assignee", fmt.Sprint(a.ID)); err != nil {
			return err
		}
		return b.convGone(ctx, conv, st, b.api.AssignAgent(ctx, st.Conv, a.ID))
	}); err != nil {
		return err
	}
	return s.do(ctx, func() error {
		return b.note(ctx, conv, st, item{kind: kindEvent, raw: ev.Conversation + ev.At.String() + ev.Agent}, "claimed",
			"Assumida no console do quita por "+ev.Agent+": responda por lá, ou peça que devolva a conversa.")
	})
}

// note posts a private note once per item and purpose.
func (b *Bridge) note(ctx context.Context, conv string, st *mirrorState, it item, purpose, text string) error {
	return b.post(ctx, conv, st, MessageInput{MessageType: Outgoing, Private: true, Content: text, SourceID: sourceID(purpose, it.key())})
}

// label writes the handoff's reason and priority as labels (added to the
// conversation's others: Chatwoot replaces the whole list) and as
// Chatwoot's own priority.
func (b *Bridge) label(ctx context.Context, conv string, st *mirrorState, reason string, priority int) error {
	cur, err := b.api.Conversation(ctx, st.Conv)
	if err != nil {
		return b.convGone(ctx, conv, st, err)
	}
	want := map[string]bool{"quita": true}
	if reason != "" {
		want[labelOf(reason)] = true
	}
	want[priorityLabel(priority)] = true
	labels := []string{}
	for _, l := range cur.Labels {
		if !isPriorityLabel(l) {
			want[l] = true
		}
	}
	for l := range want {
		labels = append(labels, l)
	}
	if err := b.api.SetLabels(ctx, st.Conv, sortStrings(labels)); err != nil {
		return b.convGone(ctx, conv, st, err)
	}
	if err := b.api.TogglePriority(ctx, st.Conv, chatwootPriority(priority)); err != nil {
		return b.convGone(ctx, conv, st, err)
	}
	st.Labeled = fmt.Sprintf("%s|%d", reason, priority)
	return b.save(ctx, conv, "labeled", st.Labeled)
}

// ensureConversation finds or makes the Chatwoot contact and conversation.
func (b *Bridge) ensureConversation(ctx context.Context, conv string, st *mirrorState, c dialogs.Conversation) error {
	if st.Conv != 0 {
		return nil
	}
	attrs, name := b.contactAttrs(ctx, c)
	if st.Contact == 0 {
		id, err := b.findOrCreateContact(ctx, conv, name, attrs)
		if err != nil {
			return err
		}
		st.Contact, st.Attrs = id, attrsHash(attrs)
		if err := b.save(ctx, conv, "contact", id, "attrs", st.Attrs); err != nil {
			return err
		}
	}
	convs, err := b.api.ContactConversations(ctx, st.Contact)
	if NotFound(err) { // the contact was deleted in Chatwoot
		st.Contact = 0
		_ = b.save(ctx, conv, "contact", 0)
		return err
	}
	if err != nil {
		return err
	}
	var found *Conversation
	for i := range convs {
		if convs[i].InboxID == b.cfg.InboxID && fmt.Sprint(convs[i].CustomAttributes["quita_conversation"]) == conv {
			found = &convs[i]
			break
		}
	}
	if found == nil {
		status := StatusOpen
		if !c.Handoff.Active() {
			status = StatusPending // the bot answers: Chatwoot's "pending" is a bot's conversation
		}
		created, err := b.api.CreateConversation(ctx, ConversationInput{SourceID: "quita:" + conv, InboxID: b.cfg.InboxID,
			ContactID: st.Contact, Status: status, CustomAttributes: map[string]any{"quita_conversation": conv}})
		if err != nil {
			return err
		}
		found = &created
	}
	st.Conv, st.Status = found.ID, found.Status
	if err := b.rdb.Set(ctx, b.keys.byConv(found.ID), conv, 0).Err(); err != nil {
		return err
	}
	return b.save(ctx, conv, "conv", found.ID, "status", found.Status)
}

// findOrCreateContact is the contact with the debtor's phone (Chatwoot's
// search matches substrings: the phone must be equal), else a new one.
func (b *Bridge) findOrCreateContact(ctx context.Context, conv, name string, attrs map[string]any) (int64, error) {
	find := func() (int64, error) {
		found, err := b.api.SearchContacts(ctx, conv)
		if err != nil {
			return 0, err
		}
		for _, ct := range found {
			if ct.PhoneNumber == conv {
				return ct.ID, nil
			}
		}
		return 0, nil
	}
	if id, err := find(); err != nil || id != 0 {
		return id, err
	}
	phone := ""
	if strings.HasPrefix(conv, "+") {
		phone = conv
	}
	ct, err := b.api.CreateContact(ctx, ContactInput{Name: name, PhoneNumber: phone, Identifier: "quita:" + conv, CustomAttributes: attrs})
	if err != nil {
		if id, ferr := find(); ferr == nil && id != 0 { // created meanwhile (another process, a lost answer)
			return id, nil
		}
		return 0, err
	}
	return ct.ID, nil
}

// refresh keeps the contact's custom attributes and the handoff's labels
// up to date once a conversation is mirrored.
func (b *Bridge) refresh(ctx context.Context, conv string, st *mirrorState, c dialogs.Conversation) error {
	if st.Contact == 0 || !st.Started {
		return nil
	}
	attrs, _ := b.contactAttrs(ctx, c)
	if h := attrsHash(attrs); h != st.Attrs {
		if err := b.api.UpdateContact(ctx, st.Contact, ContactInput{CustomAttributes: attrs}); err != nil {
			if NotFound(err) {
				st.Contact, st.Conv = 0, 0
				_ = b.save(ctx, conv, "contact", 0, "conv", 0)
			}
			return err
		}
		st.Attrs = h
		if err := b.save(ctx, conv, "attrs", h); err != nil {
			return err
		}
	}
	if st.Conv != 0 && c.Handoff.Active() && st.Labeled != "" && st.Labeled != fmt.Sprintf("%s|%d", c.Handoff.Reason, c.Handoff.Priority) {
		before := st.Labeled
		if err := b.label(ctx, conv, st, c.Handoff.Reason, c.Handoff.Priority); err != nil {
			return err
		}
		return b.post(ctx, conv, st, MessageInput{MessageType: Outgoing, Private: true, SourceID: sourceID("p", shortHash(before+st.Labeled+c.Handoff.Since.String())),
			Content: "Prioridade agora " + priorityName(c.Handoff.Priority) + " (" + reasonName(c.Handoff.Reason) + ")."})
	}
	return nil
}

func zmember(conv string, at time.Time) redisZ {
	return redisZ{Score: float64(at.UnixMilli()), Member: conv}
}

// who names a quita console agent, or a Chatwoot one by name.
func who(agent string) string {
	if _, name, ok := ParseAgentID(agent); ok {
		return name
	}
	if agent == "" {
		return "o agente"
	}
	return agent
}
