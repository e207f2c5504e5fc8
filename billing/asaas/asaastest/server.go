// Package asaastest is a fake of the Asaas API v3 for tests: an httptest
// server that checks the access_token header, keeps customers and payments
// in memory, validates what Asaas validates with Asaas's error body, issues
// boletos whose linha digitável checks (FEBRABAN) and PIX payloads whose
// CRC checks, records every call, and delivers webhooks the way Asaas does
// (POST with the asaas-access-token header), with the test in control of
// drops, repeats and order.
//
// Shapes follow the Asaas API v3 reference cited in package asaas (doc.go);
// the webhook body is the event object of
// https://docs.asaas.com/docs/receive-asaas-events-at-your-webhook-endpoint.
package asaastest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Server is a fake Asaas account.
type Server struct {
	srv *httptest.Server
	// APIKey is the only access_token accepted.
	APIKey string

	mu           sync.Mutex
	today        func() time.Time
	webhookURL   string
	webhookToken string
	hold         bool
	noPixKey     bool
	customers    map[string]*Customer
	custOrder    []string
	payments     map[string]*Payment
	order        []string // payment ids in creation order
	calls        []Call
	events       []Event
	deliveries   []Delivery
	seq          int
	httpClient   *http.Client
}

// Call is one request the fake received.
type Call struct {
	Method string
	Path   string // without /v3, e.g. /payments/pay_000000000001
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int
}

// New starts a fake account that accepts apiKey; it stops with the test.
func New(t testing.TB, apiKey string) *Server {
	t.Helper()
	s := &Server{
		APIKey:     apiKey,
		today:      time.Now,
		customers:  map[string]*Customer{},
		payments:   map[string]*Payment{},
		httpClient: &http.Client{Timeout: 10 * time.Second},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

// APIURL is the base URL to give asaas.Config (the fake's /v3).
func (s *Server) APIURL() string { return s.srv.URL + "/v3" }

// SetToday fixes the fake's calendar (due dates before it are refused).
func (s *Server) SetToday(today func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.today = today
}

// SetWebhook makes the fake deliver its events to url with token in the
// asaas-access-token header, as a webhook created with that authToken.
func (s *Server) SetWebhook(url, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.webhookToken = url, token
}

// HoldWebhooks keeps new events undelivered (a lost webhook, or one to
// deliver later and out of order with Deliver) until called with false.
func (s *Server) HoldWebhooks(hold bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hold = hold
}

// WithoutPixKey makes the account one with no PIX key: pixQrCode fails.
func (s *Server) WithoutPixKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noPixKey = true
}

// Calls returns the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the requests of one method whose path starts with prefix.
func (s *Server) CallsTo(method, prefix string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

// Customers returns the account's customers, by id.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Customer, 0, len(s.customers))
	for _, c := range s.customers {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Payment returns one payment as the fake holds it.
func (s *Server) Payment(id string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Payments returns every payment, deleted ones included, in creation order.
func (s *Server) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Payment, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, *s.payments[id])
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	path := strings.TrimPrefix(r.URL.Path, "/v3")
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	s.route(rec, r, path, body)
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Status: rec.status})
	s.mu.Unlock()
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

func (s *Server) route(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	// Autenticação: the key in access_token, else 401 (docs.asaas.com/docs/authentication-2).
	if r.Header.Get("access_token") == "" || r.Header.Get("access_token") != s.APIKey {
		writeErrors(w, http.StatusUnauthorized, "invalid_access_token", "A chave de API fornecida é inválida")
		return
	}
	// Códigos HTTP das respostas: a GET with a body is refused with 403.
	if r.Method == http.MethodGet && len(body) > 0 {
		writeErrors(w, http.StatusForbidden, "forbidden", "GET requests must be sent with an empty body")
		return
	}
	if !strings.HasPrefix(path, "/") || !strings.HasPrefix(r.URL.Path, "/v3/") {
		writeErrors(w, http.StatusNotFound, "not_found", "endpoint not found")
		return
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "customers" && r.Method == http.MethodGet:
		s.listCustomers(w, r.URL.Query())
	case len(parts) == 1 && parts[0] == "customers" && r.Method == http.MethodPost:
		s.createCustomer(w, body)
	case len(parts) == 1 && parts[0] == "payments" && r.Method == http.MethodGet:
		s.listPayments(w, r.URL.Query())
	case len(parts) == 1 && parts[0] == "payments" && r.Method == http.MethodPost:
		s.createPayment(w, body)
	case len(parts) == 2 && parts[0] == "payments" && r.Method == http.MethodGet:
		s.getPayment(w, parts[1])
	case len(parts) == 2 && parts[0] == "payments" && r.Method == http.MethodDelete:
		s.deletePayment(w, parts[1])
	case len(parts) == 3 && parts[0] == "payments" && parts[2] == "identificationField" && r.Method == http.MethodGet:
		s.identificationField(w, parts[1])
	case len(parts) == 3 && parts[0] == "payments" && parts[2] == "pixQrCode" && r.Method == http.MethodGet:
		s.pixQrCode(w, parts[1])
	default:
		writeErrors(w, http.StatusNotFound, "not_found", "endpoint not found")
	}
}

// writeErrors writes Asaas's error body {"errors":[{"code","description"}]}
// (docs.asaas.com/docs/http-response-codes).
func writeErrors(w http.ResponseWriter, status int, codeDesc ...string) {
	type item struct {
		Code        string `json:"code"`
		Description string `json:"description"`
	}
	var items []item
	for i := 0; i+1 < len(codeDesc); i += 2 {
		items = append(items, item{codeDesc[i], codeDesc[i+1]})
	}
	writeJSON(w, status, map[string]any{"errors": items})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// page is Asaas's list answer.
func page[T any](q url.Values, all []T) map[string]any {
	offset, limit := atoiDefault(q.Get("offset"), 0), atoiDefault(q.Get("limit"), 10)
	limit = min(max(limit, 1), 100)
	end := min(offset+limit, len(all))
	data := []T{}
	if offset < len(all) {
		data = all[offset:end]
	}
	return map[string]any{"object": "list", "hasMore": end < len(all), "totalCount": len(all), "limit": limit, "offset": offset, "data": data}
}

func atoiDefault(s string, d int) int {
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n < 0 {
		return d
	}
	return n
}
