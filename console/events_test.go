package console

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
)

// sseReader reads "event:"/"data:" pairs from a live stream.
type sseReader struct {
	t  *testing.T
	sc *bufio.Scanner
}

func (r sseReader) next() (string, string) {
	r.t.Helper()
	var ev, data string
	for r.sc.Scan() {
		line := r.sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			ev = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && ev != "":
			return ev, data
		}
	}
	r.t.Fatalf("stream ended: %v", r.sc.Err())
	return "", ""
}

func (e *env) events(token string) sseReader {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	go e.app.Listener(ln)
	e.t.Cleanup(func() { e.app.ShutdownWithTimeout(time.Second) })
	ctx, cancel := context.WithCancel(context.Background())
	e.t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+ln.Addr().String()+"/api/v1/agent/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		e.t.Fatalf("events = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	r := sseReader{t: e.t, sc: bufio.NewScanner(resp.Body)}
	if ev, _ := r.next(); ev != "ready" {
		e.t.Fatalf("first event %q, want ready", ev)
	}
	return r
}

func TestEventStreamCarriesHandoffTransitions(t *testing.T) {
	e := newEnv(t)
	stream := e.events(e.tokens["bia@quita.test"])
	const phone = "+5511900000004"
	e.queued(phone)
	// The first handoff event is the queueing; conversation events may come between.
	var he storage.HandoffEvent
	for {
		kind, data := stream.next()
		if kind != "handoff" {
			continue
		}
		var ev event
		if err := json.Unmarshal([]byte(data), &ev); err != nil || ev.Handoff == nil {
			t.Fatalf("bad handoff event %s", data)
		}
		he = *ev.Handoff
		break
	}
	if he.Transition != "queued" || he.Conversation != phone || he.To != "queued" {
		t.Fatalf("event = %+v, want queued", he)
	}
	// Ana claims it: bia, another agent, does not hear the claim (events
	// published while it was still queued may still reach her).
	if _, err := e.h.Claim(context.Background(), phone, "ana@quita.test", false); err != nil {
		t.Fatal(err)
	}
	e.queued("+5511900000005")
	for {
		kind, data := stream.next()
		if kind == "handoff" && strings.Contains(data, phone) {
			t.Fatalf("bia heard about ana's claim: %s", data)
		}
		if kind == "handoff" && strings.Contains(data, "+5511900000005") {
			break
		}
	}
}

// The hub holds a Redis subscription only while a stream is open: with no
// console watching, the pipeline's change notifications are not read.
func TestHubSubscribesOnlyWhileAStreamIsOpen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	subscribers := func() int64 {
		n, err := e.store.Redis().PubSubNumSub(ctx, e.store.Keys().Events()).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n[e.store.Keys().Events()]
	}
	cl := e.con.hub.add() // returns once subscribed
	if n := subscribers(); n != 1 {
		t.Fatalf("subscribers with a stream open = %d, want 1", n)
	}
	e.con.hub.remove(cl)
	deadline := time.Now().Add(10 * time.Second)
	for subscribers() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the hub stayed subscribed with no stream open")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cl = e.con.hub.add() // and subscribes again for the next stream
	defer e.con.hub.remove(cl)
	if n := subscribers(); n != 1 {
		t.Fatalf("subscribers after reopening = %d, want 1", n)
	}
}
