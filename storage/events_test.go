package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// A commit and a send record announce the conversation on the events
// channel while someone subscribes to it (the console), and skip the
// announcement while nobody does. A pattern subscription does not count as
// watching (PUBSUB NUMSUB), which lets the test see the skipped ones: its
// first message must be the test's own marker, published after the step.
func TestChangesAreAnnouncedOnlyWhileWatched(t *testing.T) {
	for _, watched := range []bool{true, false} {
		name := map[bool]string{true: "subscribed: announced", false: "nobody subscribed: skipped"}[watched]
		t.Run(name, func(t *testing.T) {
			r := redistest.New(t)
			st, ctx, conv := r.Store(), context.Background(), "+5511987650001"
			events := st.Keys().Events()
			var sub *redis.PubSub
			if watched {
				sub = r.Client.Subscribe(ctx, events)
			} else {
				sub = r.Client.PSubscribe(ctx, events)
			}
			defer sub.Close()
			if _, err := sub.Receive(ctx); err != nil {
				t.Fatal(err)
			}
			msgs := sub.Channel()

			if err := st.Accept(ctx, storage.Message{ID: "in1", Conversation: conv, Direction: storage.In, Channel: channels.SMS, Text: "oi", At: time.Now()}); err != nil {
				t.Fatal(err)
			}
			b, err := st.Begin(ctx, conv, "tok", time.Minute)
			if err != nil || !b.OK {
				t.Fatalf("begin: %+v %v", b, err)
			}
			o := storage.Outbound{Outbound: channels.Outbound{ID: "out1", Channel: channels.SMS, To: conv, ConversationID: conv, Text: "olá"}}
			if err := st.Commit(ctx, storage.Commit{Conversation: conv, Token: "tok", InboxRaw: b.Head, State: []byte(`{"state":"menu"}`),
				At: time.Now(), Outbound: []storage.Outbound{o}}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Sent(ctx, o, "SM1", channels.StatusSent, "senders", "0-1"); err != nil {
				t.Fatal(err)
			}
			if err := r.Client.Publish(ctx, events, "marker").Err(); err != nil {
				t.Fatal(err)
			}
			var got []string
			for len(got) == 0 || got[len(got)-1] != "marker" {
				select {
				case m := <-msgs:
					got = append(got, m.Payload)
				case <-time.After(5 * time.Second):
					t.Fatalf("no marker after %q", got)
				}
			}
			want := []string{"marker"}
			if watched {
				want = []string{conv, conv, "marker"} // the commit, the send record
			}
			if !slices.Equal(got, want) {
				t.Fatalf("events %q, want %q", got, want)
			}
		})
	}
}
