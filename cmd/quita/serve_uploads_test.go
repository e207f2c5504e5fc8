package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/quita-bot/quita/storage/redistest"
)

// TestUploadBodyLimits: a portfolio file of 2 MB goes through to the admin
// API and to the console's upload (which then asks for a login), while
// any other body over 1 MiB is refused with 413 before it is read.
func TestUploadBodyLimits(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.AdminToken = "upload-test-token"
	s, _ := startService(t, cfg)
	notes := strings.Repeat("x", 2<<20)
	csv := "credor;nome;cpf;telefone;fatura;valor;vencimento;Observações\n" +
		"loja-exemplo;Ana;529.982.247-25;11987650001;NF-1;10,00;2026-12-10;" + notes + "\n"
	var form bytes.Buffer
	w := multipart.NewWriter(&form)
	part, _ := w.CreateFormFile("file", "grande.csv")
	part.Write([]byte(csv))
	w.Close()
	post := func(path, ct string, body []byte, token string) (int, string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := s.app.Test(req, 10000)
		if errors.Is(err, fasthttp.ErrBodyTooLarge) { // app.Test reports what a client sees as 413
			return http.StatusRequestEntityTooLarge, err.Error()
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post("/api/v1/debts", w.FormDataContentType(), form.Bytes(), cfg.AdminToken)
	var sum struct{ Created int }
	if json.Unmarshal([]byte(body), &sum); code != 200 || sum.Created != 1 {
		t.Fatalf("a 2 MB multipart file: %d %.300s", code, body)
	}
	if code, body := post("/console/admin/import", w.FormDataContentType(), form.Bytes(), ""); code != http.StatusUnauthorized {
		t.Fatalf("a 2 MB upload to the console without a session: %d %.200s, want 401 (read, then refused)", code, body)
	}
	if code, _ := post("/api/v1/debts", "application/json", []byte(`[{"description":"`+notes+`"}]`), cfg.AdminToken); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MB of JSON: %d, want 413", code)
	}
	if code, _ := post("/simulator/api/messages", "text/csv", []byte(notes), ""); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MB to another route: %d, want 413", code)
	}
}
