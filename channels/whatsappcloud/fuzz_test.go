package whatsappcloud

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzCloudWebhook feeds arbitrary JSON bodies, signed with the app secret,
// through the webhook: it must never panic, and must answer 200 (what the
// sink took is well formed) or a clean 400 for a body that is not the JSON
// Meta sends.
//
//	go test ./channels/whatsappcloud -run '^$' -fuzz FuzzCloudWebhook -fuzztime 60s
func FuzzCloudWebhook(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(``))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"entry":[{"changes":[{"value":{"messages":[{"from":"1","id":"x","type":"image","image":null}]}}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":[{"value":{"statuses":[{"id":"x","status":"failed","errors":[]}]}}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":[{"value":{"messages":[{"from":"+5511987650001","id":"x","timestamp":"-1","type":"interactive","interactive":{}}]}}]}]}`))

	c := newTestCloud(f, testConfig(), nil)
	sink := &fakeSink{}
	app := newTestApp(c, sink)
	f.Fuzz(func(t *testing.T, body []byte) {
		if len(body) > DefaultMaxBody {
			t.Skip()
		}
		before := len(sink.Inbound)
		code, resp := do(t, app, signedPost(testSecret, body))
		var p webhookPayload
		valid := json.Unmarshal(body, &p) == nil
		switch {
		case code == http.StatusOK && valid:
			for _, in := range sink.Inbound[before:] {
				if in.ProviderID == "" || !strings.HasPrefix(in.From, "+") || in.Channel != "whatsapp_cloud" {
					t.Fatalf("accepted a malformed inbound: %+v", in)
				}
			}
		case code == http.StatusBadRequest && !valid:
			if len(sink.Inbound) != before {
				t.Fatalf("400 after Accept")
			}
		default:
			t.Fatalf("got %d %q for %q (valid JSON payload: %v)", code, resp, body, valid)
		}
	})
}
