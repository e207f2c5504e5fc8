// Package pixapitest is a fake PSP serving Banco Central's API Pix for
// tests: an httptest TLS server that requires a client certificate from
// the test's CA (NewPKI), issues OAuth2 client-credentials tokens that
// expire on the fake's clock, keeps cobranças com vencimento and the Pix
// paid to them, validates what the spec asks with its RFC 7807 problems,
// records every call, and calls the registered webhook as a PSP does
// (POST {webhookUrl}/pix with {"pix":[…]}), the test in control of lost,
// repeated and forged deliveries.
//
// Shapes and rules follow openapi.yaml v2.9.0 of github.com/bacen/pix-api
// (the paths /cobv/{txid}, /cobv, /pix/{e2eid}, /pix, /webhook/{chave};
// the schemas cited in package pixapi's doc.go); the token endpoint is RFC
// 6749 §4.4 with the client authenticated by HTTP Basic (§2.3.1).
package pixapitest

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// recurringScopes are Pix Automático's scopes (components.securitySchemes.OAuth2).
const recurringScopes = "rec.write rec.read cobr.write cobr.read payloadlocationrec.write solicrec.write solicrec.read webhookrec.write webhookcobr.write"

// Paths of the fake: the API's base and the token endpoint.
const (
	BasePath  = "/api/v2"
	TokenPath = "/oauth/token"
)

// Options configure a fake PSP.
type Options struct {
	ClientID, ClientSecret string        // the only credentials the token endpoint accepts
	Key                    string        // the creditor's chave Pix: charges and webhooks on another key are refused
	TokenTTL               time.Duration // expires_in of each token (default an hour)
	// Scopes the PSP grants (default cobv.write cobv.read pix.read
	// webhook.write, and Pix Automático's when Recurring).
	Scopes []string
	// Recurring grants Pix Automático's scopes by default (rec, cobr,
	// payloadlocationrec, solicrec, webhookrec, webhookcobr).
	Recurring bool
	// Receiver is the recebedor the PSP shows on every charge (default a shop in São Paulo).
	ReceiverName, ReceiverCity, ReceiverCNPJ string
	// MaxPerPage caps paginacao.itensPorPagina, as PSPs do (default 1000,
	// the spec's maximum), so a client must follow quantidadeDePaginas.
	MaxPerPage int
}

// Server is a fake PSP with one creditor's account.
type Server struct {
	PKI  *PKI
	opts Options
	srv  *httptest.Server

	mu          sync.Mutex
	now         func() time.Time
	tokens      map[string]token
	tokenCalls  int
	cobvs       map[string]*Cobv
	order       []string
	pix         map[string]*Pix
	pixOrder    []string
	locSeq      int
	seq         int
	calls       []Call
	webhookURL  string
	hold        bool
	deliveries  []Delivery
	httpClient  *http.Client
	unavailable bool

	// Pix Automático (rec.go, cobr.go, webhook_rec.go)
	recLocs   map[int]*RecLoc
	recs      map[string]*Rec
	recOrder  []string
	solicRecs map[string]*SolicRec
	cobrs     map[string]*CobR
	cobrOrder []string
	recHooks  map[string]string // webhookrec, webhookcobr → webhookUrl
}

type token struct {
	expires time.Time
	scopes  map[string]bool
}

// Call is one request the fake received.
type Call struct {
	Method string
	Path   string // without BasePath, e.g. /cobv/QT…; TokenPath for the token endpoint
	Query  url.Values
	Header http.Header
	Body   []byte
	Status int
	// ClientCN is the common name of the client certificate presented.
	ClientCN string
}

// New starts a fake PSP for opts; it stops with the test.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if len(opts.Scopes) == 0 {
		opts.Scopes = []string{"cobv.write", "cobv.read", "pix.read", "webhook.write"}
		if opts.Recurring {
			opts.Scopes = append(opts.Scopes, strings.Fields(recurringScopes)...)
		}
	}
	if opts.ReceiverName == "" {
		opts.ReceiverName, opts.ReceiverCity, opts.ReceiverCNPJ = "Loja Pix Ltda", "São Paulo", "56989000019533"
	}
	s := &Server{PKI: NewPKI(t), opts: opts, now: time.Now, tokens: map[string]token{}, cobvs: map[string]*Cobv{},
		pix: map[string]*Pix{}, httpClient: &http.Client{Timeout: 10 * time.Second},
		recLocs: map[int]*RecLoc{}, recs: map[string]*Rec{}, solicRecs: map[string]*SolicRec{}, cobrs: map[string]*CobR{}, recHooks: map[string]string{}}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.TLS = s.PKI.ServerTLS()
	// Refused handshakes are the point of some tests, not noise for the log.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.StartTLS()
	t.Cleanup(s.srv.Close)
	return s
}

// BaseURL is the API's base URL (billing.pix_api.base_url).
func (s *Server) BaseURL() string { return s.srv.URL + BasePath }

// TokenURL is the OAuth2 token endpoint (billing.pix_api.token_url).
func (s *Server) TokenURL() string { return s.srv.URL + TokenPath }

// SetNow fixes the fake's clock: token expiry, creation times, due dates.
func (s *Server) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetUnavailable makes every API call answer 503 ServicoIndisponivel.
func (s *Server) SetUnavailable(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unavailable = down
}

// RevokeTokens forgets every token issued: the next call with one gets 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens = map[string]token{}
}

