package chatwoot

import (
	"strconv"
	"strings"
)

// Message types. The API's message partial writes them as integers
// (message_type_before_type_cast: incoming 0, outgoing 1, activity 2,
// template 3), webhooks as their names (Message#webhook_data).
const (
	Incoming = "incoming"
	Outgoing = "outgoing"
	Activity = "activity"
	Template = "template"
)

// MessageType is a message's type, decoded from either form.
type MessageType string

var messageTypeNames = []string{Incoming, Outgoing, Activity, Template}

// UnmarshalJSON accepts "outgoing" and 1 alike.
func (t *MessageType) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if n, err := strconv.Atoi(s); err == nil {
		if n >= 0 && n < len(messageTypeNames) {
			*t = MessageType(messageTypeNames[n])
			return nil
		}
	}
	*t = MessageType(s)
	return nil
}

// Conversation statuses.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusPending  = "pending"
	StatusSnoozed  = "snoozed"
)

// Sender types in webhook payloads (User/Contact/AgentBot#webhook_data).
const (
	SenderUser     = "user"
	SenderContact  = "contact"
	SenderAgentBot = "agent_bot"
)

// Party is a message's sender or a conversation's assignee.
type Party struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	AvailableName string `json:"available_name,omitempty"`
	Email         string `json:"email,omitempty"`
	Type          string `json:"type,omitempty"` // user | contact | agent_bot
}

// DisplayName is the name an agent chose to show, else their name.
func (p Party) DisplayName() string {
	if p.AvailableName != "" {
		return p.AvailableName
	}
	return p.Name
}

// Team is a conversation's team.
type Team struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Contact is a Chatwoot contact (api/v1/models/_contact.json.jbuilder).
type Contact struct {
	ID               int64          `json:"id"`
	Name             string         `json:"name"`
	PhoneNumber      string         `json:"phone_number"`
	Email            string         `json:"email,omitempty"`
	Identifier       string         `json:"identifier,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

// ContactInbox ties a contact to an inbox under a source id.
type ContactInbox struct {
	SourceID string `json:"source_id"`
	InboxID  int64  `json:"inbox_id,omitempty"`
}

// ConversationMeta is a conversation's people.
type ConversationMeta struct {
	Sender   *Party `json:"sender,omitempty"`
	Assignee *Party `json:"assignee,omitempty"`
	Team     *Team  `json:"team,omitempty"`
}

// Conversation is a Chatwoot conversation; ID is its display id, the one
// every conversation URL takes.
type Conversation struct {
	ID               int64            `json:"id"`
	InboxID          int64            `json:"inbox_id"`
	Status           string           `json:"status"`
	Labels           []string         `json:"labels,omitempty"`
	Priority         *string          `json:"priority,omitempty"`
	Meta             ConversationMeta `json:"meta"`
	ContactInbox     *ContactInbox    `json:"contact_inbox,omitempty"`
	CustomAttributes map[string]any   `json:"custom_attributes,omitempty"`
}

// Attachment is a file on a message (Attachment#push_event_data).
type Attachment struct {
	ID       int64  `json:"id"`
	FileType string `json:"file_type"` // image | audio | video | file …
	DataURL  string `json:"data_url"`
}

// Message is a Chatwoot message.
type Message struct {
	ID                int64          `json:"id"`
	Content           string         `json:"content"`
	MessageType       MessageType    `json:"message_type"`
	Private           bool           `json:"private"`
	SourceID          string         `json:"source_id,omitempty"`
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
	Sender            *Party         `json:"sender,omitempty"`
	ConversationID    int64          `json:"conversation_id,omitempty"`
	Status            string         `json:"status,omitempty"`
	Attachments       []Attachment   `json:"attachments,omitempty"`
}

// Agent is an account's agent (GET …/agents).
type Agent struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// Profile is the user the access token belongs to (GET /api/v1/profile).
type Profile struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role,omitempty"`
}
