package whatsappcloud

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// fakeGraph is a local stand-in for the Graph API's WhatsApp endpoints:
// POST /v21.0/{phone-id}/messages (JSON) and POST /v21.0/{phone-id}/media
// (multipart), with Bearer auth, answers and errors shaped as Meta
// documents them (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages,
// …/reference/media, …/support/error-codes). It records every request body.
type fakeGraph struct {
	srv   *httptest.Server
	token string

	mu       sync.Mutex
	messages [][]byte        // raw JSON bodies of /messages, in order
	uploads  []upload        // /media uploads, in order
	failures map[string]fail // by "to"
}

type upload struct {
	Product, Type, Filename, ContentType string
	Data                                 []byte
}

type fail struct {
	status int
	code   int
}

func newFakeGraph(t *testing.T) *fakeGraph {
	g := &fakeGraph{token: testToken, failures: map[string]fail{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v21.0/{phone}/messages", g.handleMessages)
	mux.HandleFunc("POST /v21.0/{phone}/media", g.handleMedia)
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGraph) apiURL() string { return g.srv.URL + "/v21.0" }

func (g *fakeGraph) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		graphErr(w, http.StatusUnauthorized, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
		return false
	}
	if r.PathValue("phone") != testPhoneID {
		graphErr(w, http.StatusBadRequest, 100, "GraphMethodException", "Unsupported post request. Object with ID '"+r.PathValue("phone")+"' does not exist")
		return false
	}
	return true
}

func (g *fakeGraph) handleMessages(w http.ResponseWriter, r *http.Request) {
	if !g.authorized(w, r) {
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var m struct {
		MessagingProduct string `json:"messaging_product"`
		To               string `json:"to"`
		Type             string `json:"type"`
	}
	if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(raw, &m) != nil || m.MessagingProduct != "whatsapp" || m.To == "" || m.Type == "" {
		graphErr(w, http.StatusBadRequest, 100, "OAuthException", "(#100) Invalid parameter")
		return
	}
	g.mu.Lock()
	f, failing := g.failures[m.To]
	if !failing {
		g.messages = append(g.messages, raw)
	}
	n := len(g.messages)
	g.mu.Unlock()
	if failing {
		graphErr(w, f.status, f.code, "OAuthException", "scripted failure")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"messaging_product":"whatsapp","contacts":[{"input":%q,"wa_id":%q}],"messages":[{"id":"wamid.fake%04d","message_status":"accepted"}]}`, m.To, m.To, n)
}

func (g *fakeGraph) handleMedia(w http.ResponseWriter, r *http.Request) {
	if !g.authorized(w, r) {
		return
	}
	if err := r.ParseMultipartForm(10 << 20); err != nil {
		graphErr(w, http.StatusBadRequest, 100, "OAuthException", "(#100) Param file must be a file upload")
		return
	}
	file, hdr, err := r.FormFile("file")
	if err != nil || r.FormValue("messaging_product") != "whatsapp" || r.FormValue("type") == "" {
		graphErr(w, http.StatusBadRequest, 100, "OAuthException", "(#100) The parameter messaging_product is required.")
		return
	}
	data, _ := io.ReadAll(file)
	g.mu.Lock()
	g.uploads = append(g.uploads, upload{Product: r.FormValue("messaging_product"), Type: r.FormValue("type"),
		Filename: hdr.Filename, ContentType: hdr.Header.Get("Content-Type"), Data: data})
	n := len(g.uploads)
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"id":"10%014d"}`, n)
}

func graphErr(w http.ResponseWriter, status, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "code": code,
		"error_data": map[string]any{"messaging_product": "whatsapp", "details": msg},
		"fbtrace_id": "AbCdEfGhIjK",
	}})
}

func (g *fakeGraph) sent() ([]string, []upload) {
	g.mu.Lock()
	defer g.mu.Unlock()
	msgs := make([]string, len(g.messages))
	for i, m := range g.messages {
		msgs[i] = string(m)
	}
	return msgs, append([]upload(nil), g.uploads...)
}
