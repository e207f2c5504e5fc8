package whatsappcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/channeltest"
)

const ana = "+5511987650001"

// wroteAgo is a window where Ana last wrote d ago.
func wroteAgo(d time.Duration) fakeWindow {
	return fakeWindow{last: map[string]time.Time{ana: testNow.Add(-d)}}
}

func newSendCloud(t *testing.T, w Window) (*Cloud, *fakeGraph) {
	t.Helper()
	g := newFakeGraph(t)
	cfg := testConfig()
	cfg.APIURL = g.apiURL() + "/"
	return newTestCloud(t, cfg, w), g
}

var (
	boleto   = channels.Attachment{Kind: channels.KindDocument, MediaID: "boleto-123"}
	pix      = channels.Attachment{Kind: channels.KindImage, MediaID: "pix-qr-9"}
	reminder = &channels.Template{Name: "lembrete_vencimento", Language: "pt_BR", Params: []string{"Ana", "27/11"}}
)

const templateJSON = `{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511987650001","type":"template","template":{"name":"lembrete_vencimento","language":{"code":"pt_BR"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ana"},{"type":"text","text":"27/11"}]}]}}`

func TestSend(t *testing.T) {
	boletoUpload := upload{Product: "whatsapp", Type: "application/pdf", Filename: "boleto.pdf", ContentType: "application/pdf", Data: testFiles["boleto-123"].Data}
	pixUpload := upload{Product: "whatsapp", Type: "image/png", Filename: "pix.png", ContentType: "image/png", Data: testFiles["pix-qr-9"].Data}
	tests := []struct {
		name     string
		window   fakeWindow
		msg      channels.Outbound
		messages []string // exact JSON bodies, in order
		uploads  []upload
	}{
		{
			name:     "text inside the window",
			window:   wroteAgo(2 * time.Hour),
			msg:      channels.Outbound{ID: "o1", To: "11 98765-0001", Text: "Oi, Ana! Sua parcela vence sexta."},
			messages: []string{`{"messaging_product":"whatsapp","to":"5511987650001","type":"text","text":{"body":"Oi, Ana! Sua parcela vence sexta."}}`},
		},
		{
			name:     "boleto with the text as caption",
			window:   wroteAgo(time.Hour),
			msg:      channels.Outbound{ID: "o2", To: ana, Text: "Aqui está o seu boleto.", Attachments: []channels.Attachment{boleto}},
			messages: []string{`{"messaging_product":"whatsapp","to":"5511987650001","type":"document","document":{"id":"1000000000000001","caption":"Aqui está o seu boleto.","filename":"boleto.pdf"}}`},
			uploads:  []upload{boletoUpload},
		},
		{
			name:   "text, then boleto, then PIX QR",
			window: wroteAgo(23*time.Hour + 59*time.Minute),
			msg:    channels.Outbound{ID: "o3", To: ana, Text: "Boleto e PIX:", Attachments: []channels.Attachment{boleto, pix}},
			messages: []string{
				`{"messaging_product":"whatsapp","to":"5511987650001","type":"text","text":{"body":"Boleto e PIX:"}}`,
				`{"messaging_product":"whatsapp","to":"5511987650001","type":"document","document":{"id":"1000000000000001","filename":"boleto.pdf"}}`,
				`{"messaging_product":"whatsapp","to":"5511987650001","type":"image","image":{"id":"1000000000000002"}}`,
			},
			uploads: []upload{boletoUpload, pixUpload},
		},
		{
			name:     "outside the window with a template: the template",
			window:   wroteAgo(25 * time.Hour),
			msg:      channels.Outbound{ID: "o4", To: ana, Text: "Oi, Ana! Sua parcela vence sexta.", Template: reminder},
			messages: []string{templateJSON},
		},
		{
			name:     "never wrote, template: the template",
			msg:      channels.Outbound{ID: "o5", To: ana, Text: "Oi!", Template: reminder},
			messages: []string{templateJSON},
		},
		{
			name:     "template only, inside the window: the template",
			window:   wroteAgo(time.Minute),
			msg:      channels.Outbound{ID: "o6", To: ana, Template: &channels.Template{Name: "boas_vindas"}},
			messages: []string{`{"messaging_product":"whatsapp","recipient_type":"individual","to":"5511987650001","type":"template","template":{"name":"boas_vindas","language":{"code":"pt_BR"}}}`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, g := newSendCloud(t, tc.window)
			res, err := c.Send(context.Background(), tc.msg)
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			msgs, ups := g.sent()
			if !reflect.DeepEqual(msgs, tc.messages) {
				t.Errorf("messages:\n got %s\nwant %s", strings.Join(msgs, "\n     "), strings.Join(tc.messages, "\n     "))
			}
			if !reflect.DeepEqual(ups, tc.uploads) {
				t.Errorf("uploads:\n got %+v\nwant %+v", ups, tc.uploads)
			}
			want := channels.SendResult{ProviderID: fmt.Sprintf("wamid.fake%04d", len(tc.messages)), Status: channels.StatusQueued}
			if strings.Contains(tc.messages[0], `"type":"template"`) {
				want.Template = tc.msg.Template // the result says the template went, for the transcript
			}
			if res != want {
				t.Errorf("result %+v, want %+v", res, want)
			}
		})
	}
}

