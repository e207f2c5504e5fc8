package chatwoot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TokenHeader carries the access token on every Application API call.
const TokenHeader = "api_access_token"

// Client calls one Chatwoot account's Application API. It is safe for
// concurrent use.
type Client struct {
	base    string // https://host/api/v1
	account string // /accounts/{id}
	token   string
	http    *http.Client
}

// NewClient returns a client for cfg; hc may be nil (10 s timeout).
func NewClient(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	return &Client{base: cfg.URL + "/api/v1", account: "/accounts/" + strconv.FormatInt(cfg.AccountID, 10), token: cfg.Token, http: hc}
}

// APIError is an answer other than 2xx.
type APIError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("chatwoot %s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// Retryable reports whether trying the same call later may succeed:
// network errors, timeouts, 408, 429 and 5xx. A 4xx says the request
// itself is wrong (or the token, or the object is gone).
func Retryable(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == http.StatusTooManyRequests || ae.Status == http.StatusRequestTimeout || ae.Status >= 500
	}
	return err != nil
}

// NotFound reports whether err is a 404 (the object was deleted in Chatwoot).
func NotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// call sends one request; body is JSON-encoded unless it is a *multipartBody.
func (c *Client) call(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case *multipartBody:
		rd, ctype = bytes.NewReader(b.data), b.contentType
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("chatwoot %s %s: encode: %w", method, path, err)
		}
		rd, ctype = bytes.NewReader(enc), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("chatwoot %s %s: %w", method, path, err)
	}
	req.Header.Set(TokenHeader, c.token)
	req.Header.Set("Accept", "application/json")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("chatwoot %s %s: timed out: %w", method, path, err)
		}
		return fmt.Errorf("chatwoot %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("chatwoot %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		if resp.StatusCode == http.StatusUnauthorized {
			msg += " (QUITA_CHATWOOT_TOKEN is refused: use the access token of a Chatwoot administrator)"
		}
		return &APIError{Method: method, Path: path, Status: resp.StatusCode, Body: msg}
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("chatwoot %s %s: decode answer: %w", method, path, err)
	}
	return nil
}

// Profile is the user behind the token.
func (c *Client) Profile(ctx context.Context) (Profile, error) {
	var p Profile
	return p, c.call(ctx, http.MethodGet, "/profile", nil, &p)
}

// SearchContacts finds contacts whose name, e-mail, phone or identifier
// contains q (GET …/contacts/search?q=).
func (c *Client) SearchContacts(ctx context.Context, q string) ([]Contact, error) {
	var out struct {
		Payload []Contact `json:"payload"`
	}
	err := c.call(ctx, http.MethodGet, c.account+"/contacts/search?include_contact_inboxes=false&q="+url.QueryEscape(q), nil, &out)
	return out.Payload, err
}

