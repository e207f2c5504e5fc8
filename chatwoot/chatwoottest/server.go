// Package chatwoottest is a fake Chatwoot for tests: an httptest server
// speaking the part of the Application API the bridge uses (contacts,
// conversations, messages, statuses, labels, assignments, agents, the
// profile), checking the api_access_token header, keeping everything in
// memory, behaving as Chatwoot does where the bridge depends on it (an
// incoming message reopens a resolved conversation, search matches
// substrings, labels are replaced, message_type incoming only in the API
// inbox), and calling quita's webhook for every change, signed as Chatwoot
// signs (X-Chatwoot-Signature over "{timestamp}.{body}", X-Chatwoot-
// Timestamp, X-Chatwoot-Delivery), in order, from one goroutine like one
// Sidekiq queue.
//
// Payload shapes follow Chatwoot's source and docs as cited in package
// chatwoot (doc.go); testdata/ of package chatwoot holds the documented
// samples the shapes are checked against.
//
// Tests drive agents (AgentReply, PrivateNote, Resolve, SetPending,
// Assign), faults (SetDown, FailNextPosts, LoseNextAnswer, Block) and
// deliveries (Redeliver, DeliverForged), and wait on conditions with Wait,
// which wakes on every change: no sleeps.
package chatwoottest

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/chatwoot"
)

// Options configure a fake account; zero values take the defaults.
type Options struct {
	Token     string // the only access token accepted (default "cw-test-token")
	AccountID int64  // default 1
	InboxID   int64  // the API inbox (default 7)
}

// Server is a fake Chatwoot account with one API-channel inbox.
type Server struct {
	srv  *httptest.Server
	opts Options

	mu            sync.Mutex
	changed       chan struct{}
	seq           int64
	profile       Agent
	agents        []Agent
	contacts      map[int64]*Contact
	contactOrder  []int64
	sourceIDs     map[string]int64 // contact inbox source id -> contact id
	convs         map[int64]*Conversation
	convOrder     []int64
	calls         []Call
	down          bool
	failPosts     int
	loseAnswers   int
	block         chan struct{}
	autoAssignTo  int64
	webhookURL    string
	webhookSecret string
	deliveries    []*Delivery
	queue         chan *Delivery
	done          chan struct{}
	httpClient    *http.Client
	now           func() time.Time
}

// Agent is a Chatwoot user.
type Agent struct {
	ID    int64
	Name  string
	Email string
	Role  string // administrator | agent
}

// Contact is a stored contact.
type Contact struct {
	ID               int64
	Name             string
	PhoneNumber      string
	Identifier       string
	CustomAttributes map[string]any
	Updates          int // PUTs received
}

// Conversation is a stored conversation.
type Conversation struct {
	ID               int64 // display id
	ContactID        int64
	SourceID         string
	Status           string
	Priority         string
	Labels           []string
	AssigneeID       int64
	TeamID           int64
	CustomAttributes map[string]any
	Messages         []*Message
}

// Message is a stored message.
type Message struct {
	ID                int64
	Type              string // incoming | outgoing | activity | template
	Content           string
	Private           bool
	SourceID          string
	ContentAttributes map[string]any
	SenderType        string // user | contact
	SenderID          int64
	Status            string // sent | delivered | read | failed
	ExternalError     string
	Files             []File
	CreatedAt         time.Time
}

// File is an uploaded attachment.
type File struct {
	Name, ContentType string
	Data              []byte
}

// Call is one API request the fake answered.
type Call struct {
	Method, Path string
	Status       int
}

// Delivery is one webhook call to quita.
type Delivery struct {
	ID     string // X-Chatwoot-Delivery
	Event  string
	Body   []byte
	Status int // quita's answer (0 before it answered, -1 on a network error)
	Err    string
}