// TestWindowRule: outside the 24-hour window, free-form content without a
// template is refused before anything reaches Meta.
func TestWindowRule(t *testing.T) {
	tests := []struct {
		name   string
		window fakeWindow
		open   bool
	}{
		{"wrote a minute ago", wroteAgo(time.Minute), true},
		{"wrote 23h59m59s ago", wroteAgo(ServiceWindow - time.Second), true},
		{"wrote exactly 24h ago", wroteAgo(ServiceWindow), false},
		{"wrote 3 days ago", wroteAgo(72 * time.Hour), false},
		{"never wrote", fakeWindow{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, g := newSendCloud(t, tc.window)
			_, err := c.Send(context.Background(), channels.Outbound{ID: "o1", To: ana, Text: "Oi, Ana!", Attachments: []channels.Attachment{boleto}})
			var perm *channels.PermanentError
			closed := errors.As(err, &perm) && perm.Code == channels.CodeTemplateNeeded
			if closed == tc.open || (tc.open && err != nil) {
				t.Fatalf("window open=%v: Send returned %v", tc.open, err)
			}
			msgs, ups := g.sent()
			if !tc.open && (len(msgs) != 0 || len(ups) != 0) {
				t.Errorf("outside the window %d messages and %d uploads reached Meta", len(msgs), len(ups))
			}
		})
	}
}

func TestWindowLookupFailureIsRetryable(t *testing.T) {
	c, g := newSendCloud(t, fakeWindow{err: errors.New("redis: timeout")})
	_, err := c.Send(context.Background(), channels.Outbound{To: ana, Text: "Oi"})
	var perm *channels.PermanentError
	if err == nil || errors.As(err, &perm) {
		t.Errorf("got %v, want a retryable error", err)
	}
	if msgs, _ := g.sent(); len(msgs) != 0 {
		t.Errorf("sent without knowing the window")
	}
}

func TestSendErrors(t *testing.T) {
	tests := []struct {
		name      string
		failure   fail
		permanent string // "" means retryable
	}{
		{"recipient not in allowed list", fail{http.StatusBadRequest, 131030}, "131030"},
		{"invalid parameter", fail{http.StatusBadRequest, 100}, "100"},
		{"template does not exist", fail{http.StatusNotFound, 132001}, "132001"},
		{"pair rate limit (400 but temporary)", fail{http.StatusBadRequest, 131056}, ""},
		{"throughput limit", fail{http.StatusBadRequest, 130429}, ""},
		{"too many calls", fail{http.StatusTooManyRequests, 4}, ""},
		{"token expired", fail{http.StatusUnauthorized, 190}, ""},
		{"server error", fail{http.StatusInternalServerError, 131000}, ""},
		{"service unavailable", fail{http.StatusServiceUnavailable, 0}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, g := newSendCloud(t, wroteAgo(time.Hour))
			g.failures["5511987650001"] = tc.failure
			_, err := c.Send(context.Background(), channels.Outbound{ID: "o1", To: ana, Text: "Oi"})
			channeltest.CheckFailure(t, err, tc.permanent)
		})
	}
}

