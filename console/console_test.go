package console

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

func init() { bcryptCost = bcrypt.MinCost }

// testDialog hands off when asked for an "atendente" and is silent while a
// person holds the conversation.
type testDialog struct{}

func (testDialog) Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error) {
	switch {
	case ev.Kind == dialogs.EventHandedBack:
		c.Handoff = dialogs.Handoff{}
		return c, []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: "voltei"}}}, nil
	case c.Handoff.Active():
		return c, nil, nil
	case strings.Contains(ev.Text, "atendente"):
		c.Handoff = dialogs.Handoff{Status: dialogs.HandoffQueued, Reason: dialogs.ReasonAskHuman, Priority: 1, Since: now}
		return c, []dialogs.Action{{Kind: dialogs.ActHandoff, Reason: dialogs.ReasonAskHuman, Priority: 1}}, nil
	}
	return c, []dialogs.Action{{Kind: dialogs.ActSend, Message: &dialogs.Message{Text: "bot: " + ev.Text}}}, nil
}

type sink struct{}

func (sink) Name() string { return channels.Simulator }
func (sink) Send(_ context.Context, m channels.Outbound) (channels.SendResult, error) {
	return channels.SendResult{ProviderID: "p-" + m.ID, Status: channels.StatusDelivered}, nil
}

type env struct {
	t      *testing.T
	store  *storage.Store
	bot    *bot.Bot
	h      *bot.Handoffs
	app    *fiber.App
	con    *Console
	tokens map[string]string // email → API token
}

const adminToken = "admin-token-for-tests-0123456789"

// testPaymentSettings are a made-up creditor's account and key (a random EVP
// key): the console's documents are built from them.
var testPaymentSettings = PaymentSettings{Policy: payments.DefaultPolicy(),
	Account: payments.Account{Bank: "341", Agency: "0057", Account: "12345", Carteira: "109", BeneficiaryName: "Loja Teste Ltda", CNPJ: "11.222.333/0001-81"},
	PixKey:  "7d9f0335-8dcc-4054-9bf9-0dbd61d36906", PixName: "Loja Teste", PixCity: "SAO PAULO"}

func newEnv(t *testing.T, with ...func(*Options)) *env {
	t.Helper()
	return newEnvWith(t, testDialog{}, nil, with...)
}

// newEnvWith is newEnv with another dialog (the real engine); before, if
// set, runs on the bot before it starts (to register more action handlers).
// with changes the console's options.
func newEnvWith(t *testing.T, dialog bot.Dialog, before func(*bot.Bot), with ...func(*Options)) *env {
	t.Helper()
	r := redistest.New(t)
	st := r.Store()
	b := bot.New(st, dialog, config.NewDirectory(config.DemoFile()), slog.New(slog.DiscardHandler), nil,
		bot.Options{ReadBlock: 20 * time.Millisecond, RetryPoll: 5 * time.Millisecond, ClaimEvery: time.Hour})
	b.AddChannel(sink{})
	if before != nil {
		before(b)
	}
	h := b.Handoffs(bot.HandoffOptions{})
	opts := Options{Store: st, Bot: b, Handoffs: h, AdminToken: adminToken, Documents: PaymentDocs{For: func(string) PaymentSettings {
		return testPaymentSettings
	}}}
	for _, f := range with {
		f(&opts)
	}
	con, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	con.Register(app)
	ctx, cancel := context.WithCancel(context.Background())
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	con.hub.idleAfter = 20 * time.Millisecond
	go con.Run(ctx)
	t.Cleanup(func() { cancel(); b.Wait() })
	e := &env{t: t, store: st, bot: b, h: h, app: app, con: con, tokens: map[string]string{}}
	for _, a := range []NewAgent{
		{Email: "ana@quita.test", Role: storage.RoleAgent, Password: "senha-da-ana"},
		{Email: "bia@quita.test", Role: storage.RoleAgent, Password: "senha-da-bia"},
		{Email: "root@quita.test", Role: storage.RoleAdmin, Password: "senha-do-root"},
	} {
		tok, err := CreateAgent(ctx, st, a)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[a.Email] = tok
	}
	return e
}