// New starts a fake account; it stops with the test.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Token == "" {
		opts.Token = "cw-test-token"
	}
	if opts.AccountID == 0 {
		opts.AccountID = 1
	}
	if opts.InboxID == 0 {
		opts.InboxID = 7
	}
	s := &Server{opts: opts, changed: make(chan struct{}), contacts: map[int64]*Contact{}, sourceIDs: map[string]int64{},
		convs: map[int64]*Conversation{}, queue: make(chan *Delivery, 4096), done: make(chan struct{}),
		httpClient: &http.Client{Timeout: 10 * time.Second}, now: time.Now, seq: 100}
	s.profile = Agent{ID: 1, Name: "quita", Email: "quita@collector.example", Role: "administrator"}
	s.agents = []Agent{s.profile}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	go s.deliverLoop()
	t.Cleanup(func() {
		close(s.done)
		s.Unblock()
		s.srv.Close()
	})
	return s
}

// URL is the base address for QUITA_CHATWOOT_URL.
func (s *Server) URL() string { return s.srv.URL }

// Token, AccountID and InboxID are the fake's identifiers.
func (s *Server) Token() string    { return s.opts.Token }
func (s *Server) AccountID() int64 { return s.opts.AccountID }
func (s *Server) InboxID() int64   { return s.opts.InboxID }

// Config is a bridge configuration pointing at the fake.
func (s *Server) Config(secret string) chatwoot.Config {
	return chatwoot.Config{URL: s.URL(), AccountID: s.opts.AccountID, InboxID: s.opts.InboxID, Token: s.opts.Token,
		WebhookSecret: secret, Mirror: chatwoot.MirrorHandoffs}
}

// AddAgent creates an agent and returns its id.
func (s *Server) AddAgent(name, email string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.agents = append(s.agents, Agent{ID: s.seq, Name: name, Email: email, Role: "agent"})
	return s.seq
}

// SetDown makes every API call answer 503 (Chatwoot unreachable behind its proxy).
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
	s.notify()
}

// FailNextPosts makes the next n message posts answer 500 without saving.
func (s *Server) FailNextPosts(n int) {
	s.mu.Lock()
	s.failPosts = n
	s.mu.Unlock()
}

// LoseNextAnswer saves the next message post and then answers 500, as
// when the answer is lost after Chatwoot committed (a timeout): the
// client cannot tell it landed.
func (s *Server) LoseNextAnswer() {
	s.mu.Lock()
	s.loseAnswers++
	s.mu.Unlock()
}

// Block holds every API call until Unblock (a slow Chatwoot).
func (s *Server) Block() {
	s.mu.Lock()
	if s.block == nil {
		s.block = make(chan struct{})
	}
	s.mu.Unlock()
}

// Unblock releases the calls Block held.
func (s *Server) Unblock() {
	s.mu.Lock()
	if s.block != nil {
		close(s.block)
		s.block = nil
	}
	s.mu.Unlock()
}

// notify wakes Wait; call without s.mu held.
func (s *Server) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Wait returns once cond holds, checking it after every change of the
// fake (API call, webhook answer) or of the caller's own tick channel;
// it fails the test after timeout.
func (s *Server) Wait(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	// quita changes state between fake calls too (its own Redis work):
	// a slow ticker re-checks without relying on timing for correctness.
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("chatwoot fake: gave up waiting for %s after %s", what, timeout)
		}
	}
}

// Calls lists the API calls answered so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallCount counts the answered calls whose "METHOD path" matches re.
func (s *Server) CallCount(re string) int {
	r := regexp.MustCompile(re)
	n := 0
	for _, c := range s.Calls() {
		if r.MatchString(c.Method + " " + c.Path) {
			n++
		}
	}
	return n
}

// Contacts returns copies of the contacts, in creation order.
func (s *Server) Contacts() []Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Contact, 0, len(s.contactOrder))
	for _, id := range s.contactOrder {
		c := *s.contacts[id]
		c.CustomAttributes = copyMap(c.CustomAttributes)
		out = append(out, c)
	}
	return out
}

// Conversations returns copies of the conversations, in creation order.
func (s *Server) Conversations() []Conversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Conversation, 0, len(s.convOrder))
	for _, id := range s.convOrder {
		out = append(out, s.copyConv(s.convs[id]))
	}
	return out
}

// ConversationBySource is the conversation of a contact inbox source id.
func (s *Server) ConversationBySource(sourceID string) (Conversation, bool) {
	for _, c := range s.Conversations() {
		if c.SourceID == sourceID {
			return c, true
		}
	}
	return Conversation{}, false
}

