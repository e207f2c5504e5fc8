package chatwoot

import (
	"os"
	"testing"
)

// The documented samples (testdata/README.md) decode into what the bridge reads.
func TestParseDocumentedMessageCreated(t *testing.T) {
	raw, err := os.ReadFile("testdata/message_created.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseEvent(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !e.IsMessage() || e.Event != EventMessageCreated || e.ID != 118 || e.Content != "hi" || e.MessageType != Incoming || e.Private {
		t.Fatalf("message fields: %+v", e)
	}
	if e.Sender == nil || e.Sender.Type != SenderContact || e.Sender.ID != 14 {
		t.Fatalf("sender: %+v", e.Sender)
	}
	if e.ConversationID() != 10 || e.InboxOf() != 1 || e.ConversationSourceID() != "405f1d30-1af3-4fa0-8ffd-11ea3f86101e" ||
		e.ConversationStatus() != StatusOpen || e.Assignee() == nil || e.Assignee().Name != "John" {
		t.Fatalf("conversation: id %d inbox %d source %q status %q assignee %+v", e.ConversationID(), e.InboxOf(),
			e.ConversationSourceID(), e.ConversationStatus(), e.Assignee())
	}
	if e.Conversation.Meta.Assignee.Type != SenderUser {
		t.Fatalf("assignee type %q", e.Conversation.Meta.Assignee.Type)
	}
}

func TestParseDocumentedConversationStatusChanged(t *testing.T) {
	raw, err := os.ReadFile("testdata/conversation_status_changed.json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := ParseEvent(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !e.IsConversation() || e.ConversationID() != 10 || e.InboxOf() != 1 || e.ConversationStatus() != StatusOpen ||
		e.ConversationSourceID() != "405f1d30-1af3-4fa0-8ffd-11ea3f86101e" || e.Assignee().ID != 1 {
		t.Fatalf("conversation event: %+v", e)
	}
	// The nested messages write message_type as an integer (3: template).
	var m Message
	if err := m.MessageType.UnmarshalJSON([]byte("3")); err != nil || m.MessageType != Template {
		t.Fatalf("integer message_type: %q %v", m.MessageType, err)
	}
}

func TestParseChangedAttributes(t *testing.T) {
	e, err := ParseEvent([]byte(`{"event":"conversation_updated","id":4,"inbox_id":7,"status":"open",
		"changed_attributes":[{"assignee_id":{"previous_value":null,"current_value":12}}],"meta":{"assignee":{"id":12,"name":"Maria","type":"user"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !e.Changed("assignee_id") || e.Changed("status") || e.Assignee().Name != "Maria" {
		t.Fatalf("changed: %+v", e)
	}
	if _, err := ParseEvent([]byte(`{"id":1}`)); err == nil {
		t.Fatal("an event without a name must not parse")
	}
	if _, err := ParseEvent([]byte(`not json`)); err == nil {
		t.Fatal("not JSON must not parse")
	}
}
