package chatwoot

import (
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
)

func TestAgentIDRoundTrip(t *testing.T) {
	id := AgentID(42, " Maria: da Silva ")
	if id != "chatwoot:42:Maria: da Silva" {
		t.Fatalf("AgentID = %q", id)
	}
	n, name, ok := ParseAgentID(id)
	if !ok || n != 42 || name != "Maria: da Silva" || HeldInChatwoot(id) != "held in Chatwoot by Maria: da Silva" {
		t.Fatalf("ParseAgentID = %d %q %v", n, name, ok)
	}
	if _, _, ok := ParseAgentID("bia@quita.test"); ok || HeldInChatwoot("bia@quita.test") != "" {
		t.Fatal("a console agent parsed as a Chatwoot one")
	}
}

// Items are mirrored in the order they happened; at one instant a message
// goes before the handoff event its step caused, and a job last. Before a
// handoff (handoffs mode) only events count.
func TestQueueOrder(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	msg := func(seq int, at time.Time) storage.RawMessage {
		return storage.RawMessage{Seq: seq, Msg: storage.Message{ID: "m" + string(rune('0'+seq)), At: at}}
	}
	q := &queue{
		msgs:   []storage.RawMessage{msg(0, t0), msg(1, t0.Add(2*time.Second))},
		events: []item{{kind: kindEvent, at: t0, raw: "queued"}},
		jobs:   []job{{ID: "j", At: t0.Add(time.Second).UnixMilli()}},
	}
	if it, ok := q.next(false, false); !ok || it.kind != kindEvent {
		t.Fatalf("not started: got %+v, want the event", it)
	}
	var order []string
	for {
		it, ok := q.next(true, true)
		if !ok {
			break
		}
		order = append(order, it.key())
		q.pop(it)
	}
	want := []string{"m:m0", "e:" + shortHash("queued"), "j:j", "m:m1"}
	if len(order) != len(want) {
		t.Fatalf("order %v, want %v", order, want)
	}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
}
