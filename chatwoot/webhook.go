package chatwoot

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Webhook event names the bridge acts on (app/listeners/webhook_listener.rb).
const (
	EventMessageCreated            = "message_created"
	EventConversationStatusChanged = "conversation_status_changed"
	EventConversationUpdated       = "conversation_updated"
	EventConversationCreated       = "conversation_created"
)

// Inbox is the inbox object of a message event.
type Inbox struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Event is one webhook delivery. Message events carry the message at the
// top level with its conversation inside (Message#webhook_data);
// conversation events carry the conversation's push data at the top level
// (Conversations::EventDataPresenter#push_data) and, for updates, the
// changed attributes as [{"attr": {"previous_value": …, "current_value": …}}].
type Event struct {
	Event string `json:"event"`

	// Message events.
	ID                int64          `json:"id"`
	Content           string         `json:"content"`
	MessageType       MessageType    `json:"message_type"`
	Private           bool           `json:"private"`
	SourceID          string         `json:"source_id"`
	ContentAttributes map[string]any `json:"content_attributes"`
	Sender            *Party         `json:"sender"`
	Inbox             *Inbox         `json:"inbox"`
	Conversation      *Conversation  `json:"conversation"`
	Attachments       []Attachment   `json:"attachments"`

	// Conversation events (ID above is then the conversation's display id).
	InboxID           int64                      `json:"inbox_id"`
	Status            string                     `json:"status"`
	Labels            []string                   `json:"labels"`
	Meta              ConversationMeta           `json:"meta"`
	ContactInbox      *ContactInbox              `json:"contact_inbox"`
	ChangedAttributes []map[string]AttributeDiff `json:"changed_attributes"`
}

// AttributeDiff is one changed attribute of a conversation update.
type AttributeDiff struct {
	Previous json.RawMessage `json:"previous_value"`
	Current  json.RawMessage `json:"current_value"`
}

// ParseEvent decodes a webhook body.
func ParseEvent(body []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return e, fmt.Errorf("chatwoot webhook: not a JSON event: %w", err)
	}
	if e.Event == "" {
		return e, fmt.Errorf("chatwoot webhook: no \"event\" field")
	}
	return e, nil
}

// IsMessage reports whether the event is about a message.
func (e Event) IsMessage() bool { return strings.HasPrefix(e.Event, "message_") }

// IsConversation reports whether the event is about a conversation.
func (e Event) IsConversation() bool { return strings.HasPrefix(e.Event, "conversation_") }

// ConversationID is the display id of the event's conversation.
func (e Event) ConversationID() int64 {
	if e.IsMessage() {
		if e.Conversation != nil {
			return e.Conversation.ID
		}
		return 0
	}
	return e.ID
}

// InboxOf is the inbox the event happened in (0 when the payload lacks it).
func (e Event) InboxOf() int64 {
	switch {
	case e.IsMessage() && e.Inbox != nil:
		return e.Inbox.ID
	case e.IsMessage() && e.Conversation != nil:
		return e.Conversation.InboxID
	}
	return e.InboxID
}

// ConversationSourceID is the source id of the conversation's contact inbox.
func (e Event) ConversationSourceID() string {
	if e.IsMessage() {
		if e.Conversation != nil && e.Conversation.ContactInbox != nil {
			return e.Conversation.ContactInbox.SourceID
		}
		return ""
	}
	if e.ContactInbox != nil {
		return e.ContactInbox.SourceID
	}
	return ""
}

// ConversationStatus is the conversation's status after the event.
func (e Event) ConversationStatus() string {
	if e.IsMessage() {
		if e.Conversation != nil {
			return e.Conversation.Status
		}
		return ""
	}
	return e.Status
}

// Assignee is the conversation's assignee after the event (nil: nobody).
func (e Event) Assignee() *Party {
	if e.IsMessage() {
		if e.Conversation != nil {
			return e.Conversation.Meta.Assignee
		}
		return nil
	}
	return e.Meta.Assignee
}

// Changed reports whether a conversation update changed attr.
func (e Event) Changed(attr string) bool {
	for _, c := range e.ChangedAttributes {
		if _, ok := c[attr]; ok {
			return true
		}
	}
	return false
}
