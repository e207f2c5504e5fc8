package whatsappcloud

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/channeltest"
)

const (
	testToken   = "EAAGtesttoken0123456789"
	testPhoneID = "106540352242922"
	testVerify  = "quita-verify-7f3a9c"
	testSecret  = "6f1c2a9e0b7d4c3e8a5f1b2c3d4e5f60"
)

var testNow = time.Date(2026, 11, 26, 14, 30, 0, 0, time.UTC)

// fakeSink records what the webhooks hand over.
type fakeSink = channeltest.Sink

// fakeMedia is quita's media store with a boleto PDF and a PIX QR image.
type fakeMedia struct{}

var testFiles = map[string]channels.MediaFile{
	"boleto-123": {ContentType: "application/pdf", Filename: "boleto.pdf", Data: []byte("%PDF-1.4 boleto 34191.79001 01043.510047 91020.150008 5 12340000015000")},
	"pix-qr-9":   {ContentType: "image/png", Filename: "pix.png", Data: []byte("\x89PNG\r\n\x1a\nfake qr")},
}

func (fakeMedia) Open(_ context.Context, id string) (channels.MediaFile, error) {
	f, ok := testFiles[id]
	if !ok {
		return channels.MediaFile{}, fmt.Errorf("media %s not found", id)
	}
	return f, nil
}

func (fakeMedia) URL(id string) string { return "https://quita.example.com/media/" + id + "?sig=x" }

// fakeWindow answers LastInbound from a map; numbers not in it never wrote.
type fakeWindow struct {
	last map[string]time.Time
	err  error
}

func (w fakeWindow) LastInbound(_ context.Context, phone string) (time.Time, error) {
	return w.last[phone], w.err
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func testConfig() Config {
	return Config{Token: testToken, PhoneID: testPhoneID, VerifyToken: testVerify, AppSecret: testSecret}
}

func newTestCloud(t testing.TB, cfg Config, w Window) *Cloud {
	t.Helper()
	if w == nil {
		w = fakeWindow{}
	}
	c, err := New(cfg, fakeMedia{}, w, func() time.Time { return testNow }, quietLog())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func newTestApp(c *Cloud, sink channels.Sink) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	c.Register(app, sink)
	return app
}

// metaSignature signs a body as Meta does: sha256= and the hex HMAC-SHA256
// of the raw body keyed with the app secret.
func metaSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

func signedPost(secret string, body []byte) *http.Request {
	req := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Hub-Signature-256", metaSignature(secret, body))
	return req
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func do(t testing.TB, app *fiber.App, req *http.Request) (int, string) {
	t.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("app.Test: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