// queued makes phone ask for a person and waits until it is queued.
func (e *env) queued(phone string) {
	e.t.Helper()
	if err := e.bot.Accept(context.Background(), channels.Inbound{Channel: channels.Simulator, From: phone, Text: "quero um atendente"}); err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok, err := e.store.InHandoffQueue(context.Background(), phone)
		if err != nil {
			e.t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatal("conversation never queued")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type request struct {
	method, path, token, body string
	cookies                   []*http.Cookie
	form                      url.Values
}

func (e *env) do(r request) (*http.Response, string) {
	e.t.Helper()
	var body io.Reader
	if r.form != nil {
		body = strings.NewReader(r.form.Encode())
	} else if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req := httptest.NewRequest(r.method, r.path, body)
	switch {
	case r.form != nil:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case r.body != "":
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for _, c := range r.cookies {
		req.AddCookie(c)
	}
	resp, err := e.app.Test(req, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var csrfInput = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

// login logs a browser in and returns its cookies and CSRF token.
func (e *env) login(email, password string) ([]*http.Cookie, string) {
	e.t.Helper()
	resp, page := e.do(request{method: "GET", path: "/console/login"})
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("login page has no CSRF field: %s", page)
	}
	resp, _ = e.do(request{method: "POST", path: "/console/login", cookies: resp.Cookies(),
		form: url.Values{"csrf": {m[1]}, "email": {email}, "password": {password}}})
	if resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("login as %s = %d", email, resp.StatusCode)
	}
	var session []*http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			session = append(session, c)
		}
	}
	if len(session) != 1 {
		e.t.Fatal("login set no session cookie")
	}
	_, page = e.do(request{method: "GET", path: "/console/", cookies: session})
	m = csrfInput.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatalf("queue page has no CSRF token: %s", page)
	}
	return session, m[1]
}

func TestAPIAuthAndRoles(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, token string
		want                      int
	}{
		{"no token", "GET", "/api/v1/agent/queue", "", 401},
		{"unknown token", "GET", "/api/v1/agent/queue", "qa_nope", 401},
		{"agent token", "GET", "/api/v1/agent/queue", e.tokens["ana@quita.test"], 200},
		{"admin token", "GET", "/api/v1/agent/queue", adminToken, 200},
		{"agent may not list accounts", "GET", "/api/v1/agents", e.tokens["ana@quita.test"], 403},
		{"agent may not read stats", "GET", "/api/v1/admin/stats", e.tokens["ana@quita.test"], 403},
		{"admin account token lists accounts", "GET", "/api/v1/agents", e.tokens["root@quita.test"], 200},
		{"admin token reads stats", "GET", "/api/v1/admin/stats", adminToken, 200},
		{"no token on an action", "POST", "/api/v1/agent/conversations/%2B5511900000001/claim", "", 401},
		{"no token on events", "GET", "/api/v1/agent/events", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(request{method: tc.method, path: tc.path, token: tc.token})
			if resp.StatusCode != tc.want {
				t.Fatalf("%s %s = %d %s, want %d", tc.method, tc.path, resp.StatusCode, body, tc.want)
			}
		})
	}
}