// TokenCalls is how many token requests the fake answered (granted or not).
func (s *Server) TokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// Calls returns the requests received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls of one method whose path starts with prefix.
func (s *Server) CallsTo(method, prefix string) []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Method == method && strings.HasPrefix(c.Path, prefix) {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	path := r.URL.Path
	switch {
	case path == TokenPath:
		s.tokenEndpoint(rec, r, body)
	case strings.HasPrefix(path, BasePath+"/"):
		path = strings.TrimPrefix(path, BasePath)
		s.api(rec, r, path, body)
	default:
		writeProblem(rec, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Entidade não encontrada.")
	}
	cn := ""
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		cn = r.TLS.PeerCertificates[0].Subject.CommonName
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Status: rec.status, ClientCN: cn})
	s.mu.Unlock()
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) { r.status = code; r.ResponseWriter.WriteHeader(code) }

// tokenEndpoint is RFC 6749 §4.4: POST, form grant_type=client_credentials
// and scope, the client in HTTP Basic; §5.1 answer, §5.2 errors.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request, body []byte) {
	s.mu.Lock()
	s.tokenCalls++
	s.mu.Unlock()
	oauthError := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		oauthError(http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		oauthError(http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	id, secret, ok := r.BasicAuth()
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if !ok || id != s.opts.ClientID || secret != s.opts.ClientSecret {
		w.Header().Set("WWW-Authenticate", `Basic realm="pix"`)
		oauthError(http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	if form.Get("grant_type") != "client_credentials" {
		oauthError(http.StatusBadRequest, "unsupported_grant_type", "only client_credentials")
		return
	}
	granted := map[string]bool{}
	for _, sc := range s.opts.Scopes {
		granted[sc] = true
	}
	asked := strings.Fields(form.Get("scope"))
	scopes := map[string]bool{}
	for _, sc := range asked {
		if !granted[sc] {
			oauthError(http.StatusBadRequest, "invalid_scope", "scope "+sc+" is not granted to this client")
			return
		}
		scopes[sc] = true
	}
	if len(asked) == 0 {
		scopes = granted
	}
	s.mu.Lock()
	s.seq++
	tok := fmt.Sprintf("fake-access-token-%d-%d", s.seq, s.now().UnixNano())
	s.tokens[tok] = token{expires: s.now().Add(s.opts.TokenTTL), scopes: scopes}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer",
		"expires_in": int(s.opts.TokenTTL / time.Second), "scope": strings.Join(asked, " ")})
}

// api routes the API Pix, after the Bearer token and its scope.
func (s *Server) api(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	var scope string
	var handle func()
	switch {
	case len(parts) == 2 && parts[0] == "cobv" && r.Method == http.MethodPut:
		scope, handle = "cobv.write", func() { s.putCobv(w, parts[1], body) }
	case len(parts) == 2 && parts[0] == "cobv" && r.Method == http.MethodPatch:
		scope, handle = "cobv.write", func() { s.patchCobv(w, parts[1], body) }
	case len(parts) == 2 && parts[0] == "cobv" && r.Method == http.MethodGet:
		scope, handle = "cobv.read", func() { s.getCobv(w, parts[1]) }
	case len(parts) == 1 && parts[0] == "cobv" && r.Method == http.MethodGet:
		scope, handle = "cobv.read", func() { s.listCobv(w, r.URL.Query()) }
	case len(parts) == 2 && parts[0] == "pix" && r.Method == http.MethodGet:
		scope, handle = "pix.read", func() { s.getPix(w, parts[1]) }
	case len(parts) == 1 && parts[0] == "pix" && r.Method == http.MethodGet:
		scope, handle = "pix.read", func() { s.listPix(w, r.URL.Query()) }
	case len(parts) == 2 && parts[0] == "webhook" && r.Method == http.MethodPut:
		scope, handle = "webhook.write", func() { s.putWebhook(w, parts[1], body) }
	case len(parts) == 2 && parts[0] == "webhook" && r.Method == http.MethodGet:
		scope, handle = "webhook.read", func() { s.getWebhook(w, parts[1]) }
	default:
		if scope, handle = s.recRoutes(w, r, parts, body); handle == nil {
			writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Entidade não encontrada.")
			return
		}
	}
	if r.Method == http.MethodGet && len(body) > 0 {
		writeProblem(w, http.StatusBadRequest, "RequisicaoInvalida", "Requisição inválida.", "GET sem corpo.")
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	t, ok := s.tokens[tok]
	live := ok && s.now().Before(t.expires)
	down := s.unavailable
	s.mu.Unlock()
	switch {
	case !live:
		// RFC 6750 §3: an expired or unknown token.
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeProblem(w, http.StatusUnauthorized, "AcessoNegado", "Não autorizado", "token ausente, inválido ou expirado")
	case !t.scopes[scope]:
		writeProblem(w, http.StatusForbidden, "AcessoNegado", "Acesso Negado", "Requisição de participante autenticado que viola alguma regra de autorização.")
	case down:
		writeProblem(w, http.StatusServiceUnavailable, "ServicoIndisponivel", "Serviço Indisponível", "Serviço não está disponível no momento. Serviço solicitado pode estar em manutenção ou fora da janela de funcionamento.")
	default:
		handle()
	}
}

// Violation is one entry of a problem's violacoes.
type Violation struct {
	Reason   string `json:"razao"`
	Property string `json:"propriedade"`
}

// writeProblem writes an RFC 7807 body of the schema Problema, its type
// https://pix.bcb.gov.br/api/v2/error/<TipoErro> as the spec prescribes.
func writeProblem(w http.ResponseWriter, status int, kind, title, detail string, violations ...Violation) {
	body := map[string]any{"type": "https://pix.bcb.gov.br/api/v2/error/" + kind, "title": title, "status": status, "detail": detail}
	if len(violations) > 0 {
		body["violacoes"] = violations
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// rfc3339 writes a time as the API does (UTC, milliseconds).
func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }
