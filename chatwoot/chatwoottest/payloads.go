package chatwoottest

import (
	"strconv"
	"time"

	"github.com/quita-bot/quita/chatwoot"
)

// The JSON Chatwoot writes, built from the fake's state. API answers use
// the jbuilder partials (message_type as an integer, created_at as Unix
// seconds); webhooks use #webhook_data (message_type as a name) with the
// conversation's push data (docs: "Webhook Event payload samples").

func (s *Server) contactJSON(c *Contact) map[string]any {
	attrs := c.CustomAttributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	var phone, ident any
	if c.PhoneNumber != "" {
		phone = c.PhoneNumber
	}
	if c.Identifier != "" {
		ident = c.Identifier
	}
	return map[string]any{"additional_attributes": map[string]any{}, "availability_status": "offline", "email": nil,
		"id": c.ID, "name": c.Name, "phone_number": phone, "identifier": ident, "thumbnail": "",
		"custom_attributes": attrs, "blocked": false, "type": chatwoot.SenderContact}
}

func (s *Server) userJSON(id int64) map[string]any {
	a := s.agent(id)
	if a == nil {
		return nil
	}
	return map[string]any{"id": a.ID, "name": a.Name, "available_name": a.Name, "avatar_url": "", "type": chatwoot.SenderUser,
		"availability_status": "online", "thumbnail": ""}
}

func (s *Server) senderPush(c *Conversation, m *Message) map[string]any {
	if m.SenderType == chatwoot.SenderContact {
		return s.contactJSON(s.contacts[c.ContactID])
	}
	return s.userJSON(m.SenderID)
}

func (s *Server) attachmentsJSON(m *Message) []any {
	var out []any
	for i, f := range m.Files {
		out = append(out, map[string]any{"id": m.ID*100 + int64(i), "message_id": m.ID, "file_type": fileType(f.ContentType),
			"account_id": s.opts.AccountID, "data_url": s.URL() + "/rails/active_storage/blobs/" + strconv.FormatInt(m.ID, 10) + "/" + f.Name,
			"file_size": len(f.Data)})
	}
	return out
}

func fileType(ct string) string {
	switch {
	case len(ct) >= 6 && ct[:6] == "image/":
		return "image"
	case len(ct) >= 6 && ct[:6] == "audio/":
		return "audio"
	case len(ct) >= 6 && ct[:6] == "video/":
		return "video"
	}
	return "file"
}

// messageJSON is api/v1/models/_message.json.jbuilder.
func (s *Server) messageJSON(c *Conversation, m *Message) map[string]any {
	out := map[string]any{"id": m.ID, "content": m.Content, "inbox_id": s.opts.InboxID, "conversation_id": c.ID,
		"message_type": messageTypeCodes[m.Type], "content_type": "text", "status": m.Status,
		"content_attributes": orEmpty(m.ContentAttributes), "created_at": m.CreatedAt.Unix(), "private": m.Private,
		"source_id": nilIfEmpty(m.SourceID), "sender": s.senderPush(c, m)}
	if a := s.attachmentsJSON(m); a != nil {
		out["attachments"] = a
	}
	return out
}

// conversationJSON is api/v1/conversations/partials/_conversation.json.jbuilder.
func (s *Server) conversationJSON(c *Conversation) map[string]any {
	return map[string]any{"id": c.ID, "account_id": s.opts.AccountID, "inbox_id": s.opts.InboxID, "status": c.Status,
		"labels": orEmptyList(c.Labels), "priority": nilIfEmpty(c.Priority), "custom_attributes": orEmpty(c.CustomAttributes),
		"additional_attributes": map[string]any{}, "muted": false, "can_reply": true, "unread_count": 0,
		"meta": s.metaJSON(c), "messages": s.lastMessages(c), "timestamp": s.now().Unix()}
}

