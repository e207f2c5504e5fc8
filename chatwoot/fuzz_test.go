package chatwoot

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Whatever arrives at /webhooks/chatwoot, parsing and verifying it never
// panics, and a body that verifies is one signed with the secret.
func FuzzWebhook(f *testing.F) {
	for _, name := range []string{"testdata/message_created.json", "testdata/conversation_status_changed.json"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, Sign("s", 1772000000, b), "1772000000")
	}
	f.Add([]byte(`{"event":"message_created","conversation":null,"sender":null}`), "sha256=00", "x")
	f.Fuzz(func(t *testing.T, body []byte, sig, ts string) {
		e, err := ParseEvent(body)
		if err == nil {
			_ = e.ConversationID() + e.InboxOf()
			_, _, _ = e.ConversationSourceID(), e.ConversationStatus(), e.Assignee()
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if Verify("s", sig, ts, body, time.Unix(1772000000, 0)) == nil && strings.ToLower(strings.TrimSpace(sig)) != Sign("s", n, body) {
			t.Fatalf("verified a signature that is not the secret's: %q", sig)
		}
	})
}
