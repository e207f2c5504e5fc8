package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/quita-bot/quita/channels"
)

// wrote makes debtor write to us first, so the channel may answer.
func (h *harness) wrote(t *testing.T, from types.JID) {
	t.Helper()
	if !h.client.emit(msg("IN-"+from.User, dm(from), &waE2E.Message{Conversation: proto.String("oi")})) {
		t.Fatal("inbound not accepted")
	}
}

func permanentCode(err error) string {
	var pe *channels.PermanentError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestSendText(t *testing.T) {
	h := connected(t, Config{})
	h.wrote(t, debtorJID)
	res, err := h.c.Send(context.Background(), channels.Outbound{ID: "o1", To: debtor, Text: "Olá Maria! Sua parcela de R$ 150,00 vence amanhã."})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.client.sent) != 1 {
		t.Fatalf("sent %d messages, want 1", len(h.client.sent))
	}
	got := h.client.sent[0]
	want := &waE2E.Message{Conversation: proto.String("Olá Maria! Sua parcela de R$ 150,00 vence amanhã.")}
	if got.to != debtorJID || !proto.Equal(got.msg, want) {
		t.Fatalf("sent %v %v, want %v %v", got.to, got.msg, debtorJID, want)
	}
	if res.ProviderID != "3EB0SENT1" || res.Status != channels.StatusSent {
		t.Fatalf("result %+v", res)
	}
	if len(h.client.uploads) != 0 || h.client.isOnCalls != 0 {
		t.Fatalf("text to a number that wrote: %d uploads, %d IsOnWhatsApp calls, want none", len(h.client.uploads), h.client.isOnCalls)
	}
}

func TestSendRepliesToTheJIDThePersonWroteFrom(t *testing.T) {
	h := connected(t, Config{})
	h.wrote(t, legacyPN) // an account from before the ninth digit
	if _, err := h.c.Send(context.Background(), channels.Outbound{To: "+5511987650002", Text: "oi"}); err != nil {
		t.Fatal(err)
	}
	if to := h.client.sent[0].to; to != legacyPN {
		t.Fatalf("sent to %s, want %s", to, legacyPN)
	}
}

