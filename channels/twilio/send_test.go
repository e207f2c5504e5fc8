package twilio

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/channeltest"
)

func newSendTwilio(t *testing.T, edit func(*Config)) (*Twilio, *fakeTwilio) {
	t.Helper()
	fake := newFakeTwilio(t)
	tw := newTestTwilio(t, func(c *Config) {
		c.APIURL = fake.srv.URL
		if edit != nil {
			edit(c)
		}
	})
	return tw, fake
}

const statusCallback = testPublic + "/webhooks/twilio/status"

// TestSendRequests checks the bytes twilio-go's CreateMessage puts on the
// wire for each kind of message.
func TestSendRequests(t *testing.T) {
	boleto := channels.Attachment{Kind: channels.KindDocument, MediaID: "boleto-123", Filename: "boleto.pdf"}
	pix := channels.Attachment{Kind: channels.KindImage, MediaID: "pix-qr-9", Caption: "QR do PIX"}
	tests := []struct {
		name    string
		edit    func(*Config)
		msg     channels.Outbound
		want    []map[string][]string // one form per Twilio message
		wantRaw string                // the first body, byte for byte, when set
	}{
		{
			name: "SMS text",
			msg:  channels.Outbound{ID: "o1", Channel: channels.SMS, To: "+55 (11) 98765-0001", Text: "Oi, Ana! Sua parcela vence sexta."},
			want: []map[string][]string{{
				"To": {"+5511987650001"}, "From": {"+5511933330000"}, "Body": {"Oi, Ana! Sua parcela vence sexta."},
				"StatusCallback": {statusCallback},
			}},
			wantRaw: "Body=Oi%2C+Ana%21+Sua+parcela+vence+sexta.&From=%2B5511933330000" +
				"&StatusCallback=https%3A%2F%2Fquita.example.com%2Fwebhooks%2Ftwilio%2Fstatus&To=%2B5511987650001",
		},
		{
			name: "WhatsApp boleto document",
			msg:  channels.Outbound{ID: "o2", Channel: channels.TwilioWhatsApp, To: "11987650001", Text: "Aqui está o seu boleto.", Attachments: []channels.Attachment{boleto}},
			want: []map[string][]string{{
				"To": {"whatsapp:+5511987650001"}, "From": {"whatsapp:+14155238886"}, "Body": {"Aqui está o seu boleto."},
				"MediaUrl": {"https://quita.example.com/media/boleto-123?exp=1795000000&sig=c2lnbmVk"}, "StatusCallback": {statusCallback},
			}},
			wantRaw: "Body=Aqui+est%C3%A1+o+seu+boleto.&From=whatsapp%3A%2B14155238886" +
				"&MediaUrl=https%3A%2F%2Fquita.example.com%2Fmedia%2Fboleto-123%3Fexp%3D1795000000%26sig%3Dc2lnbmVk" +
				"&StatusCallback=https%3A%2F%2Fquita.example.com%2Fwebhooks%2Ftwilio%2Fstatus&To=whatsapp%3A%2B5511987650001",
		},
		{
			name: "WhatsApp: one media per message, the second with its caption",
			msg:  channels.Outbound{ID: "o3", Channel: channels.TwilioWhatsApp, To: "+5511987650001", Text: "Boleto e PIX:", Attachments: []channels.Attachment{boleto, pix}},
			want: []map[string][]string{
				{"To": {"whatsapp:+5511987650001"}, "From": {"whatsapp:+14155238886"}, "Body": {"Boleto e PIX:"},
					"MediaUrl": {"https://quita.example.com/media/boleto-123?exp=1795000000&sig=c2lnbmVk"}, "StatusCallback": {statusCallback}},
				{"To": {"whatsapp:+5511987650001"}, "From": {"whatsapp:+14155238886"}, "Body": {"QR do PIX"},
					"MediaUrl": {"https://quita.example.com/media/pix-qr-9?exp=1795000000&sig=c2lnbmVk"}, "StatusCallback": {statusCallback}},
			},
		},
		{
			name: "SMS to the US: MMS with media URLs",
			msg:  channels.Outbound{ID: "o4", Channel: channels.SMS, To: "+1 415 555 0100", Text: "Your statement", Attachments: []channels.Attachment{boleto, pix}},
			want: []map[string][]string{{
				"To": {"+14155550100"}, "From": {"+5511933330000"}, "Body": {"Your statement"}, "StatusCallback": {statusCallback},
				"MediaUrl": {"https://quita.example.com/media/boleto-123?exp=1795000000&sig=c2lnbmVk", "https://quita.example.com/media/pix-qr-9?exp=1795000000&sig=c2lnbmVk"},
			}},
		},
		{
			name: "SMS to Brazil: no MMS, the link goes in the text",
			msg:  channels.Outbound{ID: "o5", Channel: channels.SMS, To: "+5511987650001", Text: "Segunda via do boleto:", Attachments: []channels.Attachment{boleto}},
			want: []map[string][]string{{
				"To": {"+5511987650001"}, "From": {"+5511933330000"}, "StatusCallback": {statusCallback},
				"Body": {"Segunda via do boleto:\nhttps://quita.example.com/media/boleto-123?exp=1795000000&sig=c2lnbmVk"},
			}},
		},
		{
			name: "SMS through a Messaging Service",
			edit: func(c *Config) { c.From = "MG0123456789abcdef0123456789abcdef" },
			msg:  channels.Outbound{ID: "o6", Channel: channels.SMS, To: "+5511987650001", Text: "Oi!"},
			want: []map[string][]string{{
				"To": {"+5511987650001"}, "MessagingServiceSid": {"MG0123456789abcdef0123456789abcdef"}, "Body": {"Oi!"}, "StatusCallback": {statusCallback},
			}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tw, fake := newSendTwilio(t, tc.edit)
			res, err := tw.ChannelFor(tc.msg.Channel).Send(context.Background(), tc.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := fake.recorded()
			if len(got) != len(tc.want) {
				t.Fatalf("%d CreateMessage requests, want %d", len(got), len(tc.want))
			}
			for i, w := range tc.want {
				if !reflect.DeepEqual(map[string][]string(got[i].Form), w) {
					t.Errorf("request %d:\n got %v\nwant %v", i, got[i].Form, w)
				}
			}
			if tc.wantRaw != "" && got[0].Raw != tc.wantRaw {
				t.Errorf("raw body:\n got %s\nwant %s", got[0].Raw, tc.wantRaw)
			}
			last := got[len(got)-1]
			if res != (channels.SendResult{ProviderID: last.Sid, Status: channels.StatusQueued}) {
				t.Errorf("result %+v, want the last message %s queued", res, last.Sid)
			}
		})
	}
}

// TestSendThenStatusCallbacks: the fake API plays Twilio's status
// callbacks back, signed, to the StatusCallback URL quita gave it.
func TestSendThenStatusCallbacks(t *testing.T) {
	tw, fake := newSendTwilio(t, nil)
	sink := &fakeSink{}
	app := newTestApp(tw, sink)
	res, err := tw.ChannelFor(channels.TwilioWhatsApp).Send(context.Background(),
		channels.Outbound{ID: "o1", To: "+5511987650001", Text: "Oi, Ana!"})
	if err != nil {
		t.Fatal(err)
	}
	rec := fake.recorded()[0]
	for _, s := range []struct{ status, code string }{{"queued", ""}, {"sent", ""}, {"delivered", ""}, {"read", ""}, {"failed", "63016"}} {
		if code := fake.playStatus(t, app, rec, s.status, s.code); code != http.StatusNoContent {
			t.Fatalf("status %s: webhook answered %d", s.status, code)
		}
	}
	want := []channels.StatusUpdate{
		{Channel: channels.TwilioWhatsApp, ProviderID: res.ProviderID, Status: channels.StatusQueued, At: testNow},
		{Channel: channels.TwilioWhatsApp, ProviderID: res.ProviderID, Status: channels.StatusSent, At: testNow},
		{Channel: channels.TwilioWhatsApp, ProviderID: res.ProviderID, Status: channels.StatusDelivered, At: testNow},
		{Channel: channels.TwilioWhatsApp, ProviderID: res.ProviderID, Status: channels.StatusRead, At: testNow},
		{Channel: channels.TwilioWhatsApp, ProviderID: res.ProviderID, Status: channels.StatusFailed, ErrorCode: "63016", At: testNow},
	}
	if !reflect.DeepEqual(sink.Statuses, want) {
		t.Errorf("UpdateStatus got\n%+v\nwant\n%+v", sink.Statuses, want)
	}

	// The same callback signed with the wrong token changes nothing.
	fake.token = "0000000000000000000000000000dead"
	if code := fake.playStatus(t, app, rec, "delivered", ""); code != http.StatusForbidden {
		t.Errorf("forged status callback: got %d, want 403", code)
	}
	if len(sink.Statuses) != len(want) {
		t.Errorf("a forged status callback reached the sink")
	}
}

// TestAPIURLWithPath: TWILIO_API_URL may carry a path (a gateway); the
// SDK's path is appended to it.
func TestAPIURLWithPath(t *testing.T) {
	fake := newFakeTwilio(t)
	tw := newTestTwilio(t, func(c *Config) { c.APIURL = fake.srv.URL + "/gateway/twilio/" })
	if _, err := tw.Send(context.Background(), channels.Outbound{Channel: channels.SMS, To: "+5511987650001", Text: "Oi"}); err != nil {
		t.Fatalf("Send through a gateway path: %v", err)
	}
	want := "/gateway/twilio/2010-04-01/Accounts/" + testSID + "/Messages.json"
	if got := fake.recorded(); len(got) != 1 || got[0].Path != want {
		t.Errorf("requests %+v, want one to %s", got, want)
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		failure   fakeFailure
		permanent string // expected PermanentError.Code; "" means retryable
	}{
		{"invalid To number", fakeFailure{status: 400, code: 21211}, "21211"},
		{"unsubscribed recipient (STOP)", fakeFailure{status: 400, code: 21610}, "21610"},
		{"not found", fakeFailure{status: 404, code: 20404}, "20404"},
		{"too many requests", fakeFailure{status: 429, code: 20429}, ""},
		{"internal server error", fakeFailure{status: 500, code: 20500}, ""},
		{"bad gateway, not JSON", fakeFailure{status: 502, body: "<html>502 Bad Gateway</html>"}, ""},
		{"service unavailable", fakeFailure{status: 503, code: 20503}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tw, fake := newSendTwilio(t, nil)
			fake.failFor("+5511987650001", tc.failure)
			_, err := tw.Send(context.Background(), channels.Outbound{ID: "o1", Channel: channels.SMS, To: "+5511987650001", Text: "Oi"})
			channeltest.CheckFailure(t, err, tc.permanent)
		})
	}
}