func TestPagesNeedSessionRoleAndCSRF(t *testing.T) {
	e := newEnv(t)
	const phone = "+5511900000002"
	e.queued(phone)
	resp, _ := e.do(request{method: "GET", path: "/console/"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/login" {
		t.Fatalf("GET /console/ without session = %d → %q, want 303 to the login", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := e.do(request{method: "POST", path: "/console/c/" + url.PathEscape(phone) + "/claim"}); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("POST without session = %d, want 401", resp.StatusCode)
	}
	ana, csrf := e.login("ana@quita.test", "senha-da-ana")
	claim := "/console/c/" + url.PathEscape(phone) + "/claim"
	tests := []struct {
		name string
		r    request
		want int
	}{
		{"agent on the dashboard", request{method: "GET", path: "/console/admin", cookies: ana}, 403},
		{"agent on the accounts", request{method: "GET", path: "/console/admin/agents", cookies: ana}, 403},
		{"POST without CSRF", request{method: "POST", path: claim, cookies: ana, form: url.Values{}}, 403},
		{"POST with a wrong CSRF", request{method: "POST", path: claim, cookies: ana, form: url.Values{"csrf": {strings.Repeat("0", 64)}}}, 403},
		{"POST with the session's CSRF", request{method: "POST", path: claim, cookies: ana, form: url.Values{"csrf": {csrf}}}, 303},
		{"the conversation page", request{method: "GET", path: "/console/c/" + url.PathEscape(phone), cookies: ana}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(tc.r)
			if resp.StatusCode != tc.want {
				t.Fatalf("= %d, want %d: %.300s", resp.StatusCode, tc.want, body)
			}
		})
	}
	if c, _ := e.bot.Conversation(context.Background(), phone); c.Handoff.Agent != "ana@quita.test" {
		t.Fatalf("handoff = %+v, want held by ana", c.Handoff)
	}
	root, _ := e.login("root@quita.test", "senha-do-root")
	if resp, body := e.do(request{method: "GET", path: "/console/admin", cookies: root}); resp.StatusCode != 200 || !strings.Contains(body, "<svg") {
		t.Fatalf("admin dashboard = %d, want 200 with charts", resp.StatusCode)
	}
}

func TestLoginCookieFlagsAndLogout(t *testing.T) {
	e := newEnv(t)
	resp, page := e.do(request{method: "GET", path: "/console/login"})
	token := csrfInput.FindStringSubmatch(page)[1]
	if resp, _ := e.do(request{method: "POST", path: "/console/login", form: url.Values{"email": {"ana@quita.test"}, "password": {"senha-da-ana"}}}); resp.StatusCode != 403 {
		t.Fatalf("login without CSRF = %d, want 403", resp.StatusCode)
	}
	resp, _ = e.do(request{method: "POST", path: "/console/login", cookies: resp.Cookies(),
		form: url.Values{"csrf": {token}, "email": {"ana@quita.test"}, "password": {"senha-da-ana"}}})
	var sc *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie {
			sc = c
		}
	}
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || len(sc.Value) != 64 {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, 32 random bytes", sc)
	}
	if raw, _ := e.store.Redis().Keys(context.Background(), e.store.Keys().Session(sc.Value)).Result(); len(raw) != 0 {
		t.Fatal("the session id is stored in clear")
	}
	_, page = e.do(request{method: "GET", path: "/console/", cookies: []*http.Cookie{sc}})
	csrf := csrfInput.FindStringSubmatch(page)[1]
	if resp, _ := e.do(request{method: "POST", path: "/console/logout", cookies: []*http.Cookie{sc}, form: url.Values{"csrf": {csrf}}}); resp.StatusCode != 303 {
		t.Fatalf("logout = %d", resp.StatusCode)
	}
	if resp, _ := e.do(request{method: "GET", path: "/console/", cookies: []*http.Cookie{sc}}); resp.StatusCode != 303 {
		t.Fatalf("after logout = %d, want 303 to the login", resp.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	attempt := func(password string) int {
		resp, page := e.do(request{method: "GET", path: "/console/login"})
		token := csrfInput.FindStringSubmatch(page)[1]
		resp, _ = e.do(request{method: "POST", path: "/console/login", cookies: resp.Cookies(),
			form: url.Values{"csrf": {token}, "email": {"bia@quita.test"}, "password": {password}}})
		return resp.StatusCode
	}
	for i := range maxFailsPerEmail {
		if got := attempt("errada"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, got)
		}
	}
	if got := attempt("senha-da-bia"); got != http.StatusTooManyRequests {
		t.Fatalf("right password after %d failures = %d, want 429", maxFailsPerEmail, got)
	}
}

func TestAgentsSeeOnlyQueuedAndTheirOwn(t *testing.T) {
	e := newEnv(t)
	const phone = "+5511900000003"
	e.queued(phone)
	api := "/api/v1/agent/conversations/" + url.PathEscape(phone)
	var q Queue
	_, body := e.do(request{method: "GET", path: "/api/v1/agent/queue", token: e.tokens["bia@quita.test"]})
	if err := json.Unmarshal([]byte(body), &q); err != nil || len(q.Waiting) != 1 || q.Waiting[0].ID != phone {
		t.Fatalf("bia's queue = %s", body)
	}
	if resp, body := e.do(request{method: "POST", path: api + "/claim", token: e.tokens["ana@quita.test"]}); resp.StatusCode != 200 {
		t.Fatalf("claim = %d %s", resp.StatusCode, body)
	}
	tests := []struct {
		name, method, path, token, body string
		want                            int
	}{
		{"the holder reads it", "GET", api, e.tokens["ana@quita.test"], "", 200},
		{"another agent may not read it", "GET", api, e.tokens["bia@quita.test"], "", 403},
		{"another agent may not claim it", "POST", api + "/claim", e.tokens["bia@quita.test"], "", 403},
		{"another agent may not note it", "POST", api + "/note", e.tokens["bia@quita.test"], `{"text":"x"}`, 403},
		{"an admin reads it", "GET", api, e.tokens["root@quita.test"], "", 200},
		{"an unknown action", "POST", api + "/explode", e.tokens["ana@quita.test"], "", 404},
		{"an empty reply", "POST", api + "/reply", e.tokens["ana@quita.test"], `{"text":"  "}`, 400},
		{"a bad resume point", "POST", api + "/handback", e.tokens["ana@quita.test"], `{"resume":"nowhere"}`, 400},
		{"a bot conversation", "GET", "/api/v1/agent/conversations/%2B5511900009999", e.tokens["ana@quita.test"], "", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(request{method: tc.method, path: tc.path, token: tc.token, body: tc.body})
			if resp.StatusCode != tc.want {
				t.Fatalf("= %d %s, want %d", resp.StatusCode, body, tc.want)
			}
		})
	}
	_, body = e.do(request{method: "GET", path: "/api/v1/agent/queue", token: e.tokens["bia@quita.test"]})
	if strings.Contains(body, phone) {
		t.Fatalf("bia's queue shows ana's conversation: %s", body)
	}
	_, body = e.do(request{method: "GET", path: "/api/v1/agent/queue", token: adminToken})
	if err := json.Unmarshal([]byte(body), &q); err != nil || len(q.Others) != 1 {
		t.Fatalf("admin queue = %s, want ana's conversation under others", body)
	}
}