func TestSendBoletoDocument(t *testing.T) {
	h := connected(t, Config{})
	h.wrote(t, debtorJID)
	_, err := h.c.Send(context.Background(), channels.Outbound{ID: "o2", To: debtor,
		Attachments: []channels.Attachment{{Kind: channels.KindDocument, MediaID: "boleto-1", Caption: "Boleto da parcela 2/5"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.client.uploads) != 1 || h.client.uploads[0].mt != whatsmeow.MediaDocument || string(h.client.uploads[0].data) != "%PDF-1.4 boleto" {
		t.Fatalf("uploads %+v, want the PDF once as MediaDocument", h.client.uploads)
	}
	want := &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
		Caption:       proto.String("Boleto da parcela 2/5"),
		Mimetype:      proto.String("application/pdf"),
		Title:         proto.String("boleto-123.pdf"),
		FileName:      proto.String("boleto-123.pdf"),
		URL:           proto.String("https://mmg.whatsapp.net/v/t62/WhatsApp Document Keys"),
		DirectPath:    proto.String("/v/t62/WhatsApp Document Keys"),
		MediaKey:      []byte("media-key"),
		FileEncSHA256: []byte("enc-sha"),
		FileSHA256:    []byte("sha"),
		FileLength:    proto.Uint64(15),
	}}
	if len(h.client.sent) != 1 || !proto.Equal(h.client.sent[0].msg, want) {
		t.Fatalf("sent %v\nwant %v", h.client.sent, want)
	}
}

func TestSendPixQRImageWithTextAsCaption(t *testing.T) {
	h := connected(t, Config{})
	h.wrote(t, debtorJID)
	_, err := h.c.Send(context.Background(), channels.Outbound{ID: "o3", To: debtor, Text: "Pague com este PIX:",
		Attachments: []channels.Attachment{
			{Kind: channels.KindImage, MediaID: "pix-1"},
			{Kind: channels.KindDocument, MediaID: "boleto-1", Filename: "boleto.pdf"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.client.uploads) != 2 || h.client.uploads[0].mt != whatsmeow.MediaImage || h.client.uploads[1].mt != whatsmeow.MediaDocument {
		t.Fatalf("uploads %+v, want image then document", h.client.uploads)
	}
	wantImage := &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
		Caption:       proto.String("Pague com este PIX:"),
		Mimetype:      proto.String("image/png"),
		URL:           proto.String("https://mmg.whatsapp.net/v/t62/WhatsApp Image Keys"),
		DirectPath:    proto.String("/v/t62/WhatsApp Image Keys"),
		MediaKey:      []byte("media-key"),
		FileEncSHA256: []byte("enc-sha"),
		FileSHA256:    []byte("sha"),
		FileLength:    proto.Uint64(8),
	}}
	if len(h.client.sent) != 2 || !proto.Equal(h.client.sent[0].msg, wantImage) {
		t.Fatalf("first message %v\nwant %v", h.client.sent[0].msg, wantImage)
	}
	doc := h.client.sent[1].msg.GetDocumentMessage()
	if doc.GetFileName() != "boleto.pdf" || doc.Caption != nil {
		t.Fatalf("second message %v, want boleto.pdf without caption", h.client.sent[1].msg)
	}
}

func TestSendRetryDoesNotRepeatSentParts(t *testing.T) {
	h := connected(t, Config{})
	h.wrote(t, debtorJID)
	out := channels.Outbound{ID: "o4", To: debtor, Text: "Segue o boleto",
		Attachments: []channels.Attachment{{Kind: channels.KindDocument, MediaID: "missing"}}}
	if _, err := h.c.Send(context.Background(), out); err == nil || permanentCode(err) != "" {
		t.Fatalf("missing media: err %v, want a retryable error", err)
	}
	// The text is the document's caption, so nothing went out.
	if len(h.client.sent) != 0 {
		t.Fatalf("sent %d, want 0", len(h.client.sent))
	}
	out.Attachments = append(out.Attachments, channels.Attachment{Kind: channels.KindImage, MediaID: "pix-1"})
	out.Attachments[0].MediaID = "boleto-1"
	out.Attachments[1].MediaID = "gone"
	if _, err := h.c.Send(context.Background(), out); err == nil {
		t.Fatal("want the image part to fail")
	}
	out.Attachments[1].MediaID = "pix-1"
	if _, err := h.c.Send(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if n := len(h.client.sent); n != 2 {
		t.Fatalf("sent %d messages over the retries, want 2 (document once, then image)", n)
	}
}

func TestSendRefusals(t *testing.T) {
	t.Run("cold contact", func(t *testing.T) {
		h := connected(t, Config{})
		_, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "Olá"})
		if permanentCode(err) != CodeColdContact {
			t.Fatalf("err %v, want %s", err, CodeColdContact)
		}
		if len(h.client.sent) != 0 || h.client.isOnCalls != 0 {
			t.Fatal("a blocked cold contact reached WhatsApp")
		}
	})
	t.Run("cold contact allowed asks IsOnWhatsApp once", func(t *testing.T) {
		h := connected(t, Config{AllowColdContact: true})
		h.client.onWhatsApp[debtor] = debtorJID
		for range 2 {
			if _, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "Olá"}); err != nil {
				t.Fatal(err)
			}
		}
		if h.client.isOnCalls != 1 || len(h.client.sent) != 2 {
			t.Fatalf("%d IsOnWhatsApp calls, %d sent; want 1 and 2", h.client.isOnCalls, len(h.client.sent))
		}
	})
	t.Run("not on WhatsApp, cached", func(t *testing.T) {
		h := connected(t, Config{AllowColdContact: true})
		for range 2 {
			_, err := h.c.Send(context.Background(), channels.Outbound{To: "+5511912345678", Text: "Olá"})
			if permanentCode(err) != CodeNotOnWhatsApp {
				t.Fatalf("err %v, want %s", err, CodeNotOnWhatsApp)
			}
		}
		if h.client.isOnCalls != 1 {
			t.Fatalf("%d IsOnWhatsApp calls, want 1 (cached)", h.client.isOnCalls)
		}
		h.clock.Advance(notOnWhatsAppTTL)
		h.c.Send(context.Background(), channels.Outbound{To: "+5511912345678", Text: "Olá"})
		if h.client.isOnCalls != 2 {
			t.Fatal("a negative answer must be asked again after a day")
		}
	})
	t.Run("invalid number", func(t *testing.T) {
		h := connected(t, Config{})
		if _, err := h.c.Send(context.Background(), channels.Outbound{To: "12", Text: "x"}); permanentCode(err) != CodeInvalidNumber {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("video unsupported", func(t *testing.T) {
		h := connected(t, Config{})
		h.wrote(t, debtorJID)
		_, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Attachments: []channels.Attachment{{Kind: channels.KindVideo, MediaID: "v"}}})
		if permanentCode(err) != CodeUnsupported {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("not connected is retryable", func(t *testing.T) {
		h := start(t, Config{}, newFakeClient())
		_, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "x"})
		if !errors.Is(err, ErrNotConnected) || permanentCode(err) != "" {
			t.Fatalf("err %v, want ErrNotConnected", err)
		}
	})
}

func TestSendError463BansTheNumber(t *testing.T) {
	h := connected(t, Config{})
	h.wrote(t, debtorJID)
	h.client.sendErr = fmt.Errorf("%w %d", whatsmeow.ErrServerReturnedError, 463)
	var err error
	h.step(t, func() { _, err = h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "Olá"}) })
	if permanentCode(err) != CodeBanned {
		t.Fatalf("err %v, want %s", err, CodeBanned)
	}
	if h.c.State() != StateBanned {
		t.Fatalf("state %s, want banned", h.c.State())
	}
	if !sawState(h, StateBanned) {
		t.Fatal("alert hook not called with banned")
	}
	h.client.sendErr = nil
	if _, err := h.c.Send(context.Background(), channels.Outbound{To: debtor, Text: "Olá"}); permanentCode(err) != CodeBanned {
		t.Fatalf("while banned: err %v", err)
	}
	// After the cooldown the socket, still up, is trusted again.
	h.step(t, func() { h.clock.Advance(DefaultBanCooldown) })
	if h.c.State() != StateConnected {
		t.Fatalf("after the cooldown: state %s", h.c.State())
	}
}

func TestTyping(t *testing.T) {
	h := connected(t, Config{})
	h.wrote(t, legacyPN)
	ctx := context.Background()
	if err := h.c.Typing(ctx, "+5511987650002", true); err != nil {
		t.Fatal(err)
	}
	if err := h.c.Typing(ctx, "(11) 98765-0002", false); err != nil {
		t.Fatal(err)
	}
	want := []chatPresence{{legacyPN, types.ChatPresenceComposing}, {legacyPN, types.ChatPresencePaused}}
	if len(h.client.chatPresences) != 2 || h.client.chatPresences[0] != want[0] || h.client.chatPresences[1] != want[1] {
		t.Fatalf("chat presences %+v, want %+v", h.client.chatPresences, want)
	}
	if len(h.client.presences) != 1 || h.client.presences[0] != types.PresenceAvailable {
		t.Fatalf("presences %v: typing shows only after we are available", h.client.presences)
	}
}

// sawState drains the hook's record and reports whether s was among the states.
func sawState(h *harness, s State) bool {
	for {
		select {
		case got := <-h.states:
			if got == s {
				return true
			}
		default:
			return false
		}
	}
}
