// Package graphtest is a local stand-in for the Graph API's template
// management, for tests: GET and POST /v21.0/{waba-id}/message_templates
// with Bearer auth, answers and errors shaped as Meta documents them
// ("Create and manage templates",
// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates;
// errors: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
// A review function decides each template's status, as Meta's reviewers do
// after the submission answered PENDING.
package graphtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// Review decides a submitted template's status and, when rejected, Meta's
// reason (INVALID_FORMAT, TAG_CONTENT_MISMATCH…).
type Review func(name, language string) (status, reason string)

// Template is one stored template: the create body as posted, and its state.
type Template struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Language string          `json:"language"`
	Category string          `json:"category"`
	Status   string          `json:"status"`
	Reason   string          `json:"rejected_reason"`
	Body     json.RawMessage `json:"-"`
}

// Graph is the fake.
type Graph struct {
	Token, WABA string
	PageSize    int // templates per GET page (paging.next beyond); default 2, to exercise paging

	srv    *httptest.Server
	review Review
	mu     sync.Mutex
	tpls   []Template
}

// New starts the fake; review nil approves everything.
func New(t testing.TB, token, waba string, review Review) *Graph {
	g := &Graph{Token: token, WABA: waba, PageSize: 2, review: review}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v21.0/{waba}/message_templates", g.list)
	mux.HandleFunc("POST /v21.0/{waba}/message_templates", g.create)
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

// APIURL is the base URL to configure (WHATSAPP_CLOUD_API_URL).
func (g *Graph) APIURL() string { return g.srv.URL + "/v21.0" }

// Templates lists what was created, in order.
func (g *Graph) Templates() []Template {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Template(nil), g.tpls...)
}

// Add stores a template as if created earlier, with its status.
func (g *Graph) Add(name, language, category, status string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.tpls = append(g.tpls, Template{ID: strconv.Itoa(900000 + len(g.tpls)), Name: name, Language: language, Category: category, Status: status})
}

func (g *Graph) authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer "+g.Token {
		Error(w, http.StatusUnauthorized, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token")
		return false
	}
	if r.PathValue("waba") != g.WABA {
		Error(w, http.StatusBadRequest, 100, "GraphMethodException", "Unsupported get request. Object with ID '"+r.PathValue("waba")+"' does not exist")
		return false
	}
	return true
}

func (g *Graph) list(w http.ResponseWriter, r *http.Request) {
	if !g.authorized(w, r) {
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	g.mu.Lock()
	var page []Template
	for i := after; i < len(g.tpls) && len(page) < g.PageSize; i++ {
		t := g.tpls[i]
		if t.Status == "PENDING" && g.review != nil { // the review happened meanwhile
			t.Status, t.Reason = g.review(t.Name, t.Language)
			g.tpls[i] = t
		}
		page = append(page, t)
	}
	more := after+len(page) < len(g.tpls)
	g.mu.Unlock()
	body := map[string]any{"data": page}
	if more {
		next := fmt.Sprintf("%s/%s/message_templates?limit=%d&after=%d", g.APIURL(), g.WABA, g.PageSize, after+len(page))
		body["paging"] = map[string]any{"cursors": map[string]string{"after": strconv.Itoa(after + len(page))}, "next": next}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

func (g *Graph) create(w http.ResponseWriter, r *http.Request) {
	if !g.authorized(w, r) {
		return
	}
	raw, _ := io.ReadAll(r.Body)
	var req struct {
		Name       string `json:"name"`
		Language   string `json:"language"`
		Category   string `json:"category"`
		Components []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"components"`
	}
	if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(raw, &req) != nil || req.Name == "" || req.Language == "" || req.Category == "" ||
		len(req.Components) == 0 || req.Components[0].Type != "BODY" || req.Components[0].Text == "" {
		Error(w, http.StatusBadRequest, 100, "OAuthException", "(#100) Invalid parameter")
		return
	}
	g.mu.Lock()
	for _, t := range g.tpls {
		if t.Name == req.Name && t.Language == req.Language {
			g.mu.Unlock()
			// Meta: "Content in this language already exists" (error_subcode 2388024)
			Error(w, http.StatusBadRequest, 100, "OAuthException", "Content in this language already exists")
			return
		}
	}
	t := Template{ID: strconv.Itoa(500000 + len(g.tpls)), Name: req.Name, Language: req.Language, Category: req.Category, Status: "PENDING", Body: raw}
	g.tpls = append(g.tpls, t)
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"id": t.ID, "status": t.Status, "category": t.Category})
}

// Error writes a Graph API error as Meta shapes it.
func Error(w http.ResponseWriter, status, code int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": msg, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjK",
	}})
}
