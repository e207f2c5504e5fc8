package twilio

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/twilio/twilio-go/client"

	"github.com/quita-bot/quita/channels"
)

// TestSignatureVectors pins the signer used by these tests to Twilio's own
// published examples, and checks twilio-go's validator accepts them.
func TestSignatureVectors(t *testing.T) {
	const docURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{
			// Twilio docs, "Validating requests" (https://www.twilio.com/docs/usage/security),
			// reproduced in twilio-go v1.31.0 README.md, "Use the request validator"
			// ($GOMODCACHE/github.com/twilio/twilio-go@v1.31.0/README.md, lines 488-530).
			name: "Twilio docs example",
			params: map[string]string{
				"CallSid": "CA1234567890ABCDE",
				"Caller":  "+12349013030",
				"Digits":  "1234",
				"From":    "+12349013030",
				"To":      "+18005551212",
			},
			want: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
		},
		{
			// twilio-go v1.31.0 client/request_validator_test.go, TestRequestValidator_Validate:
			// the same URL and token with other parameters, including names that sort as prefixes.
			name: "twilio-go request_validator_test.go",
			params: map[string]string{
				"Digits":                "1234",
				"CallSid":               "CA1234567890ABCDE",
				"To":                    "+18005551212",
				"Caller":                "+14158675309",
				"From":                  "+14158675309",
				"ReasonConferenceEnded": "test",
				"Reason":                "Participant",
			},
			want: "vOEb5UThFn24KEfnOFLQY2AE5FY=",
		},
	}
	v := client.NewRequestValidator("12345")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := twilioSignature("12345", docURL, tc.params); got != tc.want {
				t.Errorf("signer: got %s, want %s", got, tc.want)
			}
			if !v.Validate(docURL, tc.params, tc.want) {
				t.Error("twilio-go's validator rejects the documented signature")
			}
			if v.Validate(docURL, tc.params, twilioSignature("54321", docURL, tc.params)) {
				t.Error("twilio-go's validator accepts a signature made with another token")
			}
		})
	}
}

func TestInboundFixtures(t *testing.T) {
	const waMedia = "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Messages/"
	tests := []struct {
		fixture string
		want    channels.Inbound
	}{
		{"inbound_sms.form", channels.Inbound{
			Channel: channels.SMS, From: "+5511987650001", To: "+5511933330000",
			Text: "Oi, já paguei o boleto ontem!", ProviderID: "SM1f0e2d3c4b5a69788796a5b4c3d2e1f0", At: testNow,
		}},
		{"inbound_whatsapp_image.form", channels.Inbound{
			Channel: channels.TwilioWhatsApp, From: "+5511987650001", To: "+14155238886",
			Text: "Segue o comprovante", ProviderID: "MM2a3b4c5d6e7f8091a2b3c4d5e6f70819", ProfileName: "Ana Souza", At: testNow,
			Attachments: []channels.Attachment{{Kind: channels.KindImage, ContentType: "image/jpeg",
				URL: waMedia + "MM2a3b4c5d6e7f8091a2b3c4d5e6f70819/Media/ME0a1b2c3d4e5f60718293a4b5c6d7e8f9"}},
		}},
		{"inbound_whatsapp_voice.form", channels.Inbound{ // From without the ninth digit
			Channel: channels.TwilioWhatsApp, From: "+5511987650001", To: "+14155238886",
			ProviderID: "MM3c4d5e6f708192a3b4c5d6e7f8091a2b", ProfileName: "Ana Souza", At: testNow,
			Attachments: []channels.Attachment{{Kind: channels.KindAudio, ContentType: "audio/ogg",
				URL: waMedia + "MM3c4d5e6f708192a3b4c5d6e7f8091a2b/Media/ME1b2c3d4e5f60718293a4b5c6d7e8f90a"}},
		}},
		{"inbound_whatsapp_button_reply.form", channels.Inbound{
			Channel: channels.TwilioWhatsApp, From: "+5511987650001", To: "+14155238886",
			Text: "Quero parcelar", ProviderID: "SM4d5e6f708192a3b4c5d6e7f8091a2b3c", ProfileName: "Ana Souza",
			ReplyTo: "SM9e8d7c6b5a4938271605f4e3d2c1b0a9", Payload: "plan", At: testNow,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			tw := newTestTwilio(t, nil)
			sink := &fakeSink{}
			app := newTestApp(tw, sink)
			code, body, hdr := do(t, app, signedPost(t, testToken, testPublic+InboundPath, fixture(t, tc.fixture)))
			if code != http.StatusOK || body != emptyTwiML || hdr.Get("Content-Type") != "text/xml" {
				t.Fatalf("got %d %q (%s), want 200 empty TwiML as text/xml", code, body, hdr.Get("Content-Type"))
			}
			if len(sink.Inbound) != 1 || !reflect.DeepEqual(sink.Inbound[0], tc.want) {
				t.Errorf("Accept got\n%+v\nwant\n%+v", sink.Inbound, tc.want)
			}
		})
	}
}