func TestSendWrongCredentialsIsRetryable(t *testing.T) {
	tw, fake := newSendTwilio(t, nil)
	fake.token = "0000000000000000000000000000dead"
	_, err := tw.Send(context.Background(), channels.Outbound{ID: "o1", Channel: channels.SMS, To: "+5511987650001", Text: "Oi"})
	var perm *channels.PermanentError
	if err == nil || errors.As(err, &perm) || !strings.Contains(err.Error(), "TWILIO_AUTH_TOKEN") {
		t.Errorf("got %v, want a retryable error that names TWILIO_AUTH_TOKEN", err)
	}
}

func TestSendRefusedBeforeTheAPI(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		msg  channels.Outbound
		code string
	}{
		{"number that is no number", nil, channels.Outbound{Channel: channels.SMS, To: "ana", Text: "Oi"}, "invalid_number"},
		{"nothing to send", nil, channels.Outbound{Channel: channels.SMS, To: "+5511987650001"}, "empty_message"},
		{"template without a content SID", nil, channels.Outbound{Channel: channels.TwilioWhatsApp, To: "+5511987650001",
			Template: &channels.Template{Name: "lembrete", Language: "pt_BR"}}, channels.CodeTemplateNeeded},
		{"attachment without media", nil, channels.Outbound{Channel: channels.SMS, To: "+5511987650001",
			Attachments: []channels.Attachment{{Kind: channels.KindDocument}}}, "attachment_without_media"},
		{"WhatsApp not configured", func(c *Config) { c.WhatsAppFrom = "" },
			channels.Outbound{Channel: channels.TwilioWhatsApp, To: "+5511987650001", Text: "Oi"}, "channel_not_configured"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tw, fake := newSendTwilio(t, tc.edit)
			_, err := tw.Send(context.Background(), tc.msg)
			var perm *channels.PermanentError
			if !errors.As(err, &perm) || perm.Code != tc.code {
				t.Errorf("got %v, want PermanentError %s", err, tc.code)
			}
			if n := len(fake.recorded()); n != 0 {
				t.Errorf("%d requests reached the API", n)
			}
		})
	}
}