func (s *Server) copyConv(c *Conversation) Conversation {
	out := *c
	out.Labels = append([]string(nil), c.Labels...)
	out.CustomAttributes = copyMap(c.CustomAttributes)
	out.Messages = nil
	for _, m := range c.Messages {
		cp := *m
		out.Messages = append(out.Messages, &cp)
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

var (
	reContacts       = regexp.MustCompile(`^/api/v1/accounts/(\d+)/contacts$`)
	reContactSearch  = regexp.MustCompile(`^/api/v1/accounts/(\d+)/contacts/search$`)
	reContact        = regexp.MustCompile(`^/api/v1/accounts/(\d+)/contacts/(\d+)$`)
	reContactConvs   = regexp.MustCompile(`^/api/v1/accounts/(\d+)/contacts/(\d+)/conversations$`)
	reConversations  = regexp.MustCompile(`^/api/v1/accounts/(\d+)/conversations$`)
	reConversation   = regexp.MustCompile(`^/api/v1/accounts/(\d+)/conversations/(\d+)$`)
	reConvSub        = regexp.MustCompile(`^/api/v1/accounts/(\d+)/conversations/(\d+)/(messages|toggle_status|toggle_priority|labels|assignments)$`)
	reMessage        = regexp.MustCompile(`^/api/v1/accounts/(\d+)/conversations/(\d+)/messages/(\d+)$`)
	reAgents         = regexp.MustCompile(`^/api/v1/accounts/(\d+)/agents$`)
	e164             = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)
	statuses         = map[string]bool{"open": true, "resolved": true, "pending": true, "snoozed": true}
	priorities       = map[string]bool{"urgent": true, "high": true, "medium": true, "low": true}
	messageStatuses  = map[string]bool{"sent": true, "delivered": true, "read": true, "failed": true}
	messageTypeCodes = map[string]int{"incoming": 0, "outgoing": 1, "activity": 2, "template": 3}
)

// reply is what a handler answers, and the webhooks its change causes.
type reply struct {
	status int
	body   any
	events []pendingEvent
}

type pendingEvent struct {
	name string
	body map[string]any
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	block := s.block
	s.mu.Unlock()
	if block != nil {
		select {
		case <-block:
		case <-r.Context().Done():
			return
		}
	}
	rep := s.handle(r)
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Status: rep.status})
	s.mu.Unlock()
	for _, ev := range rep.events {
		s.enqueue(ev)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(rep.status)
	if rep.body != nil {
		_ = json.NewEncoder(w).Encode(rep.body)
	}
	s.notify()
}

func errReply(status int, msg string) reply {
	return reply{status: status, body: map[string]any{"error": msg}}
}

