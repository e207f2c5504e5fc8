package twilio

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzTwilioInbound feeds arbitrary form bodies, signed as Twilio would sign
// them, through the inbound webhook: it must never panic, and must answer
// 200 with what the sink took or a clean 400.
//
//	go test ./channels/twilio -run '^$' -fuzz FuzzTwilioInbound -fuzztime 60s
func FuzzTwilioInbound(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.form"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("")
	f.Add("MessageSid=SM1&From=%2B5511987650001&NumMedia=-1")
	f.Add("MessageSid=SM1&From=%2B5511987650001&NumMedia=99999999999999999999")
	f.Add("MessageSid=SM1&From=whatsapp%3A%2B5511987650001&NumMedia=1&MediaUrl0=x&MediaContentType0=")
	f.Add("MessageSid=SM1&MessageSid=SM2&From=%2B1&From=%2B5511987650001")
	f.Add("a=%zz&b;c")

	tw := newTestTwilio(f, nil)
	sink := &fakeSink{}
	app := newTestApp(tw, sink)
	f.Fuzz(func(t *testing.T, body string) {
		if len(body) > DefaultMaxBody {
			t.Skip()
		}
		req := httptest.NewRequest(http.MethodPost, InboundPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		form, perr := url.ParseQuery(body)
		params := map[string]string{}
		for k, v := range form {
			params[k] = v[0]
		}
		req.Header.Set("X-Twilio-Signature", twilioSignature(testToken, testPublic+InboundPath, params))

		before := len(sink.Inbound)
		code, resp, _ := do(t, app, req)
		switch code {
		case http.StatusOK:
			if perr != nil {
				t.Fatalf("200 for a body that is no form: %q", body)
			}
			if len(sink.Inbound) != before+1 {
				t.Fatalf("200 without Accept")
			}
			in := sink.Inbound[len(sink.Inbound)-1]
			if in.ProviderID == "" || !strings.HasPrefix(in.From, "+") {
				t.Fatalf("accepted an inbound without id or E.164 sender: %+v", in)
			}
			if _, err := tw.parseInbound(params); err != nil {
				t.Fatalf("200 but the parser says %v", err)
			}
		case http.StatusBadRequest:
			if len(sink.Inbound) != before {
				t.Fatalf("400 after Accept")
			}
		default:
			t.Fatalf("got %d %q for %q, want 200 or 400", code, resp, body)
		}
	})
}