func TestAPIRoundTripAndEscaping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const phone = "+5511987650001"
	// Ana is a debtor of the demo portfolio, so documents have a debt.
	debtor := dialogs.Debtor{ID: "d1", Name: "Ana Souza", CPF: "12345678909", Phones: []string{phone}}
	if err := e.store.SaveDebtor(ctx, debtor); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SaveDebt(ctx, dialogs.Debt{ID: "debt1", DebtorID: "d1", CreditorID: config.DemoCreditorID, Invoice: "NF-1",
		AmountCents: 35990, DueDate: time.Now().AddDate(0, 0, -20).Format(time.DateOnly), Status: dialogs.DebtOpen}); err != nil {
		t.Fatal(err)
	}
	e.queued(phone)
	const xss = `<script>alert(1)</script>`
	if err := e.bot.Accept(ctx, channels.Inbound{Channel: channels.Simulator, From: phone, Text: xss}); err != nil {
		t.Fatal(err)
	}
	tok := e.tokens["ana@quita.test"]
	api := "/api/v1/agent/conversations/" + url.PathEscape(phone)
	steps := []struct {
		action, body string
		status       string // handoff status after
		sends        int    // outbound messages queued
	}{
		{"claim", "", dialogs.HandoffAssigned, 0},
		{"reply", `{"text":"Oi, Ana!"}`, dialogs.HandoffAssigned, 1},
		{"note", `{"text":"pediu prazo"}`, dialogs.HandoffAssigned, 0},
		{"segunda-via", "", dialogs.HandoffAssigned, 2},
		{"pix", "", dialogs.HandoffAssigned, 2},
		{"offers", "", dialogs.HandoffAssigned, 1},
		{"handback", `{"resume":"menu"}`, dialogs.HandoffNone, 0},
	}
	for _, s := range steps {
		resp, body := e.do(request{method: "POST", path: api + "/" + s.action, token: tok, body: s.body})
		if resp.StatusCode != 200 {
			t.Fatalf("%s = %d %s", s.action, resp.StatusCode, body)
		}
		var res actionResult
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatal(err)
		}
		if res.Handoff.Status != s.status || len(res.Messages) != s.sends {
			t.Fatalf("%s: handoff %q with %d messages, want %q and %d", s.action, res.Handoff.Status, len(res.Messages), s.status, s.sends)
		}
		for _, m := range res.Messages {
			if m.Author != "ana@quita.test" || m.Origin != "agent" {
				t.Fatalf("%s: outbound %+v not marked as ana's", s.action, m.Outbound)
			}
		}
		if s.action == "claim" {
			// The page shows the debtor's HTML as text.
			root, _ := e.login("ana@quita.test", "senha-da-ana")
			_, page := e.do(request{method: "GET", path: "/console/c/" + url.PathEscape(phone) + "/transcript", cookies: root})
			if strings.Contains(page, xss) || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Fatalf("transcript fragment does not escape the debtor's text:\n%s", page)
			}
		}
	}
	msgs, err := e.store.Transcript(ctx, phone, 0)
	if err != nil {
		t.Fatal(err)
	}
	var agentMsgs, notes int
	for _, m := range msgs {
		if m.Origin == "agent" {
			agentMsgs++
		}
		if m.Private {
			notes++
		}
	}
	if agentMsgs != 6 || notes != 1 {
		t.Fatalf("transcript has %d agent messages and %d notes, want 6 and 1", agentMsgs, notes)
	}
	if resp, body := e.do(request{method: "POST", path: api + "/reply", token: tok, body: `{"text":"depois"}`}); resp.StatusCode != 403 {
		t.Fatalf("reply after hand-back = %d %s, want 403 (the bot holds it)", resp.StatusCode, body)
	}
}