func (s *Server) handle(r *http.Request) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return reply{status: http.StatusServiceUnavailable, body: map[string]any{"error": "503 Service Unavailable"}}
	}
	if r.Header.Get(chatwoot.TokenHeader) != s.opts.Token {
		return errReply(http.StatusUnauthorized, "Invalid Access Token")
	}
	p := r.URL.Path
	if p == "/api/v1/profile" && r.Method == http.MethodGet {
		return reply{status: 200, body: map[string]any{"id": s.profile.ID, "name": s.profile.Name, "email": s.profile.Email, "role": s.profile.Role}}
	}
	account := func(m []string) bool { return m[1] == strconv.FormatInt(s.opts.AccountID, 10) }
	id := func(v string) int64 { n, _ := strconv.ParseInt(v, 10, 64); return n }
	switch {
	case reContactSearch.MatchString(p) && r.Method == http.MethodGet:
		m := reContactSearch.FindStringSubmatch(p)
		if !account(m) {
			return errReply(401, "You are not authorized to access this account")
		}
		return s.searchContacts(r.URL.Query().Get("q"))
	case reContacts.MatchString(p) && r.Method == http.MethodPost:
		if !account(reContacts.FindStringSubmatch(p)) {
			return errReply(401, "You are not authorized to access this account")
		}
		return s.createContact(r)
	case reContact.MatchString(p) && r.Method == http.MethodPut:
		m := reContact.FindStringSubmatch(p)
		if !account(m) {
			return errReply(401, "You are not authorized to access this account")
		}
		return s.updateContact(id(m[2]), r)
	case reContactConvs.MatchString(p) && r.Method == http.MethodGet:
		m := reContactConvs.FindStringSubmatch(p)
		if !account(m) {
			return errReply(401, "You are not authorized to access this account")
		}
		var list []any
		for _, cid := range s.convOrder {
			if c := s.convs[cid]; c.ContactID == id(m[2]) {
				list = append(list, s.conversationJSON(c))
			}
		}
		return reply{status: 200, body: map[string]any{"payload": list}}
	case reConversations.MatchString(p) && r.Method == http.MethodPost:
		if !account(reConversations.FindStringSubmatch(p)) {
			return errReply(401, "You are not authorized to access this account")
		}
		return s.createConversation(r)
	case reConversation.MatchString(p) && r.Method == http.MethodGet:
		m := reConversation.FindStringSubmatch(p)
		c, ok := s.convs[id(m[2])]
		if !account(m) || !ok {
			return errReply(404, "Resource could not be found")
		}
		return reply{status: 200, body: s.conversationJSON(c)}
	case reMessage.MatchString(p) && r.Method == http.MethodPatch:
		m := reMessage.FindStringSubmatch(p)
		c, ok := s.convs[id(m[2])]
		if !account(m) || !ok {
			return errReply(404, "Resource could not be found")
		}
		return s.updateMessage(c, id(m[3]), r)
	case reConvSub.MatchString(p):
		m := reConvSub.FindStringSubmatch(p)
		c, ok := s.convs[id(m[2])]
		if !account(m) || !ok {
			return errReply(404, "Resource could not be found")
		}
		switch {
		case m[3] == "messages" && r.Method == http.MethodGet:
			return s.listMessages(c)
		case m[3] == "messages" && r.Method == http.MethodPost:
			return s.postMessage(c, r)
		case m[3] == "toggle_status" && r.Method == http.MethodPost:
			var in struct{ Status string }
			if err := decode(r, &in); err != nil || !statuses[in.Status] {
				return errReply(422, "status must be open, resolved, pending or snoozed")
			}
			return reply{status: 200, body: map[string]any{"meta": map[string]any{}, "payload": map[string]any{
				"success": true, "current_status": in.Status, "conversation_id": c.ID}}, events: s.setStatus(c, in.Status)}
		case m[3] == "toggle_priority" && r.Method == http.MethodPost:
			var in struct{ Priority string }
			if err := decode(r, &in); err != nil || !priorities[in.Priority] {
				return errReply(422, "priority must be urgent, high, medium or low")
			}
			c.Priority = in.Priority
			return reply{status: 200, events: []pendingEvent{s.conversationEvent(c, chatwoot.EventConversationUpdated, map[string][2]any{"priority": {nil, in.Priority}})}}
		case m[3] == "labels" && r.Method == http.MethodPost:
			var in struct{ Labels []string }
			if err := decode(r, &in); err != nil {
				return errReply(422, err.Error())
			}
			for _, l := range in.Labels {
				if !regexp.MustCompile(`^[\w-]+$`).MatchString(l) {
					return errReply(422, "label "+l+" is not a valid label title")
				}
			}
			before := c.Labels
			c.Labels = dedupe(in.Labels) // replaced, as Conversation#update_labels does
			return reply{status: 200, body: map[string]any{"payload": c.Labels},
				events: []pendingEvent{s.conversationEvent(c, chatwoot.EventConversationUpdated, map[string][2]any{"label_list": {before, c.Labels}})}}
		case m[3] == "assignments" && r.Method == http.MethodPost:
			var in struct {
				AssigneeID *int64 `json:"assignee_id"`
				TeamID     *int64 `json:"team_id"`
			}
			if err := decode(r, &in); err != nil {
				return errReply(422, err.Error())
			}
			if in.TeamID != nil {
				before := c.TeamID
				c.TeamID = *in.TeamID
				return reply{status: 200, body: map[string]any{"id": c.TeamID},
					events: []pendingEvent{s.conversationEvent(c, chatwoot.EventConversationUpdated, map[string][2]any{"team_id": {before, c.TeamID}})}}
			}
			if in.AssigneeID == nil {
				return errReply(422, "assignee_id or team_id is required")
			}
			if *in.AssigneeID != 0 && s.agent(*in.AssigneeID) == nil {
				return errReply(404, "Resource could not be found")
			}
			return reply{status: 200, body: map[string]any{"id": *in.AssigneeID}, events: s.assign(c, *in.AssigneeID)}
		}
	case reAgents.MatchString(p) && r.Method == http.MethodGet:
		var list []any
		for _, a := range s.agents {
			list = append(list, map[string]any{"id": a.ID, "name": a.Name, "email": a.Email, "role": a.Role, "available_name": a.Name})
		}
		return reply{status: 200, body: list}
	}
	return errReply(http.StatusNotFound, "no route "+r.Method+" "+p)
}

