package storage_test

import (
	"context"
	"slices"
	"testing"

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
		if err := st.ParkStatus(ctx, channels.SMS, "SMx", s, ""); err != nil {
			t.Fatal(err)
		}
	}
	parked, err := st.Sent(ctx, o, "SMx", channels.StatusSent, "senders", "0-1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"delivered|", "read|"}; !slices.Equal(parked, want) {
		t.Fatalf("parked statuses %q, want %q", parked, want)
	}
	if n := r.Client.Exists(ctx, st.Keys().ParkedStatus(channels.SMS, "SMx")).Val(); n != 0 {
		t.Fatal("the parked statuses were kept after being handed back")
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