func TestSendHonoursContext(t *testing.T) {
	tw, fake := newSendTwilio(t, nil)
	fake.block = make(chan struct{})
	defer close(fake.block)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tw.Send(ctx, channels.Outbound{Channel: channels.SMS, To: "+5511987650001", Text: "Oi"})
	var perm *channels.PermanentError
	if err == nil || errors.As(err, &perm) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want a retryable deadline error", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Send took %v after its context ended", d)
	}
}

func TestChannelFor(t *testing.T) {
	tw := newTestTwilio(t, func(c *Config) { c.WhatsAppFrom = "" })
	if c := tw.ChannelFor(channels.SMS); c == nil || c.Name() != channels.SMS {
		t.Errorf("ChannelFor(sms) = %v", c)
	}
	if c := tw.ChannelFor(channels.TwilioWhatsApp); c != nil {
		t.Errorf("ChannelFor(twilio_whatsapp) = %v without TWILIO_WHATSAPP_FROM, want nil", c)
	}
	if c := tw.ChannelFor(channels.WhatsAppCloud); c != nil {
		t.Errorf("ChannelFor(whatsapp_cloud) = %v, want nil", c)
	}
	if n := len(newTestTwilio(t, nil).Channels()); n != 2 {
		t.Errorf("Channels() has %d, want 2", n)
	}
}

func TestNewConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string // each must appear in the error
	}{
		{"valid", func(*Config) {}, nil},
		{"everything missing", func(c *Config) { *c = Config{} }, []string{
			"TWILIO_ACCOUNT_SID is empty", "TWILIO_AUTH_TOKEN is empty", "TWILIO_FROM", "TWILIO_WHATSAPP_FROM", "QUITA_PUBLIC_URL is empty"}},
		{"account SID of the wrong kind", func(c *Config) { c.AccountSID = "SK0123456789abcdef0123456789abcdef" }, []string{"TWILIO_ACCOUNT_SID", "starts with AC"}},
		{"token with symbols", func(c *Config) { c.AuthToken = "abc/def" }, []string{"TWILIO_AUTH_TOKEN"}},
		{"SMS sender that is no number", func(c *Config) { c.From = "whatsapp:+14155238886" }, []string{"TWILIO_FROM", "+5511987650001"}},
		{"WhatsApp sender that is no number", func(c *Config) { c.WhatsAppFrom = "whatsapp:loja" }, []string{"TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886"}},
		{"API URL without scheme", func(c *Config) { c.APIURL = "localhost:8080" }, []string{"TWILIO_API_URL"}},
		{"public URL relative", func(c *Config) { c.PublicURL = "/quita" }, []string{"QUITA_PUBLIC_URL", "https://quita.example.com"}},
		{"negative body limit", func(c *Config) { c.MaxBody = -1 }, []string{"body limit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{AccountSID: testSID, AuthToken: testToken, From: "+5511933330000", PublicURL: testPublic}
			tc.edit(&cfg)
			_, err := New(cfg, fakeMedia{}, quietLog())
			channeltest.CheckConfigError(t, err, tc.want)
		})
	}
}