func TestSendWrongTokenNamesTheVariable(t *testing.T) {
	c, g := newSendCloud(t, wroteAgo(time.Hour))
	g.token = "another-token"
	_, err := c.Send(context.Background(), channels.Outbound{To: ana, Text: "Oi"})
	var perm *channels.PermanentError
	if err == nil || errors.As(err, &perm) || !strings.Contains(err.Error(), "WHATSAPP_CLOUD_TOKEN") {
		t.Errorf("got %v, want a retryable error naming WHATSAPP_CLOUD_TOKEN", err)
	}
}

func TestSendRefusedBeforeTheAPI(t *testing.T) {
	tests := []struct {
		name string
		msg  channels.Outbound
		code string
	}{
		{"number that is no number", channels.Outbound{To: "ana", Text: "Oi"}, "invalid_number"},
		{"nothing to send", channels.Outbound{To: ana}, "empty_message"},
		{"attachment without media", channels.Outbound{To: ana, Attachments: []channels.Attachment{{Kind: channels.KindDocument}}}, "attachment_without_media"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, g := newSendCloud(t, wroteAgo(time.Hour))
			_, err := c.Send(context.Background(), tc.msg)
			var perm *channels.PermanentError
			if !errors.As(err, &perm) || perm.Code != tc.code {
				t.Errorf("got %v, want PermanentError %s", err, tc.code)
			}
			if msgs, ups := g.sent(); len(msgs)+len(ups) != 0 {
				t.Errorf("requests reached the API")
			}
		})
	}
}

// TestSendLeavesCallerAttachments: using the text as caption must not
// write into the caller's Outbound, which the sender may retry.
func TestSendLeavesCallerAttachments(t *testing.T) {
	c, _ := newSendCloud(t, wroteAgo(time.Hour))
	atts := []channels.Attachment{boleto}
	if _, err := c.Send(context.Background(), channels.Outbound{To: ana, Text: "Seu boleto", Attachments: atts}); err != nil {
		t.Fatal(err)
	}
	if atts[0].Caption != "" {
		t.Errorf("caller's attachment changed: %+v", atts[0])
	}
}

func TestSendHonoursContext(t *testing.T) {
	c, _ := newSendCloud(t, wroteAgo(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.Send(ctx, channels.Outbound{To: ana, Text: "Oi"})
	var perm *channels.PermanentError
	if !errors.Is(err, context.Canceled) || errors.As(err, &perm) {
		t.Errorf("got %v, want a retryable context.Canceled", err)
	}
}

// TestSendThenStatusWebhook: the id Send returns is the one Meta's status
// webhook names, and the failed status reaches the sink with its code.
func TestSendThenStatusWebhook(t *testing.T) {
	c, _ := newSendCloud(t, wroteAgo(time.Hour))
	sink := &fakeSink{}
	app := newTestApp(c, sink)
	res, err := c.Send(context.Background(), channels.Outbound{To: ana, Text: "Oi"})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.ReplaceAll(string(fixture(t, "status_failed.json")), "wamid.HBgNNTUxMTk4NzY1MDAwMRUCABEYEjQ0QjlGQkQ2RjA3OTk5NkUxNQA=", res.ProviderID)
	if code, _ := do(t, app, signedPost(testSecret, []byte(body))); code != http.StatusOK {
		t.Fatalf("status webhook answered %d", code)
	}
	if len(sink.Statuses) != 1 || sink.Statuses[0].ProviderID != res.ProviderID || sink.Statuses[0].Status != channels.StatusFailed || sink.Statuses[0].ErrorCode != "131047" {
		t.Errorf("UpdateStatus got %+v", sink.Statuses)
	}
}
