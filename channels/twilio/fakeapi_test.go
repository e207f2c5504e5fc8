package twilio

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// fakeTwilio is a local stand-in for Twilio's REST API: it implements
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json as documented
// (https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource):
// HTTP basic auth with the Account SID and auth token, a form body, a 201
// with the Message resource as JSON, errors as {code, message, more_info,
// status}. It records every request and can play status callbacks back,
// signed, to quita's webhook.
type fakeTwilio struct {
	srv        *httptest.Server
	sid, token string

	mu       sync.Mutex
	requests []recorded
	failures map[string]fakeFailure // by To
	block    chan struct{}          // when set, requests wait on it (or on their context)
}

type recorded struct {
	Raw  string     // the body bytes as sent
	Form url.Values // the same, parsed
	Sid  string     // the Message SID answered
	Path string     // the URL path requested
}

type fakeFailure struct {
	status int
	code   int
	body   string // raw body; when empty a Twilio error JSON is built from code
}

func newFakeTwilio(t *testing.T) *fakeTwilio {
	f := &fakeTwilio{sid: testSID, token: testToken, failures: map[string]fakeFailure{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", f.createMessage)
	mux.HandleFunc("POST /gateway/twilio/2010-04-01/Accounts/{sid}/Messages.json", f.createMessage) // behind a path-prefixed gateway
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTwilio) failFor(to string, ff fakeFailure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[to] = ff
}

func (f *fakeTwilio) recorded() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

func (f *fakeTwilio) createMessage(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || user != f.sid || pass != f.token {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if r.PathValue("sid") != f.sid {
		twilioError(w, http.StatusNotFound, 20404, "The requested resource was not found")
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
		twilioError(w, http.StatusUnsupportedMediaType, 20415, "Unsupported Media Type: "+ct)
		return
	}
	raw, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(raw))
	if err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "bad form")
		return
	}
	if block := f.block; block != nil {
		select {
		case <-block:
		case <-r.Context().Done():
			return
		}
	}
	to := form.Get("To")
	if to == "" || (form.Get("Body") == "" && form.Get("MediaUrl") == "" && form.Get("ContentSid") == "") {
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	}
	f.mu.Lock()
	failure, failing := f.failures[to]
	sid := fmt.Sprintf("SM%032x", len(f.requests)+1)
	if !failing {
		f.requests = append(f.requests, recorded{Raw: string(raw), Form: form, Sid: sid, Path: r.URL.Path})
	}
	f.mu.Unlock()
	if failing {
		if failure.body != "" {
			w.WriteHeader(failure.status)
			io.WriteString(w, failure.body)
			return
		}
		twilioError(w, failure.status, failure.code, "scripted failure")
		return
	}
	created := time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC).Format(time.RFC1123Z)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{
		"account_sid":           f.sid,
		"api_version":           "2010-04-01",
		"body":                  form.Get("Body"),
		"date_created":          created,
		"date_sent":             nil,
		"date_updated":          created,
		"direction":             "outbound-api",
		"error_code":            nil,
		"error_message":         nil,
		"from":                  form.Get("From"),
		"messaging_service_sid": nilIfEmpty(form.Get("MessagingServiceSid")),
		"num_media":             fmt.Sprint(len(form["MediaUrl"])),
		"num_segments":          "1",
		"price":                 nil,
		"price_unit":            "USD",
		"sid":                   sid,
		"status":                "queued",
		"subresource_uris":      map[string]string{"media": "/2010-04-01/Accounts/" + f.sid + "/Messages/" + sid + "/Media.json"},
		"to":                    to,
		"uri":                   "/2010-04-01/Accounts/" + f.sid + "/Messages/" + sid + ".json",
	})
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// playStatus posts a status callback for recorded message rec to its
// StatusCallback URL, signed as Twilio signs it; the request reaches app
// at that URL's path, as through quita's proxy.
func (f *fakeTwilio) playStatus(t *testing.T, app *fiber.App, rec recorded, status, errorCode string) int {
	t.Helper()
	form := url.Values{
		"AccountSid":    {f.sid},
		"ApiVersion":    {"2010-04-01"},
		"From":          {rec.Form.Get("From")},
		"To":            {rec.Form.Get("To")},
		"MessageSid":    {rec.Sid},
		"SmsSid":        {rec.Sid},
		"MessageStatus": {status},
		"SmsStatus":     {status},
	}
	if errorCode != "" {
		form.Set("ErrorCode", errorCode)
	}
	code, _, _ := do(t, app, signedPost(t, f.token, rec.Form.Get("StatusCallback"), form.Encode()))
	return code
}
