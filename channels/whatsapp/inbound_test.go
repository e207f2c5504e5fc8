package whatsapp

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"go.mau.fi/whatsmeow/proto/waCommon"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"
	"google.golang.org/protobuf/proto"

	"github.com/quita-bot/quita/channels"
)

var (
	at       = t0.Add(-5 * time.Minute)
	lidJID   = types.NewJID("207340012345678", types.HiddenUserServer)
	legacyPN = types.NewJID("551187650002", types.DefaultUserServer) // registered before the ninth digit
)

// dm is the MessageSource of a direct message from jid's device 3, as whatsmeow parses it.
func dm(jid types.JID) types.MessageSource {
	return types.MessageSource{Chat: jid, Sender: types.NewADJID(jid.User, 0, 3)}
}

func msg(id string, src types.MessageSource, m *waE2E.Message) *events.Message {
	return &events.Message{
		Info:       types.MessageInfo{MessageSource: src, ID: types.MessageID(id), PushName: "Maria Souza", Timestamp: at, Type: "text"},
		Message:    m,
		RawMessage: m,
	}
}

func TestInboundNormalisation(t *testing.T) {
	base := channels.Inbound{Channel: channels.WhatsApp, From: debtor, To: ourPhone, ProfileName: "Maria Souza", At: at}
	with := func(f func(*channels.Inbound)) *channels.Inbound { in := base; f(&in); return &in }

	tests := []struct {
		name string
		evt  *events.Message
		want *channels.Inbound // nil: ignored
	}{
		{
			name: "conversation text",
			evt:  msg("3A01", dm(debtorJID), &waE2E.Message{Conversation: proto.String("Oi, quero pagar")}),
			want: with(func(in *channels.Inbound) { in.ProviderID, in.Text = "3A01", "Oi, quero pagar" }),
		},
		{
			name: "extended text replying to our message",
			evt: msg("3A02", dm(debtorJID), &waE2E.Message{ExtendedTextMessage: &waE2E.ExtendedTextMessage{
				Text: proto.String("Pode ser em 3x?"),
				ContextInfo: &waE2E.ContextInfo{
					StanzaID:      proto.String("3EB0OURS"),
					Participant:   proto.String(ourJID.String()),
					QuotedMessage: &waE2E.Message{Conversation: proto.String("Sua parcela vence amanhã")},
				},
			}}),
			want: with(func(in *channels.Inbound) {
				in.ProviderID, in.Text, in.ReplyTo = "3A02", "Pode ser em 3x?", "3EB0OURS"
			}),
		},
		{
			name: "image with caption",
			evt: msg("3A03", dm(debtorJID), &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
				Caption: proto.String("comprovante"), Mimetype: proto.String("image/jpeg"),
				URL: proto.String("https://mmg.whatsapp.net/o1/v/abc"), DirectPath: proto.String("/o1/v/abc"),
				MediaKey: []byte("k"), FileLength: proto.Uint64(48211),
			}}),
			want: with(func(in *channels.Inbound) {
				in.ProviderID, in.Text = "3A03", "comprovante"
				in.Attachments = []channels.Attachment{{Kind: channels.KindImage, ContentType: "image/jpeg"}}
			}),
		},
		{
			name: "document",
			evt: msg("3A04", dm(debtorJID), &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
				FileName: proto.String("comprovante-pix.pdf"), Title: proto.String("comprovante-pix.pdf"),
				Mimetype: proto.String("application/pdf"), PageCount: proto.Uint32(1),
			}}),
			want: with(func(in *channels.Inbound) {
				in.ProviderID = "3A04"
				in.Attachments = []channels.Attachment{{Kind: channels.KindDocument, ContentType: "application/pdf", Filename: "comprovante-pix.pdf"}}
			}),
		},
		{
			name: "voice note (audio PTT)",
			evt: msg("3A05", dm(debtorJID), &waE2E.Message{AudioMessage: &waE2E.AudioMessage{
				PTT: proto.Bool(true), Seconds: proto.Uint32(7), Mimetype: proto.String("audio/ogg; codecs=opus"),
			}}),
			want: with(func(in *channels.Inbound) {
				in.ProviderID = "3A05"
				in.Attachments = []channels.Attachment{{Kind: channels.KindAudio, ContentType: "audio/ogg; codecs=opus"}}
			}),
		},
		{
			name: "from a LID, phone from whatsmeow's LID map",
			evt: msg("3A06", types.MessageSource{Chat: lidJID, Sender: types.NewADJID(lidJID.User, 0, 0), AddressingMode: types.AddressingModeLID},
				&waE2E.Message{Conversation: proto.String("sou eu de novo")}),
			want: with(func(in *channels.Inbound) {
				in.From, in.ProviderID, in.Text = "+5511987650002", "3A06", "sou eu de novo"
			}),
		},
		{
			name: "from a LID, phone from the message's alternative address",
			evt: msg("3A07", types.MessageSource{Chat: types.NewJID("207340099999999", types.HiddenUserServer),
				Sender: types.NewJID("207340099999999", types.HiddenUserServer), SenderAlt: types.NewJID("5521998887777", types.DefaultUserServer)},
				&waE2E.Message{Conversation: proto.String("oi")}),
			want: with(func(in *channels.Inbound) { in.From, in.ProviderID, in.Text = "+5521998887777", "3A07", "oi" }),
		},
		{
			name: "legacy 8-digit mobile JID maps to the 9-digit debtor",
			evt:  msg("3A08", dm(legacyPN), &waE2E.Message{Conversation: proto.String("ok")}),
			want: with(func(in *channels.Inbound) { in.From, in.ProviderID, in.Text = "+5511987650002", "3A08", "ok" }),
		},
		{
			name: "IsFromMe: a person answered from the paired phone",
			evt: msg("3A09", types.MessageSource{Chat: debtorJID, Sender: types.NewADJID(ourJID.User, 0, 0), IsFromMe: true},
				&waE2E.Message{Conversation: proto.String("Oi Maria, aqui é a Ana do financeiro")}),
			want: with(func(in *channels.Inbound) {
				in.ProviderID, in.Text, in.FromMe, in.ProfileName = "3A09", "Oi Maria, aqui é a Ana do financeiro", true, ""
			}),
		},
		{
			name: "group message ignored",
			evt: msg("3A10", types.MessageSource{Chat: types.NewJID("120363025246125888", types.GroupServer), Sender: debtorJID, IsGroup: true},
				&waE2E.Message{Conversation: proto.String("bom dia grupo")}),
		},
		{
			name: "status broadcast ignored",
			evt: msg("3A11", types.MessageSource{Chat: types.StatusBroadcastJID, Sender: debtorJID, IsGroup: true},
				&waE2E.Message{ImageMessage: &waE2E.ImageMessage{Caption: proto.String("meu status"), Mimetype: proto.String("image/jpeg")}}),
		},
		{
			name: "reaction ignored",
			evt: msg("3A12", dm(debtorJID), &waE2E.Message{ReactionMessage: &waE2E.ReactionMessage{
				Text: proto.String("👍"), Key: &waCommon.MessageKey{ID: proto.String("3EB0OURS")},
			}}),
		},
		{
			name: "note to self ignored",
			evt: msg("3A13", types.MessageSource{Chat: ourJID, Sender: types.NewADJID(ourJID.User, 0, 0), IsFromMe: true},
				&waE2E.Message{Conversation: proto.String("lembrar")}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := newFakeClient()
			client.lidPN[lidJID] = legacyPN
			h := start(t, Config{}, client)
			if ok := client.emit(tt.evt); !ok {
				t.Fatal("handler reported failure")
			}
			accepted := h.sink.accepted
			if tt.want == nil {
				if len(accepted) != 0 {
					t.Fatalf("accepted %+v, want it ignored", accepted)
				}
				if n := len(client.reads); n != 0 {
					t.Fatalf("%d read receipts for an ignored message", n)
				}
				return
			}
			if len(accepted) != 1 || !reflect.DeepEqual(accepted[0], *tt.want) {
				t.Fatalf("accepted\n%+v\nwant\n%+v", accepted, *tt.want)
			}
		})
	}
}

