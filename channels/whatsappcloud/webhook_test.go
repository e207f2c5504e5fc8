package whatsappcloud

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/channeltest"
)

func TestVerificationHandshake(t *testing.T) {
	tests := []struct {
		name  string
		query url.Values
		code  int
		body  string
	}{
		{"right token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1158201444"}}, 200, "1158201444"},
		{"wrong token", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1158201444"}}, 403, ""},
		{"token prefix", url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {testVerify[:5]}, "hub.challenge": {"1"}}, 403, ""},
		{"wrong mode", url.Values{"hub.mode": {"unsubscribe"}, "hub.verify_token": {testVerify}, "hub.challenge": {"1"}}, 403, ""},
		{"nothing", url.Values{}, 403, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := newTestApp(newTestCloud(t, testConfig(), nil), &fakeSink{})
			code, body := do(t, app, httptest.NewRequest(http.MethodGet, WebhookPath+"?"+tc.query.Encode(), nil))
			if code != tc.code || (tc.code == 200 && body != tc.body) {
				t.Errorf("got %d %q, want %d %q", code, body, tc.code, tc.body)
			}
		})
	}
}

func TestWebhookFixtures(t *testing.T) {
	at := func(unix int64) time.Time { return time.Unix(unix, 0).UTC() }
	in := func(id string, unix int64, text string) channels.Inbound {
		return channels.Inbound{Channel: channels.WhatsAppCloud, From: "+5511987650001", To: "+5511933330000",
			Text: text, ProviderID: id, ProfileName: "Ana Souza", At: at(unix)}
	}
	withAttachment := func(m channels.Inbound, a channels.Attachment) channels.Inbound {
		m.Attachments = []channels.Attachment{a}
		return m
	}
	replyTo := func(m channels.Inbound, id string) channels.Inbound { m.ReplyTo = id; return m }
	withPayload := func(m channels.Inbound, p string) channels.Inbound { m.Payload = p; return m }
	tests := []struct {
		fixture  string
		inbound  []channels.Inbound
		statuses []channels.StatusUpdate
	}{
		{"text_message.json", []channels.Inbound{
			in("wamid.HBgNNTUxMTk4NzY1MDAwMRUCABIYFDNBNEE2NTk5QUVFMDM4MTAxNDRGAA==", 1764167400, "Oi! Já paguei a parcela de novembro."),
		}, nil},
		{"image_message.json", []channels.Inbound{withAttachment(
			in("wamid.HBgNNTUxMTk4NzY1MDAwMRUCABIYFDNBMDI3NjA5Q0JDMUVGRjQ2RjlFAA==", 1764167460, "Segue o comprovante"),
			channels.Attachment{Kind: channels.KindImage, ContentType: "image/jpeg", MediaID: "1003383421387256",
				URL: "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1003383421387256&ext=1764167460&hash=ATu"}),
		}, nil},
		{"audio_voice_message.json", []channels.Inbound{withAttachment( // wa_id without the ninth digit
			in("wamid.HBgNNTUxMTg3NjUwMDAxFQIAEhgUM0E5QkM3NEU1REE3RjY2MDk0NjUA", 1764167520, ""),
			channels.Attachment{Kind: channels.KindAudio, ContentType: "audio/ogg; codecs=opus", MediaID: "2231455497337364"}),
		}, nil},
		{"document_message.json", []channels.Inbound{withAttachment(
			in("wamid.HBgNNTUxMTk4NzY1MDAwMRUCABIYFDNBRjE0MDlBMzhFQkI1QUE0OTcyAA==", 1764167580, "comprovante do PIX"),
			channels.Attachment{Kind: channels.KindDocument, ContentType: "application/pdf", Filename: "comprovante.pdf", MediaID: "1142592197483620"}),
		}, nil},
		{"interactive_button_reply.json", []channels.Inbound{withPayload(replyTo(
			in("wamid.HBgNNTUxMTk4NzY1MDAwMRUCABIYFDNBNjQwQjQ4MkE0NDk3NjM5QzVDAA==", 1764167640, "Parcelar em 3x"),
			"wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEjdDNUQ4RTkzOEI5QzJGNkMxMAA="), "plan_3x"),
		}, nil},
		{"interactive_list_reply.json", []channels.Inbound{withPayload(replyTo(
			in("wamid.HBgNNTUxMTk4NzY1MDAwMRUCABIYFDNBMTk2NTY2RDQ3QzlFOEI0NzNEAA==", 1764167700, "Pagar com PIX"),
			"wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEjQ0QjlGQkQ2RjA3OTk5NkUxNQA="), "pay_pix"),
		}, nil},
		{"button_message.json", []channels.Inbound{withPayload(replyTo(
			in("wamid.HBgNNTUxMTk4NzY1MDAwMRUCABIYFDNBNUI5NjE0RjMxMzRDMUM3RDBFAA==", 1764167760, "Quero o boleto"),
			"wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEkFCMTZEM0Q2NjRGMzU2NkU3MQA="), "send_boleto"),
		}, nil},
		{"reaction_message.json", nil, nil}, // acknowledged, not a message to answer
		{"status_delivered.json", nil, []channels.StatusUpdate{{Channel: channels.WhatsAppCloud,
			ProviderID: "wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEjdDNUQ4RTkzOEI5QzJGNkMxMAA=", Status: channels.StatusDelivered, At: at(1764167405)}}},
		{"status_read.json", nil, []channels.StatusUpdate{{Channel: channels.WhatsAppCloud,
			ProviderID: "wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEjdDNUQ4RTkzOEI5QzJGNkMxMAA=", Status: channels.StatusRead, At: at(1764167410)}}},
		{"status_failed.json", nil, []channels.StatusUpdate{{Channel: channels.WhatsAppCloud,
			ProviderID: "wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEjQ0QjlGQkQ2RjA3OTk5NkUxNQA=", Status: channels.StatusFailed, At: at(1764254000),
			ErrorCode:    "131047",
			ErrorMessage: "Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}},
		{"batch.json", []channels.Inbound{
			{Channel: channels.WhatsAppCloud, From: "+16505551234", To: "+5511933330000", Text: "Can I pay next week?",
				ProviderID: "wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUU1MkY1NkUwQzRFNDlBQjA0NwA=", ProfileName: "John Smith", At: at(1764167900)},
			in("wamid.HBgNNTUxMTk4NzY1MDAwMRUCABIYFDNBQjgxRjBGRjU2QkI3NEY1M0U2AA==", 1764167901, "Obrigada!"),
		}, []channels.StatusUpdate{{Channel: channels.WhatsAppCloud,
			ProviderID: "wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEjdDNUQ4RTkzOEI5QzJGNkMxMAA=", Status: channels.StatusSent, At: at(1764167902)}}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			sink := &fakeSink{}
			app := newTestApp(newTestCloud(t, testConfig(), nil), sink)
			if code, body := do(t, app, signedPost(testSecret, fixture(t, tc.fixture))); code != http.StatusOK {
				t.Fatalf("got %d %q, want 200", code, body)
			}
			if !reflect.DeepEqual(sink.Inbound, tc.inbound) {
				t.Errorf("Accept got\n%+v\nwant\n%+v", sink.Inbound, tc.inbound)
			}
			if !reflect.DeepEqual(sink.Statuses, tc.statuses) {
				t.Errorf("UpdateStatus got\n%+v\nwant\n%+v", sink.Statuses, tc.statuses)
			}
		})
	}
}

func TestRejectedWebhooks(t *testing.T) {
	body := fixture(t, "text_message.json")
	tests := []struct {
		name string
		req  func() *http.Request
		want int
	}{
		{"missing signature", func() *http.Request {
			r := signedPost(testSecret, body)
			r.Header.Del("X-Hub-Signature-256")
			return r
		}, http.StatusForbidden},
		{"signed with another secret", func() *http.Request { return signedPost("not-the-app-secret", body) }, http.StatusForbidden},
		{"body changed after signing", func() *http.Request {
			r := signedPost(testSecret, body)
			r2 := httptest.NewRequest(http.MethodPost, WebhookPath, bytes.NewReader(bytes.Replace(body, []byte("novembro"), []byte("dezembro"), 1)))
			r2.Header = r.Header.Clone()
			return r2
		}, http.StatusForbidden},
		{"hex without the sha256= prefix", func() *http.Request {
			r := signedPost(testSecret, body)
			r.Header.Set("X-Hub-Signature-256", strings.TrimPrefix(r.Header.Get("X-Hub-Signature-256"), "sha256="))
			return r
		}, http.StatusForbidden},
		{"SHA-1 signature only (X-Hub-Signature)", func() *http.Request {
			r := signedPost(testSecret, body)
			r.Header.Set("X-Hub-Signature", "sha1="+strings.Repeat("0", 40))
			r.Header.Del("X-Hub-Signature-256")
			return r
		}, http.StatusForbidden},
		{"signature not hex", func() *http.Request {
			r := signedPost(testSecret, body)
			r.Header.Set("X-Hub-Signature-256", "sha256=zz")
			return r
		}, http.StatusForbidden},
		{"truncated signature", func() *http.Request {
			r := signedPost(testSecret, body)
			r.Header.Set("X-Hub-Signature-256", r.Header.Get("X-Hub-Signature-256")[:20])
			return r
		}, http.StatusForbidden},
		{"body over the limit", func() *http.Request {
			big := append(bytes.Repeat([]byte(" "), DefaultMaxBody), body...)
			return signedPost(testSecret, big)
		}, http.StatusRequestEntityTooLarge},
		{"signed but malformed JSON", func() *http.Request { return signedPost(testSecret, body[:len(body)/2]) }, http.StatusBadRequest},
		{"signed but the wrong shape", func() *http.Request { return signedPost(testSecret, []byte(`{"entry":"x"}`)) }, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &fakeSink{}
			app := newTestApp(newTestCloud(t, testConfig(), nil), sink)
			if code, resp := do(t, app, tc.req()); code != tc.want {
				t.Errorf("got %d %q, want %d", code, resp, tc.want)
			}
			if sink.Calls() != 0 {
				t.Errorf("sink called %d times for a rejected webhook", sink.Calls())
			}
		})
	}
}

func TestBodyLimitConfigurable(t *testing.T) {
	body := fixture(t, "text_message.json")
	cfg := testConfig()
	cfg.MaxBody = len(body) - 1
	if code, _ := do(t, newTestApp(newTestCloud(t, cfg, nil), &fakeSink{}), signedPost(testSecret, body)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("got %d, want 413", code)
	}
	cfg.MaxBody = len(body)
	if code, _ := do(t, newTestApp(newTestCloud(t, cfg, nil), &fakeSink{}), signedPost(testSecret, body)); code != http.StatusOK {
		t.Errorf("at the limit: got %d, want 200", code)
	}
}

func TestSinkFailureIs503(t *testing.T) {
	for _, f := range []string{"text_message.json", "status_failed.json"} {
		sink := &fakeSink{Err: errors.New("redis: connection refused")}
		app := newTestApp(newTestCloud(t, testConfig(), nil), sink)
		if code, _ := do(t, app, signedPost(testSecret, fixture(t, f))); code != http.StatusServiceUnavailable {
			t.Errorf("%s: got %d, want 503", f, code)
		}
	}
}

func TestOtherBusinessNumberIgnored(t *testing.T) {
	body := bytes.ReplaceAll(fixture(t, "text_message.json"), []byte(testPhoneID), []byte("999999999999999"))
	sink := &fakeSink{}
	app := newTestApp(newTestCloud(t, testConfig(), nil), sink)
	if code, _ := do(t, app, signedPost(testSecret, body)); code != http.StatusOK {
		t.Errorf("got %d, want 200", code)
	}
	if sink.Calls() != 0 {
		t.Errorf("a message to another business number reached the sink")
	}
}

func TestNewConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want []string
	}{
		{"valid", func(*Config) {}, nil},
		{"everything missing", func(c *Config) { *c = Config{} }, []string{
			"WHATSAPP_CLOUD_TOKEN is empty", "WHATSAPP_CLOUD_PHONE_ID is empty", "WHATSAPP_CLOUD_VERIFY_TOKEN is empty", "WHATSAPP_CLOUD_APP_SECRET is empty"}},
		{"phone number instead of its id", func(c *Config) { c.PhoneID = "+55 11 93333-0000" }, []string{"WHATSAPP_CLOUD_PHONE_ID", "numeric ID"}},
		{"API URL without scheme", func(c *Config) { c.APIURL = "graph.facebook.com/v21.0" }, []string{"WHATSAPP_CLOUD_API_URL"}},
		{"negative body limit", func(c *Config) { c.MaxBody = -5 }, []string{"body limit"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.edit(&cfg)
			_, err := New(cfg, fakeMedia{}, fakeWindow{}, nil, quietLog())
			channeltest.CheckConfigError(t, err, tc.want)
		})
	}
	if _, err := New(testConfig(), nil, nil, nil, quietLog()); err == nil || !strings.Contains(err.Error(), "Window") || !strings.Contains(err.Error(), "media") {
		t.Errorf("New without media and window: %v", err)
	}
}