func decode(r *http.Request, v any) error {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range in {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Server) agent(id int64) *Agent {
	for i := range s.agents {
		if s.agents[i].ID == id {
			return &s.agents[i]
		}
	}
	return nil
}

// searchContacts is contacts_controller#search: a substring match over
// name, e-mail, phone and identifier (ILIKE %q%).
func (s *Server) searchContacts(q string) reply {
	q = strings.TrimSpace(q)
	if q == "" {
		return errReply(422, "Specify search string with parameter q")
	}
	var list []any
	for _, id := range s.contactOrder {
		c := s.contacts[id]
		if strings.Contains(strings.ToLower(c.Name), strings.ToLower(q)) || strings.Contains(c.PhoneNumber, q) || strings.Contains(c.Identifier, q) {
			list = append(list, s.contactJSON(c))
		}
	}
	return reply{status: 200, body: map[string]any{"meta": map[string]any{"count": len(list), "current_page": 1}, "payload": list}}
}

func (s *Server) createContact(r *http.Request) reply {
	var in struct {
		InboxID          int64          `json:"inbox_id"`
		SourceID         string         `json:"source_id"`
		Name             string         `json:"name"`
		PhoneNumber      string         `json:"phone_number"`
		Identifier       string         `json:"identifier"`
		CustomAttributes map[string]any `json:"custom_attributes"`
	}
	if err := decode(r, &in); err != nil {
		return errReply(422, err.Error())
	}
	if in.PhoneNumber != "" && !e164.MatchString(in.PhoneNumber) {
		return reply{status: 422, body: map[string]any{"message": "Phone number should be in e164 format", "attributes": []string{"phone_number"}}}
	}
	for _, c := range s.contacts {
		if in.PhoneNumber != "" && c.PhoneNumber == in.PhoneNumber {
			return reply{status: 422, body: map[string]any{"message": "Phone number has already been taken", "attributes": []string{"phone_number"}}}
		}
		if in.Identifier != "" && c.Identifier == in.Identifier {
			return reply{status: 422, body: map[string]any{"message": "Identifier has already been taken", "attributes": []string{"identifier"}}}
		}
	}
	s.seq++
	c := &Contact{ID: s.seq, Name: in.Name, PhoneNumber: in.PhoneNumber, Identifier: in.Identifier, CustomAttributes: in.CustomAttributes}
	s.contacts[c.ID] = c
	s.contactOrder = append(s.contactOrder, c.ID)
	ci := map[string]any{}
	if in.InboxID != 0 {
		if in.InboxID != s.opts.InboxID {
			return errReply(404, "Resource could not be found")
		}
		src := in.SourceID
		if src == "" {
			src = "src-" + strconv.FormatInt(c.ID, 10)
		}
		if _, taken := s.sourceIDs[src]; taken {
			return errReply(422, "source_id should be unique")
		}
		s.sourceIDs[src] = c.ID
		ci = map[string]any{"source_id": src, "inbox": map[string]any{"id": s.opts.InboxID, "channel_type": "Channel::Api"}}
	}
	return reply{status: 200, body: map[string]any{"payload": map[string]any{"contact": s.contactJSON(c), "contact_inbox": ci}}}
}

func (s *Server) updateContact(id int64, r *http.Request) reply {
	c, ok := s.contacts[id]
	if !ok {
		return errReply(404, "Resource could not be found")
	}
	var in struct {
		Name             string         `json:"name"`
		CustomAttributes map[string]any `json:"custom_attributes"`
	}
	if err := decode(r, &in); err != nil {
		return errReply(422, err.Error())
	}
	if in.Name != "" {
		c.Name = in.Name
	}
	if c.CustomAttributes == nil {
		c.CustomAttributes = map[string]any{}
	}
	for k, v := range in.CustomAttributes { // merged (contacts_controller#contact_custom_attributes)
		c.CustomAttributes[k] = v
	}
	c.Updates++
	return reply{status: 200, body: map[string]any{"payload": s.contactJSON(c)}}
}

func (s *Server) createConversation(r *http.Request) reply {
	var in struct {
		SourceID         string         `json:"source_id"`
		InboxID          int64          `json:"inbox_id"`
		ContactID        int64          `json:"contact_id"`
		Status           string         `json:"status"`
		TeamID           int64          `json:"team_id"`
		AssigneeID       int64          `json:"assignee_id"`
		CustomAttributes map[string]any `json:"custom_attributes"`
	}
	if err := decode(r, &in); err != nil {
		return errReply(422, err.Error())
	}
	if in.InboxID != s.opts.InboxID {
		return errReply(404, "Resource could not be found")
	}
	if _, ok := s.contacts[in.ContactID]; !ok {
		return errReply(404, "Resource could not be found")
	}
	if in.Status != "" && !statuses[in.Status] {
		return errReply(422, "'"+in.Status+"' is not a valid status")
	}
	// ContactInboxBuilder: the contact's inbox link under source_id.
	if owner, ok := s.sourceIDs[in.SourceID]; ok && owner != in.ContactID {
		return errReply(422, "source_id should be unique")
	}
	if in.SourceID == "" {
		in.SourceID = "src-" + strconv.FormatInt(in.ContactID, 10)
	}
	s.sourceIDs[in.SourceID] = in.ContactID
	if in.Status == "" {
		in.Status = chatwoot.StatusOpen
	}
	s.seq++
	c := &Conversation{ID: s.seq, ContactID: in.ContactID, SourceID: in.SourceID, Status: in.Status, TeamID: in.TeamID,
		AssigneeID: in.AssigneeID, CustomAttributes: in.CustomAttributes}
	s.convs[c.ID] = c
	s.convOrder = append(s.convOrder, c.ID)
	events := append([]pendingEvent{s.conversationEvent(c, chatwoot.EventConversationCreated, nil)}, s.autoAssign(c)...)
	return reply{status: 200, body: s.conversationJSON(c), events: events}
}

func (s *Server) listMessages(c *Conversation) reply {
	msgs := c.Messages
	if len(msgs) > 20 { // MessageFinder: the latest page
		msgs = msgs[len(msgs)-20:]
	}
	list := make([]any, 0, len(msgs))
	for _, m := range msgs {
		list = append(list, s.messageJSON(c, m))
	}
	return reply{status: 200, body: map[string]any{"meta": map[string]any{"labels": c.Labels}, "payload": list}}
}

// postMessage is messages_controller#create through MessageBuilder.
func (s *Server) postMessage(c *Conversation, r *http.Request) reply {
	if s.failPosts > 0 {
		s.failPosts--
		return errReply(500, "Internal Server Error")
	}
	m := &Message{Type: chatwoot.Outgoing, SenderType: chatwoot.SenderUser, SenderID: s.profile.ID, Status: "sent", CreatedAt: s.now()}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var attrs any
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return errReply(422, err.Error())
		}
		f := r.MultipartForm
		get := func(k string) string {
			if v := f.Value[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		m.Content, m.SourceID = get("content"), get("source_id")
		if t := get("message_type"); t != "" {
			m.Type = t
		}
		m.Private = get("private") == "true"
		if raw := get("content_attributes"); raw != "" {
			attrs = raw
		}
		for _, fh := range f.File["attachments[]"] {
			file, err := readFile(fh)
			if err != nil {
				return errReply(422, err.Error())
			}
			m.Files = append(m.Files, file)
		}
	} else {
		var in struct {
			Content           string `json:"content"`
			MessageType       string `json:"message_type"`
			Private           bool   `json:"private"`
			SourceID          string `json:"source_id"`
			EchoID            string `json:"echo_id"`
			ContentAttributes any    `json:"content_attributes"`
		}
		if err := decode(r, &in); err != nil {
			return errReply(422, err.Error())
		}
		m.Content, m.Private, m.SourceID, attrs = in.Content, in.Private, in.SourceID, in.ContentAttributes
		if in.MessageType != "" {
			m.Type = in.MessageType
		}
	}
	switch a := attrs.(type) { // a Hash, or a String parsed with safe_parse_json
	case map[string]any:
		m.ContentAttributes = a
	case string:
		_ = json.Unmarshal([]byte(a), &m.ContentAttributes)
	}
	if _, ok := messageTypeCodes[m.Type]; !ok {
		return errReply(422, "'"+m.Type+"' is not a valid message_type")
	}
	if m.Type == chatwoot.Incoming {
		m.SenderType, m.SenderID = chatwoot.SenderContact, c.ContactID
	}
	if m.Content == "" && len(m.Files) == 0 {
		return errReply(422, "Content can't be blank")
	}
	events := s.addMessage(c, m)
	if s.loseAnswers > 0 {
		s.loseAnswers--
		return reply{status: 500, body: map[string]any{"error": "upstream timed out"}, events: events}
	}
	return reply{status: 200, body: s.messageJSON(c, m), events: events}
}

func readFile(fh *multipart.FileHeader) (File, error) {
	f, err := fh.Open()
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return File{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: b}, err
}

// addMessage stores m and returns its webhooks; an incoming message
// reopens a resolved conversation (Message#reopen_conversation).
func (s *Server) addMessage(c *Conversation, m *Message) []pendingEvent {
	s.seq++
	m.ID = s.seq
	c.Messages = append(c.Messages, m)
	events := []pendingEvent{s.messageEvent(c, m)}
	if m.Type == chatwoot.Incoming && c.Status == chatwoot.StatusResolved {
		events = append(events, s.setStatus(c, chatwoot.StatusOpen)...)
	}
	return events
}

func (s *Server) updateMessage(c *Conversation, id int64, r *http.Request) reply {
	var in struct {
		Status        string `json:"status"`
		ExternalError string `json:"external_error"`
	}
	if err := decode(r, &in); err != nil || !messageStatuses[in.Status] {
		return errReply(422, "status must be sent, delivered, read or failed")
	}
	for _, m := range c.Messages {
		if m.ID == id {
			m.Status, m.ExternalError = in.Status, in.ExternalError
			return reply{status: 200, body: s.messageJSON(c, m)}
		}
	}
	return errReply(404, "Resource could not be found")
}

// setStatus changes a conversation's status: conversation_status_changed
// and conversation_updated (status is one of the allowed keys).
func (s *Server) setStatus(c *Conversation, status string) []pendingEvent {
	before := c.Status
	if before == status {
		return nil
	}
	c.Status = status
	diff := map[string][2]any{"status": {before, status}}
	events := []pendingEvent{s.conversationEvent(c, chatwoot.EventConversationStatusChanged, diff),
		s.conversationEvent(c, chatwoot.EventConversationUpdated, diff)}
	return append(events, s.autoAssign(c)...)
}

// autoAssign is the inbox's auto-assignment of an open conversation.
func (s *Server) autoAssign(c *Conversation) []pendingEvent {
	if s.autoAssignTo == 0 || c.Status != chatwoot.StatusOpen || c.AssigneeID != 0 {
		return nil
	}
	return s.assign(c, s.autoAssignTo)
}

// SetAutoAssign turns on the inbox's auto-assignment: a conversation that
// opens without an assignee is given to agentID (Conversation
// #run_auto_assignment), reported only as a conversation_updated.
func (s *Server) SetAutoAssign(agentID int64) {
	s.mu.Lock()
	s.autoAssignTo = agentID
	s.mu.Unlock()
}

func (s *Server) assign(c *Conversation, agentID int64) []pendingEvent {
	before := c.AssigneeID
	if before == agentID {
		return nil
	}
	c.AssigneeID = agentID
	var b, a any
	if before != 0 {
		b = before
	}
	if agentID != 0 {
		a = agentID
	}
	return []pendingEvent{s.conversationEvent(c, chatwoot.EventConversationUpdated, map[string][2]any{"assignee_id": {b, a}})}
}