// ContactInput is a contact to create or update.
type ContactInput struct {
	InboxID          int64          `json:"inbox_id,omitempty"`
	SourceID         string         `json:"source_id,omitempty"`
	Name             string         `json:"name,omitempty"`
	PhoneNumber      string         `json:"phone_number,omitempty"`
	Identifier       string         `json:"identifier,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

// CreateContact creates a contact and, with InboxID, its contact inbox.
func (c *Client) CreateContact(ctx context.Context, in ContactInput) (Contact, error) {
	var out struct {
		Payload struct {
			Contact Contact `json:"contact"`
		} `json:"payload"`
	}
	err := c.call(ctx, http.MethodPost, c.account+"/contacts", in, &out)
	return out.Payload.Contact, err
}

// UpdateContact changes a contact; custom_attributes are merged into the
// contact's own by Chatwoot (contacts_controller#contact_custom_attributes).
func (c *Client) UpdateContact(ctx context.Context, id int64, in ContactInput) error {
	return c.call(ctx, http.MethodPut, c.account+"/contacts/"+strconv.FormatInt(id, 10), in, nil)
}

// ContactConversations lists a contact's conversations.
func (c *Client) ContactConversations(ctx context.Context, contactID int64) ([]Conversation, error) {
	var out struct {
		Payload []Conversation `json:"payload"`
	}
	err := c.call(ctx, http.MethodGet, c.account+"/contacts/"+strconv.FormatInt(contactID, 10)+"/conversations", nil, &out)
	return out.Payload, err
}

// ConversationInput is a conversation to create.
type ConversationInput struct {
	SourceID         string         `json:"source_id"`
	InboxID          int64          `json:"inbox_id"`
	ContactID        int64          `json:"contact_id"`
	Status           string         `json:"status,omitempty"`
	TeamID           int64          `json:"team_id,omitempty"`
	CustomAttributes map[string]any `json:"custom_attributes,omitempty"`
}

// CreateConversation opens a conversation on the contact inbox of source id.
func (c *Client) CreateConversation(ctx context.Context, in ConversationInput) (Conversation, error) {
	var out Conversation
	return out, c.call(ctx, http.MethodPost, c.account+"/conversations", in, &out)
}

// Conversation reads one conversation.
func (c *Client) Conversation(ctx context.Context, id int64) (Conversation, error) {
	var out Conversation
	return out, c.call(ctx, http.MethodGet, c.convPath(id), nil, &out)
}

// Messages lists a conversation's latest messages (Chatwoot's page: the
// last 20, oldest first).
func (c *Client) Messages(ctx context.Context, convID int64) ([]Message, error) {
	var out struct {
		Payload []Message `json:"payload"`
	}
	err := c.call(ctx, http.MethodGet, c.convPath(convID)+"/messages", nil, &out)
	return out.Payload, err
}

// File is an attachment to upload.
type File struct {
	Name, ContentType string
	Data              []byte
}

// MessageInput is a message to post.
type MessageInput struct {
	Content           string         `json:"content,omitempty"`
	MessageType       string         `json:"message_type"`
	Private           bool           `json:"private"`
	SourceID          string         `json:"source_id,omitempty"`
	EchoID            string         `json:"echo_id,omitempty"`
	ContentAttributes map[string]any `json:"content_attributes,omitempty"`
	Files             []File         `json:"-"`
}

// CreateMessage posts a message: JSON, or multipart/form-data with
// attachments[] when it has files (MessageBuilder#process_attachments).
func (c *Client) CreateMessage(ctx context.Context, convID int64, in MessageInput) (Message, error) {
	var out Message
	var body any = in
	if len(in.Files) > 0 {
		mp, err := multipartOf(in)
		if err != nil {
			return out, err
		}
		body = mp
	}
	return out, c.call(ctx, http.MethodPost, c.convPath(convID)+"/messages", body, &out)
}

// UpdateMessageStatus reports the delivery of an agent's message (API
// inboxes only: messages_controller#update, status sent | delivered |
// read | failed, with external_error shown to the agent).
func (c *Client) UpdateMessageStatus(ctx context.Context, convID, msgID int64, status, externalError string) error {
	body := map[string]string{"status": status}
	if externalError != "" {
		body["external_error"] = externalError
	}
	return c.call(ctx, http.MethodPatch, c.convPath(convID)+"/messages/"+strconv.FormatInt(msgID, 10), body, nil)
}

// ToggleStatus sets a conversation's status (open | resolved | pending | snoozed).
func (c *Client) ToggleStatus(ctx context.Context, convID int64, status string) error {
	return c.call(ctx, http.MethodPost, c.convPath(convID)+"/toggle_status", map[string]string{"status": status}, nil)
}

// TogglePriority sets a conversation's priority (urgent | high | medium | low).
func (c *Client) TogglePriority(ctx context.Context, convID int64, priority string) error {
	return c.call(ctx, http.MethodPost, c.convPath(convID)+"/toggle_priority", map[string]string{"priority": priority}, nil)
}

// SetLabels replaces a conversation's labels (labels_controller#create).
func (c *Client) SetLabels(ctx context.Context, convID int64, labels []string) error {
	return c.call(ctx, http.MethodPost, c.convPath(convID)+"/labels", map[string][]string{"labels": labels}, nil)
}

// AssignAgent assigns a conversation to an agent (0 unassigns).
func (c *Client) AssignAgent(ctx context.Context, convID, agentID int64) error {
	return c.call(ctx, http.MethodPost, c.convPath(convID)+"/assignments", map[string]int64{"assignee_id": agentID}, nil)
}

// AssignTeam assigns a conversation to a team.
func (c *Client) AssignTeam(ctx context.Context, convID, teamID int64) error {
	return c.call(ctx, http.MethodPost, c.convPath(convID)+"/assignments", map[string]int64{"team_id": teamID}, nil)
}

// Agents lists the account's agents.
func (c *Client) Agents(ctx context.Context) ([]Agent, error) {
	var out []Agent
	return out, c.call(ctx, http.MethodGet, c.account+"/agents", nil, &out)
}

func (c *Client) convPath(id int64) string {
	return c.account + "/conversations/" + strconv.FormatInt(id, 10)
}

type multipartBody struct {
	data        []byte
	contentType string
}

// multipartOf encodes a message with files as Rails reads it: scalar
// fields, content_attributes as a JSON string (MessageBuilder parses a
// String with safe_parse_json) and each file as attachments[].
func multipartOf(in MessageInput) (*multipartBody, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields := [][2]string{{"content", in.Content}, {"message_type", in.MessageType}, {"private", strconv.FormatBool(in.Private)},
		{"source_id", in.SourceID}, {"echo_id", in.EchoID}}
	if len(in.ContentAttributes) > 0 {
		enc, err := json.Marshal(in.ContentAttributes)
		if err != nil {
			return nil, err
		}
		fields = append(fields, [2]string{"content_attributes", string(enc)})
	}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if err := w.WriteField(f[0], f[1]); err != nil {
			return nil, err
		}
	}
	for _, f := range in.Files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="attachments[]"; filename=%q`, f.Name))
		h.Set("Content-Type", f.ContentType)
		part, err := w.CreatePart(h)
		if err != nil {
			return nil, err
		}
		if _, err := part.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return &multipartBody{data: buf.Bytes(), contentType: w.FormDataContentType()}, nil
}