func (s *Server) metaJSON(c *Conversation) map[string]any {
	meta := map[string]any{"sender": s.contactJSON(s.contacts[c.ContactID]), "assignee": nil, "team": nil,
		"channel": "Channel::Api", "hmac_verified": false}
	if c.AssigneeID != 0 {
		meta["assignee"] = s.userJSON(c.AssigneeID)
	}
	if c.TeamID != 0 {
		meta["team"] = map[string]any{"id": c.TeamID, "name": "Team " + strconv.FormatInt(c.TeamID, 10)}
	}
	return meta
}

func (s *Server) lastMessages(c *Conversation) []any {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if m := c.Messages[i]; !m.Private && m.Type != chatwoot.Activity {
			return []any{s.messageJSON(c, m)}
		}
	}
	return []any{}
}

// pushData is Conversations::EventDataPresenter#push_data (with the
// contact inbox and its source id, as webhooks carry it).
func (s *Server) pushData(c *Conversation) map[string]any {
	return map[string]any{"additional_attributes": map[string]any{}, "can_reply": true, "channel": "Channel::Api",
		"contact_inbox": map[string]any{"contact_id": c.ContactID, "inbox_id": s.opts.InboxID, "source_id": c.SourceID, "hmac_verified": false},
		"id":            c.ID, "inbox_id": s.opts.InboxID, "messages": s.lastMessages(c), "labels": orEmptyList(c.Labels),
		"meta": s.metaJSON(c), "status": c.Status, "custom_attributes": orEmpty(c.CustomAttributes), "snoozed_until": nil,
		"unread_count": 0, "priority": nilIfEmpty(c.Priority), "waiting_since": 0, "agent_last_seen_at": 0,
		"contact_last_seen_at": 0, "timestamp": s.now().Unix()}
}

// messageEvent is Message#webhook_data merged with the event name.
func (s *Server) messageEvent(c *Conversation, m *Message) pendingEvent {
	var sender map[string]any
	if m.SenderType == chatwoot.SenderContact {
		ct := s.contacts[c.ContactID]
		sender = map[string]any{"id": ct.ID, "name": ct.Name, "avatar": "", "type": chatwoot.SenderContact,
			"phone_number": nilIfEmpty(ct.PhoneNumber), "identifier": nilIfEmpty(ct.Identifier)}
	} else if a := s.agent(m.SenderID); a != nil {
		sender = map[string]any{"id": a.ID, "name": a.Name, "email": a.Email, "type": chatwoot.SenderUser}
	}
	body := map[string]any{"event": chatwoot.EventMessageCreated, "id": m.ID, "content": m.Content,
		"created_at": m.CreatedAt.UTC().Format(time.RFC3339), "message_type": m.Type, "content_type": "text",
		"private": m.Private, "content_attributes": orEmpty(m.ContentAttributes), "source_id": nilIfEmpty(m.SourceID),
		"additional_attributes": map[string]any{}, "sender": sender, "inbox": map[string]any{"id": s.opts.InboxID, "name": "quita"},
		"conversation": s.pushData(c), "account": map[string]any{"id": s.opts.AccountID, "name": "Cobrança"}}
	if a := s.attachmentsJSON(m); a != nil {
		body["attachments"] = a
	}
	return pendingEvent{name: chatwoot.EventMessageCreated, body: body}
}

// conversationEvent is the conversation's webhook_data with the event name
// and, when diff is given, changed_attributes as
// [{"attr": {"previous_value": …, "current_value": …}}] (BaseListener).
func (s *Server) conversationEvent(c *Conversation, name string, diff map[string][2]any) pendingEvent {
	body := s.pushData(c)
	body["event"] = name
	body["account"] = map[string]any{"id": s.opts.AccountID, "name": "Cobrança"}
	if diff != nil {
		var changes []any
		for k, v := range diff {
			changes = append(changes, map[string]any{k: map[string]any{"previous_value": v[0], "current_value": v[1]}})
		}
		body["changed_attributes"] = changes
	}
	return pendingEvent{name: name, body: body}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

func orEmptyList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