func TestLIDAndPhoneAreOneDebtor(t *testing.T) {
	client := newFakeClient()
	client.lidPN[lidJID] = legacyPN
	lids := NewMemory()
	h := start(t, Config{}, client, WithLIDMap(lids), WithContacts(lids))

	client.emit(msg("L1", dm(lidJID), &waE2E.Message{Conversation: proto.String("oi")}))
	if p, _ := lids.PhoneForLID(context.Background(), lidJID.String()); p != "+5511987650002" {
		t.Fatalf("our LID map has %q for %s", p, lidJID)
	}
	// whatsmeow forgets; our map still knows.
	client.mu.Lock()
	delete(client.lidPN, lidJID)
	client.mu.Unlock()
	client.emit(msg("L2", dm(lidJID), &waE2E.Message{Conversation: proto.String("de novo")}))
	client.emit(msg("L3", dm(legacyPN), &waE2E.Message{Conversation: proto.String("pelo número")}))
	for i, in := range h.sink.accepted {
		if in.From != "+5511987650002" {
			t.Errorf("message %d from %q, want one debtor +5511987650002", i, in.From)
		}
	}
	if len(h.sink.accepted) != 3 {
		t.Fatalf("accepted %d messages, want 3", len(h.sink.accepted))
	}

	// A phone-number message that carries the LID teaches the map too.
	other := types.NewJID("207340011111111", types.HiddenUserServer)
	src := dm(debtorJID)
	src.SenderAlt = other
	client.emit(msg("L4", src, &waE2E.Message{Conversation: proto.String("oi")}))
	if p, _ := lids.PhoneForLID(context.Background(), other.String()); p != debtor {
		t.Fatalf("LID learnt from SenderAlt: %q, want %s", p, debtor)
	}
}