func TestStatusFixtures(t *testing.T) {
	tests := []struct {
		fixture string
		want    channels.StatusUpdate
	}{
		{"status_sms_delivered.form", channels.StatusUpdate{Channel: channels.SMS,
			ProviderID: "SM9e8d7c6b5a4938271605f4e3d2c1b0a9", Status: channels.StatusDelivered, At: testNow}},
		{"status_whatsapp_failed.form", channels.StatusUpdate{Channel: channels.TwilioWhatsApp,
			ProviderID: "SM8d7c6b5a4938271605f4e3d2c1b0a9e", Status: channels.StatusFailed, ErrorCode: "63016", At: testNow}},
		{"status_whatsapp_read.form", channels.StatusUpdate{Channel: channels.TwilioWhatsApp,
			ProviderID: "SM8d7c6b5a4938271605f4e3d2c1b0a9e", Status: channels.StatusRead, At: testNow}},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			sink := &fakeSink{}
			app := newTestApp(newTestTwilio(t, nil), sink)
			code, body, _ := do(t, app, signedPost(t, testToken, testPublic+StatusPath, fixture(t, tc.fixture)))
			if code != http.StatusNoContent {
				t.Fatalf("got %d %q, want 204", code, body)
			}
			if len(sink.Statuses) != 1 || !reflect.DeepEqual(sink.Statuses[0], tc.want) {
				t.Errorf("UpdateStatus got\n%+v\nwant\n%+v", sink.Statuses, tc.want)
			}
		})
	}
}

