package twilio

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/channeltest"
)

const (
	testSID    = "AC0123456789abcdef0123456789abcdef"
	testToken  = "f00dfacef00dfacef00dfacef00dface"
	testPublic = "https://quita.example.com"
)

var testNow = time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC)

// fakeSink records what the webhooks hand over.
type fakeSink = channeltest.Sink

// fakeMedia hands out URLs the way quita's media server does: public,
// signed, expiring.
type fakeMedia struct{}

func (fakeMedia) Open(context.Context, string) (channels.MediaFile, error) {
	return channels.MediaFile{}, errors.New("twilio never opens media: it sends URLs")
}

func (fakeMedia) URL(id string) string {
	return testPublic + "/media/" + id + "?exp=1795000000&sig=c2lnbmVk"
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newTestTwilio builds the provider from cfg's defaults for the tests,
// with the clock fixed.
func newTestTwilio(t testing.TB, edit func(*Config)) *Twilio {
	t.Helper()
	cfg := Config{
		AccountSID:   testSID,
		AuthToken:    testToken,
		From:         "+5511933330000",
		WhatsAppFrom: "whatsapp:+14155238886",
		PublicURL:    testPublic,
	}
	if edit != nil {
		edit(&cfg)
	}
	tw, err := New(cfg, fakeMedia{}, quietLog())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	tw.now = func() time.Time { return testNow }
	return tw
}

// newTestApp mounts tw's webhooks on a fresh Fiber app.
func newTestApp(tw *Twilio, sink channels.Sink) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	tw.Register(app, sink)
	return app
}

// twilioSignature signs a webhook as Twilio does ("Validating requests",
// https://www.twilio.com/docs/usage/security#validating-requests): the full
// URL, then each POST parameter name followed by its value, sorted by name,
// HMAC-SHA1 with the auth token as key, base64. Written independently of
// twilio-go so that the tests check its validator rather than trust it.
func twilioSignature(token, fullURL string, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	mac := hmac.New(sha1.New, []byte(token))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// formParams reads a form body the way Twilio signs it: the first value of
// each name.
func formParams(t testing.TB, body string) map[string]string {
	t.Helper()
	v, err := url.ParseQuery(body)
	if err != nil {
		t.Fatalf("fixture body: %v", err)
	}
	p := map[string]string{}
	for k, vs := range v {
		p[k] = vs[0]
	}
	return p
}

// signedPost builds the request Twilio would send for body to publicURL
// (which the proxy delivers to this server at the same path and query).
func signedPost(t testing.TB, token, publicURL, body string) *http.Request {
	t.Helper()
	u, err := url.Parse(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, u.RequestURI(), strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilioSignature(token, publicURL, formParams(t, body)))
	return req
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// do runs req through app and returns the status and body.
func do(t testing.TB, app *fiber.App, req *http.Request) (int, string, http.Header) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("app.Test: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}