func TestUnknownLIDIsDroppedNotRetried(t *testing.T) {
	h := start(t, Config{}, newFakeClient())
	if ok := h.client.emit(msg("U1", dm(lidJID), &waE2E.Message{Conversation: proto.String("oi")})); !ok {
		t.Fatal("an unmappable sender must be acknowledged, not redelivered forever")
	}
	if len(h.sink.accepted) != 0 {
		t.Fatalf("accepted %+v without a phone", h.sink.accepted)
	}
}

func TestReadReceiptOnlyAfterAccept(t *testing.T) {
	h := start(t, Config{}, newFakeClient())
	evt := msg("R1", dm(debtorJID), &waE2E.Message{Conversation: proto.String("oi")})
	if !h.client.emit(evt) {
		t.Fatal("handler failed")
	}
	if len(h.client.reads) != 1 {
		t.Fatalf("%d read receipts, want 1", len(h.client.reads))
	}
	r := h.client.reads[0]
	if !reflect.DeepEqual(r.ids, []types.MessageID{"R1"}) || r.chat != debtorJID || r.sender != evt.Info.Sender {
		t.Fatalf("read receipt %+v", r)
	}
	if h.sink.readsAtAccept[0] != 0 {
		t.Fatal("read receipt sent before the sink accepted")
	}

	// The sink fails: no receipt, and the message stays unacknowledged for redelivery.
	h.sink.acceptErr = errors.New("redis down")
	if h.client.emit(msg("R2", dm(debtorJID), &waE2E.Message{Conversation: proto.String("alô?")})) {
		t.Fatal("handler reported success although the sink refused; WhatsApp would not redeliver")
	}
	if len(h.client.reads) != 1 {
		t.Fatalf("%d read receipts after a refused message, want still 1", len(h.client.reads))
	}

	// IsFromMe messages are ours: no receipt.
	h.sink.acceptErr = nil
	h.client.emit(msg("R3", types.MessageSource{Chat: debtorJID, Sender: ourJID, IsFromMe: true}, &waE2E.Message{Conversation: proto.String("oi")}))
	if len(h.client.reads) != 1 {
		t.Fatal("read receipt sent for our own message")
	}
}

func TestDeliveryReceiptsBecomeStatuses(t *testing.T) {
	h := start(t, Config{}, newFakeClient())
	h.client.emit(&events.Receipt{MessageSource: dm(debtorJID), MessageIDs: []types.MessageID{"3EB0A", "3EB0B"}, Timestamp: at, Type: types.ReceiptTypeDelivered})
	h.client.emit(&events.Receipt{MessageSource: dm(debtorJID), MessageIDs: []types.MessageID{"3EB0A"}, Timestamp: at, Type: types.ReceiptTypeRead})
	h.client.emit(&events.Receipt{MessageSource: types.MessageSource{Chat: debtorJID, Sender: ourJID, IsFromMe: true}, MessageIDs: []types.MessageID{"X"}, Type: types.ReceiptTypeSender})
	want := []channels.StatusUpdate{
		{Channel: channels.WhatsApp, ProviderID: "3EB0A", Status: channels.StatusDelivered, At: at},
		{Channel: channels.WhatsApp, ProviderID: "3EB0B", Status: channels.StatusDelivered, At: at},
		{Channel: channels.WhatsApp, ProviderID: "3EB0A", Status: channels.StatusRead, At: at},
	}
	if !reflect.DeepEqual(h.sink.statuses, want) {
		t.Fatalf("statuses\n%+v\nwant\n%+v", h.sink.statuses, want)
	}
}
