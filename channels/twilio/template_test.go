package twilio

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
)

// window answers LastInbound from a map; numbers not in it never wrote.
type window map[string]time.Time

func (w window) LastInbound(_ context.Context, phone string) (time.Time, error) { return w[phone], nil }

const ana = "+5511987650001"

// documentedSend is Twilio's documented Content API send (testdata/README.md)
// as a form.
func documentedSend(t *testing.T) url.Values {
	t.Helper()
	form := url.Values{}
	sc := bufio.NewScanner(strings.NewReader(fixture(t, "send_content_template.txt")))
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			t.Fatalf("line %q is not name=value", sc.Text())
		}
		form.Set(name, value)
	}
	return form
}

// TestContentTemplateMatchesTwilioExample: outside the 24-hour window a
// WhatsApp message goes as its ContentSid with ContentVariables, the body
// byte for byte Twilio's documented send plus quita's StatusCallback.
func TestContentTemplateMatchesTwilioExample(t *testing.T) {
	doc := documentedSend(t)
	tw, fake := newSendTwilio(t, func(c *Config) { c.WhatsAppFrom = doc.Get("From") })
	to := strings.TrimPrefix(doc.Get("To"), "whatsapp:")
	tw.SetWindow(window{to: testNow.Add(-25 * time.Hour)})
	tpl := &channels.Template{Key: "reminder.due.a", ContentSID: doc.Get("ContentSid"), Params: []string{"Name"}}
	res, err := tw.Send(context.Background(), channels.Outbound{ID: "o1", Channel: channels.TwilioWhatsApp, To: to,
		Text: "Oi, Name! Hoje vence a sua conta.", Template: tpl})
	if err != nil {
		t.Fatal(err)
	}
	doc.Set("StatusCallback", statusCallback)
	recs := fake.recorded()
	if len(recs) != 1 || recs[0].Raw != doc.Encode() {
		t.Fatalf("posted %+v\nwant %s", recs, doc.Encode())
	}
	if res.Template != tpl {
		t.Errorf("result %+v does not say the template went", res)
	}
}

// TestTwilioWindow: inside the window the text goes free-form; outside it
// the template, or nothing (template_needed) when the key has no
// twilio_content_sid. SMS never looks at templates.
func TestTwilioWindow(t *testing.T) {
	const sid = "HX0123456789abcdef0123456789abcdef"
	withSid := &channels.Template{Name: "lembrete", Language: "pt_BR", ContentSID: sid, Params: []string{"Ana", "R$ 150,00"}}
	metaOnly := &channels.Template{Name: "lembrete", Language: "pt_BR", Params: []string{"Ana"}}
	tests := []struct {
		name    string
		channel string
		last    time.Duration // 0: never wrote
		tpl     *channels.Template
		form    url.Values // what reaches Twilio, nil when nothing does
		code    string
	}{
		{"inside the window: free-form", channels.TwilioWhatsApp, time.Hour, withSid,
			url.Values{"Body": {"Oi, Ana!"}}, ""},
		{"outside: the content template", channels.TwilioWhatsApp, 30 * time.Hour, withSid,
			url.Values{"ContentSid": {sid}, "ContentVariables": {`{"1":"Ana","2":"R$ 150,00"}`}}, ""},
		{"never wrote: the content template", channels.TwilioWhatsApp, 0, withSid,
			url.Values{"ContentSid": {sid}, "ContentVariables": {`{"1":"Ana","2":"R$ 150,00"}`}}, ""},
		{"no parameters: no ContentVariables", channels.TwilioWhatsApp, 0, &channels.Template{ContentSID: sid},
			url.Values{"ContentSid": {sid}}, ""},
		{"outside without a content SID", channels.TwilioWhatsApp, 30 * time.Hour, metaOnly, nil, channels.CodeTemplateNeeded},
		{"outside without a template", channels.TwilioWhatsApp, 30 * time.Hour, nil, nil, channels.CodeTemplateNeeded},
		{"SMS ignores templates", channels.SMS, 0, withSid, url.Values{"Body": {"Oi, Ana!"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tw, fake := newSendTwilio(t, nil)
			w := window{}
			if tc.last > 0 {
				w[ana] = testNow.Add(-tc.last)
			}
			tw.SetWindow(w)
			_, err := tw.Send(context.Background(), channels.Outbound{ID: "o1", Channel: tc.channel, To: ana, Text: "Oi, Ana!", Template: tc.tpl})
			recs := fake.recorded()
			if tc.code != "" {
				var perm *channels.PermanentError
				if !errors.As(err, &perm) || perm.Code != tc.code || len(recs) != 0 {
					t.Fatalf("got %v and %d requests, want %s before Twilio", err, len(recs), tc.code)
				}
				return
			}
			if err != nil || len(recs) != 1 {
				t.Fatalf("got %v and %d requests", err, len(recs))
			}
			got := recs[0].Form
			for _, k := range []string{"Body", "ContentSid", "ContentVariables", "MediaUrl"} {
				if got.Get(k) != tc.form.Get(k) {
					t.Errorf("%s = %q, want %q", k, got.Get(k), tc.form.Get(k))
				}
			}
		})
	}
}

// TestOutsideWindowAnswerIsTemplateNeeded: Twilio's 63016 ("outside the
// allowed window") is permanent and reads as "template needed", so the bot
// falls back instead of retrying the same message.
func TestOutsideWindowAnswerIsTemplateNeeded(t *testing.T) {
	tw, fake := newSendTwilio(t, nil)
	fake.failFor("whatsapp:"+ana, fakeFailure{status: http.StatusBadRequest, code: 63016})
	_, err := tw.Send(context.Background(), channels.Outbound{Channel: channels.TwilioWhatsApp, To: ana, Text: "Oi"})
	var perm *channels.PermanentError
	if !errors.As(err, &perm) || !channels.TemplateNeeded(perm.Code) {
		t.Errorf("got %v, want a permanent error that TemplateNeeded recognises", err)
	}
}
