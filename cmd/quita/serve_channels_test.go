package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels/twilio"
	"github.com/quita-bot/quita/storage/redistest"
)

// fakeTwilioAPI records Messages.json requests like Twilio's REST API
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource).
type fakeTwilioAPI struct {
	mu       sync.Mutex
	requests []url.Values
}

func (f *fakeTwilioAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/Messages.json") {
		http.NotFound(w, r)
		return
	}
	if _, _, ok := r.BasicAuth(); !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	_ = r.ParseForm()
	f.mu.Lock()
	f.requests = append(f.requests, r.PostForm)
	n := len(f.requests)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	io.WriteString(w, `{"sid":"SMfake`+strings.Repeat("0", 27)+string(rune('0'+n%10))+`","status":"queued","to":"`+r.PostForm.Get("To")+`"}`)
}

func (f *fakeTwilioAPI) Requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.requests...)
}

func postTwilio(t *testing.T, s *service, path string, form url.Values, token string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(token, s.cfg.PublicURL+path, form))
	resp, err := s.app.Test(req, 5000)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestSignedTwilioWebhookGetsReplyThroughTwilioAPI(t *testing.T) {
	fake := &fakeTwilioAPI{}
	api := httptest.NewServer(fake)
	defer api.Close()
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.PublicURL = "https://quita.example.com"
	cfg.TwilioAccountSID, cfg.TwilioAuthToken = "AC"+strings.Repeat("a", 32), "testauthtoken0123456789"
	cfg.TwilioFrom, cfg.TwilioAPIURL = "+15005550006", api.URL
	s, _ := startService(t, cfg)

	inbound := url.Values{"MessageSid": {"SM" + strings.Repeat("1", 32)}, "AccountSid": {cfg.TwilioAccountSID},
		"From": {"+5511987650002"}, "To": {cfg.TwilioFrom}, "Body": {"oi"}, "NumMedia": {"0"}}
	resp := postTwilio(t, s, "/webhooks/twilio", inbound, cfg.TwilioAuthToken)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<Response></Response>") {
		t.Fatalf("webhook answered %d %q, want 200 with an empty TwiML response", resp.StatusCode, body)
	}
	forged := postTwilio(t, s, "/webhooks/twilio", inbound, "wrong-token")
	if forged.StatusCode != http.StatusForbidden {
		t.Fatalf("forged webhook answered %d, want 403", forged.StatusCode)
	}

	deadline := time.Now().Add(15 * time.Second)
	for len(fake.Requests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no CreateMessage reached the fake Twilio API")
		}
		time.Sleep(10 * time.Millisecond)
	}
	req := fake.Requests()[0]
	if req.Get("To") != "+5511987650002" || req.Get("From") != cfg.TwilioFrom {
		t.Fatalf("CreateMessage To=%q From=%q", req.Get("To"), req.Get("From"))
	}
	if !strings.Contains(req.Get("Body"), "Loja Exemplo") {
		t.Fatalf("CreateMessage Body = %q, want the greeting naming the creditor", req.Get("Body"))
	}
	if req.Get("StatusCallback") != cfg.PublicURL+"/webhooks/twilio/status" {
		t.Fatalf("StatusCallback = %q", req.Get("StatusCallback"))
	}
	// Every reply in the transcript reached the API, and the forged webhook added nothing.
	var tr []transcriptEntry
	for {
		tr = simulatorTranscript(t, s, "+5511987650002")
		if len(tr) > 1 && len(fake.Requests()) == len(tr)-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transcript %+v vs %d CreateMessage calls", tr, len(fake.Requests()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if tr[0].Direction != "in" || tr[0].Text != "oi" || tr[1].Status != "queued" {
		t.Fatalf("transcript = %+v, want one inbound then replies queued at Twilio", tr)
	}
	for _, e := range tr[1:] {
		if e.Direction != "out" {
			t.Fatalf("transcript = %+v: the forged webhook was processed", tr)
		}
	}
	// Twilio's status callback moves the reply it names to delivered.
	status := url.Values{"MessageSid": {"SMfake" + strings.Repeat("0", 27) + "1"}, "MessageStatus": {"delivered"},
		"AccountSid": {cfg.TwilioAccountSID}, "To": {"+5511987650002"}, "From": {cfg.TwilioFrom}}
	if resp := postTwilio(t, s, "/webhooks/twilio/status", status, cfg.TwilioAuthToken); resp.StatusCode >= 300 {
		t.Fatalf("status callback answered %d", resp.StatusCode)
	}
	for !hasStatus(simulatorTranscript(t, s, "+5511987650002"), "delivered") {
		if time.Now().After(deadline) {
			t.Fatal("status callback did not reach the transcript")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func hasStatus(tr []transcriptEntry, status string) bool {
	for _, e := range tr {
		if e.Status == status {
			return true
		}
	}
	return false
}
