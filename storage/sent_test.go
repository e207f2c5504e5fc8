package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// Statuses that a fast provider reported before the send was recorded are
// handed back by the record, once, in arrival order; the transcript status
// only moves up in rank (a late "queued" never hides "sent").
func TestSentHandsBackParkedStatusesOnce(t *testing.T) {
	r := redistest.New(t)
	st, ctx, conv := r.Store(), context.Background(), "+5511987650001"
	o := storage.Outbound{Outbound: channels.Outbound{ID: "m1", Channel: channels.SMS, To: conv, ConversationID: conv}}
	for _, s := range []string{channels.StatusDelivered, channels.StatusRead} {
		if _, _, found, err := st.StatusTarget(ctx, channels.SMS, "SMx", s, ""); err != nil || found {
			t.Fatalf("status %s before the send record: found %v, err %v; want parked", s, found, err)
		}
	}
	parked, err := st.Sent(ctx, o, "SMx", channels.StatusSent, "senders", "0-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"delivered|", "read|"}; !slices.Equal(parked, want) {
		t.Fatalf("parked statuses %q, want %q", parked, want)
	}
	index := st.Keys().ProviderIndex(channels.SMS, "SMx")
	if got := r.Client.Get(ctx, index).Val(); got != conv+"|m1" {
		t.Fatalf("provider index %q after the record, want %q (parked statuses handed back, not kept)", got, conv+"|m1")
	}
	if ttl := r.Client.PTTL(ctx, index).Val(); ttl < 29*24*time.Hour {
		t.Fatalf("provider index TTL %v, want the index's 30 days, not the parking hour", ttl)
	}
	// a callback after the record finds its message and parks nothing
	if c, m, found, err := st.StatusTarget(ctx, channels.SMS, "SMx", channels.StatusRead, ""); err != nil || !found || c != conv || m != "m1" {
		t.Fatalf("status after the record: %q %q found %v err %v", c, m, found, err)
	}
	if got := r.Client.Get(ctx, index).Val(); got != conv+"|m1" {
		t.Fatalf("provider index %q after a found status, want it unchanged", got)
	}
	steps := []struct {
		status, want string
	}{
		{channels.StatusQueued, "3|sent|"},         // lower rank: kept
		{channels.StatusDelivered, "4|delivered|"}, // higher rank: replaces
	}
	for _, s := range steps {
		again, err := st.Sent(ctx, o, "SMx", s.status, "senders", "0-2")
		if err != nil || len(again) != 0 {
			t.Fatalf("record %s: parked %q, err %v; want none", s.status, again, err)
		}
		if got := r.Client.HGet(ctx, st.Keys().Status(conv), "m1").Val(); got != s.want {
			t.Fatalf("after %s the status is %q, want %q", s.status, got, s.want)
		}
	}
}

// A message counts as sent, so that a redelivered entry is not sent again,
// once a send was recorded for it or it was given up (a final failure);
// nothing else marks it, and each message of a conversation on its own.
func TestSendStatesSeeSentAndGivenUpMessages(t *testing.T) {
	r := redistest.New(t)
	st, ctx, conv := r.Store(), context.Background(), "+5511987650001"
	msg := func(id string) storage.Outbound {
		return storage.Outbound{Outbound: channels.Outbound{ID: id, Channel: channels.SMS, To: conv, ConversationID: conv}}
	}
	sentOnes := func() []bool {
		states, err := st.SendStates(ctx, []storage.Outbound{msg("m1"), msg("m2"), msg("m3")})
		if err != nil {
			t.Fatal(err)
		}
		return []bool{states[0].Sent, states[1].Sent, states[2].Sent}
	}
	if got := sentOnes(); !slices.Equal(got, []bool{false, false, false}) {
		t.Fatalf("before any send: %v", got)
	}
	if _, err := st.Sent(ctx, msg("m1"), "SM1", channels.StatusSent, "senders", "0-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetStatus(ctx, conv, "m3", channels.StatusFailed, "retries_exhausted"); err != nil {
		t.Fatal(err)
	}
	if got := sentOnes(); !slices.Equal(got, []bool{true, false, true}) {
		t.Fatalf("after m1 was sent and m3 given up: %v, want [true false true]", got)
	}
}