func TestCreateAgentValidation(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		n    NewAgent
		ok   bool
	}{
		{"good", NewAgent{Email: "Caio@Quita.Test", Password: "12345678"}, true},
		{"duplicate", NewAgent{Email: "ana@quita.test", Password: "12345678"}, false},
		{"not an e-mail", NewAgent{Email: "caio", Password: "12345678"}, false},
		{"short password", NewAgent{Email: "dani@quita.test", Password: "1234"}, false},
		{"bad role", NewAgent{Email: "edu@quita.test", Password: "12345678", Role: "boss"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := CreateAgent(context.Background(), e.store, tc.n)
			if (err == nil) != tc.ok {
				t.Fatalf("CreateAgent = %q, %v; want ok=%v", tok, err, tc.ok)
			}
		})
	}
	a, err := e.store.Agent(context.Background(), "caio@quita.test")
	if err != nil || a.Role != storage.RoleAgent || a.PasswordHash == "12345678" {
		t.Fatalf("stored agent = %+v, %v", a, err)
	}
	resp, body := e.do(request{method: "POST", path: "/api/v1/agents", token: adminToken, body: `{"email":"fer@quita.test","role":"agent","password":"senha-da-fer"}`})
	var out agentOut
	if resp.StatusCode != 201 || json.Unmarshal([]byte(body), &out) != nil || !strings.HasPrefix(out.Token, "qa_") {
		t.Fatalf("POST /api/v1/agents = %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do(request{method: "GET", path: "/api/v1/agent/queue", token: out.Token}); resp.StatusCode != 200 {
		t.Fatalf("the new token does not work: %d", resp.StatusCode)
	}
}

func TestHolderLabelNamesChatwootAgents(t *testing.T) {
	for agent, want := range map[string]string{
		"bia@quita.test":          "bia@quita.test",
		"chatwoot:12:Maria Souza": "held in Chatwoot by Maria Souza",
		"chatwoot:0:Chatwoot":     "held in Chatwoot by Chatwoot",
		"chatwoot:12:":            "held in Chatwoot by an agent",
	} {
		if got := HolderLabel(agent); got != want {
			t.Errorf("HolderLabel(%q) = %q, want %q", agent, got, want)
		}
	}
}