// TestRejectedWebhooks: nothing reaches the sink unless Twilio signed
// exactly this request for this public URL.
func TestRejectedWebhooks(t *testing.T) {
	body := fixture(t, "inbound_sms.form")
	tests := []struct {
		name string
		req  func(t *testing.T) *http.Request
		want int
	}{
		{"missing signature", func(t *testing.T) *http.Request {
			r := signedPost(t, testToken, testPublic+InboundPath, body)
			r.Header.Del("X-Twilio-Signature")
			return r
		}, http.StatusForbidden},
		{"forged: signed with another token", func(t *testing.T) *http.Request {
			return signedPost(t, "0000000000000000000000000000dead", testPublic+InboundPath, body)
		}, http.StatusForbidden},
		{"forged: body changed after signing", func(t *testing.T) *http.Request {
			r := signedPost(t, testToken, testPublic+InboundPath, body)
			tampered := strings.Replace(body, "Body=Oi", "Body=Tchau", 1)
			r2 := httptest.NewRequest(http.MethodPost, InboundPath, strings.NewReader(tampered))
			r2.Header = r.Header.Clone()
			return r2
		}, http.StatusForbidden},
		{"forged: extra parameter added", func(t *testing.T) *http.Request {
			r := signedPost(t, testToken, testPublic+InboundPath, body)
			r2 := httptest.NewRequest(http.MethodPost, InboundPath, strings.NewReader(body+"&ProfileName=Mallory"))
			r2.Header = r.Header.Clone()
			return r2
		}, http.StatusForbidden},
		{"stale URL: signed for the old public host", func(t *testing.T) *http.Request {
			return signedPost(t, testToken, "https://old-quita.example.com"+InboundPath, body)
		}, http.StatusForbidden},
		{"stale URL: signed for http, served as https", func(t *testing.T) *http.Request {
			r := signedPost(t, testToken, "http://quita.example.com"+InboundPath, body)
			return r
		}, http.StatusForbidden},
		{"stale URL: signed without the query string it arrives with", func(t *testing.T) *http.Request {
			r := signedPost(t, testToken, testPublic+InboundPath, body)
			r2 := httptest.NewRequest(http.MethodPost, InboundPath+"?tenant=loja", strings.NewReader(body))
			r2.Header = r.Header.Clone()
			return r2
		}, http.StatusForbidden},
		{"signed for the status URL, posted to the inbound URL", func(t *testing.T) *http.Request {
			r := signedPost(t, testToken, testPublic+StatusPath, body)
			r2 := httptest.NewRequest(http.MethodPost, InboundPath, strings.NewReader(body))
			r2.Header = r.Header.Clone()
			return r2
		}, http.StatusForbidden},
		{"body over the limit", func(t *testing.T) *http.Request {
			big := body + "&Body=" + strings.Repeat("a", DefaultMaxBody)
			return signedPost(t, testToken, testPublic+InboundPath, big)
		}, http.StatusRequestEntityTooLarge},
		{"signed but not a form", func(t *testing.T) *http.Request {
			r := httptest.NewRequest(http.MethodPost, InboundPath, strings.NewReader("%zz"))
			r.Header.Set("X-Twilio-Signature", "c2lnbmF0dXJl")
			return r
		}, http.StatusBadRequest},
		{"signed but without MessageSid", func(t *testing.T) *http.Request {
			return signedPost(t, testToken, testPublic+InboundPath, "From=%2B5511987650001&Body=oi")
		}, http.StatusBadRequest},
		{"signed but From is not a phone number", func(t *testing.T) *http.Request {
			return signedPost(t, testToken, testPublic+InboundPath, "MessageSid=SM1&From=Loja&Body=oi")
		}, http.StatusBadRequest},
		{"signed but NumMedia promises a missing URL", func(t *testing.T) *http.Request {
			return signedPost(t, testToken, testPublic+InboundPath, "MessageSid=SM1&From=%2B5511987650001&NumMedia=2&MediaUrl0=https%3A%2F%2Fx")
		}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sink := &fakeSink{}
			app := newTestApp(newTestTwilio(t, nil), sink)
			code, resp, _ := do(t, app, tc.req(t))
			if code != tc.want {
				t.Errorf("got %d %q, want %d", code, resp, tc.want)
			}
			if sink.Calls() != 0 {
				t.Errorf("sink was called %d times for a rejected webhook", sink.Calls())
			}
		})
	}
}

// TestSignedURLWithQueryAndPrefix: the signed URL is QUITA_PUBLIC_URL (which
// may carry a path a proxy strips) + path + query as they arrive.
func TestSignedURLWithQueryAndPrefix(t *testing.T) {
	tw := newTestTwilio(t, func(c *Config) { c.PublicURL = "https://edge.example.com/quita/" })
	sink := &fakeSink{}
	app := newTestApp(tw, sink)
	req := signedPost(t, testToken, "https://edge.example.com/quita"+InboundPath+"?tenant=loja&x=1", fixture(t, "inbound_sms.form"))
	req.URL.Path = InboundPath // the proxy strips /quita
	req.RequestURI = InboundPath + "?tenant=loja&x=1"
	if code, body, _ := do(t, app, req); code != http.StatusOK {
		t.Fatalf("got %d %q, want 200", code, body)
	}
	if len(sink.Inbound) != 1 {
		t.Fatalf("Accept called %d times, want 1", len(sink.Inbound))
	}
}

