package mediaserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
)

func TestSignedLinks(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	files := map[string]channels.MediaFile{"m1": {ContentType: "application/pdf", Filename: "boleto.pdf", Data: []byte("%PDF-1.4 test")}}
	open := func(_ context.Context, id string) (channels.MediaFile, error) {
		f, ok := files[id]
		if !ok {
			return f, io.EOF
		}
		return f, nil
	}
	s := New(open, []byte("secret"), "https://quita.example.com/", time.Hour, clock)
	app := fiber.New()
	s.Register(app)
	get := func(path string) (int, string, http.Header) {
		resp, err := app.Test(httptest.NewRequest(http.MethodGet, path, nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}

	link := s.URL("m1")
	if !strings.HasPrefix(link, "https://quita.example.com/media/m1?exp=") {
		t.Fatalf("URL = %q", link)
	}
	code, body, h := get(s.Path("m1"))
	if code != 200 || body != "%PDF-1.4 test" || h.Get("Content-Type") != "application/pdf" || !strings.Contains(h.Get("Content-Disposition"), "boleto.pdf") {
		t.Fatalf("signed link = %d %q %v", code, body, h)
	}

	u, _ := url.Parse(s.Path("m1"))
	q := u.Query()
	forged := "/media/m2?exp=" + q.Get("exp") + "&sig=" + q.Get("sig") // another id with m1's signature
	tampered := "/media/m1?exp=" + q.Get("exp") + "0&sig=" + q.Get("sig")
	for _, path := range []string{forged, tampered, "/media/m1", "/media/m1?exp=abc&sig=00"} {
		if code, _, _ := get(path); code != http.StatusForbidden {
			t.Errorf("GET %s = %d, want 403", path, code)
		}
	}
	now = now.Add(2 * time.Hour) // the link expired
	if code, _, _ := get(u.String()); code != http.StatusForbidden {
		t.Errorf("expired link = %d, want 403", code)
	}
}