// TestSignedURLWithPort: Twilio may sign the URL with its default port
// (https://example.com:443/...) while QUITA_PUBLIC_URL has none; twilio-go's
// validator accepts both forms, and so does the handler.
func TestSignedURLWithPort(t *testing.T) {
	tw := newTestTwilio(t, func(c *Config) { c.PublicURL = "https://edge.example.com" })
	sink := &fakeSink{}
	app := newTestApp(tw, sink)
	body := fixture(t, "inbound_sms.form")
	req := signedPost(t, testToken, "https://edge.example.com"+InboundPath, body)
	req.Header.Set("X-Twilio-Signature", twilioSignature(testToken, "https://edge.example.com:443"+InboundPath, formParams(t, body)))
	if code, body, _ := do(t, app, req); code != http.StatusOK {
		t.Fatalf("got %d %q, want 200", code, body)
	}
	if len(sink.Inbound) != 1 {
		t.Fatalf("Accept called %d times, want 1", len(sink.Inbound))
	}
}

func TestBodyLimitConfigurable(t *testing.T) {
	body := fixture(t, "inbound_sms.form")
	tw := newTestTwilio(t, func(c *Config) { c.MaxBody = len(body) - 1 })
	app := newTestApp(tw, &fakeSink{})
	if code, _, _ := do(t, app, signedPost(t, testToken, testPublic+InboundPath, body)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("got %d, want 413", code)
	}
	tw = newTestTwilio(t, func(c *Config) { c.MaxBody = len(body) })
	app = newTestApp(tw, &fakeSink{})
	if code, _, _ := do(t, app, signedPost(t, testToken, testPublic+InboundPath, body)); code != http.StatusOK {
		t.Errorf("at the limit: got %d, want 200", code)
	}
}

// TestSinkFailureIs503: a message that is not durable is not acknowledged.
func TestSinkFailureIs503(t *testing.T) {
	for _, tc := range []struct{ path, fixture string }{
		{InboundPath, "inbound_sms.form"},
		{StatusPath, "status_whatsapp_failed.form"},
	} {
		sink := &fakeSink{Err: errors.New("redis: connection refused")}
		app := newTestApp(newTestTwilio(t, nil), sink)
		if code, _, _ := do(t, app, signedPost(t, testToken, testPublic+tc.path, fixture(t, tc.fixture))); code != http.StatusServiceUnavailable {
			t.Errorf("%s: got %d, want 503", tc.path, code)
		}
	}
}

// TestRepeatedParameterIgnored: the validator signs the first value of
// each name, so a value appended under an existing name is never read.
func TestRepeatedParameterIgnored(t *testing.T) {
	body := fixture(t, "inbound_sms.form")
	r := signedPost(t, testToken, testPublic+InboundPath, body)
	r2 := httptest.NewRequest(http.MethodPost, InboundPath, strings.NewReader(body+"&Body=Mallory&From=%2B15550001111"))
	r2.Header = r.Header.Clone()
	sink := &fakeSink{}
	if code, _, _ := do(t, newTestApp(newTestTwilio(t, nil), sink), r2); code != http.StatusOK {
		t.Fatalf("got %d, want 200", code)
	}
	if got := sink.Inbound[0]; got.Text != "Oi, já paguei o boleto ontem!" || got.From != "+5511987650001" {
		t.Errorf("a repeated parameter was read: %+v", got)
	}
}

func TestUntrackedStatusIgnored(t *testing.T) {
	sink := &fakeSink{}
	app := newTestApp(newTestTwilio(t, nil), sink)
	body := "MessageSid=SM1&MessageStatus=receiving&From=%2B5511987650001&To=%2B5511933330000"
	if code, _, _ := do(t, app, signedPost(t, testToken, testPublic+StatusPath, body)); code != http.StatusNoContent {
		t.Errorf("got %d, want 204", code)
	}
	if sink.Calls() != 0 {
		t.Errorf("UpdateStatus called for an untracked status")
	}
}
