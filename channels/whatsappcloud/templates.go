package whatsappcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quita-bot/quita/templates"
)

// TemplateAPI manages a WhatsApp Business Account's message templates
// through the Graph API: GET and POST /{waba-id}/message_templates ("Create
// and manage templates",
// https://developers.facebook.com/docs/whatsapp/business-management-api/message-templates).
type TemplateAPI struct {
	token, apiURL, wabaID string
	http                  *http.Client
}

// NewTemplateAPI checks the settings sync needs; each error names its
// variable and the fix. apiURL "" is DefaultAPIURL.
func NewTemplateAPI(token, apiURL, wabaID string) (*TemplateAPI, error) {
	var errs []error
	if strings.TrimSpace(token) == "" {
		errs = append(errs, errors.New("WHATSAPP_CLOUD_TOKEN is empty: use a system-user token with the whatsapp_business_management permission"))
	}
	switch w := strings.TrimSpace(wabaID); {
	case w == "":
		errs = append(errs, errors.New("WHATSAPP_CLOUD_WABA_ID is empty: copy the WhatsApp Business Account ID from WhatsApp > API Setup in the Meta app dashboard"))
	case !digits.MatchString(w):
		errs = append(errs, fmt.Errorf("WHATSAPP_CLOUD_WABA_ID %q is not an account ID: use the numeric WhatsApp Business Account ID", w))
	}
	api := strings.TrimSuffix(strings.TrimSpace(apiURL), "/")
	if api == "" {
		api = DefaultAPIURL
	}
	if u, err := url.Parse(api); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("WHATSAPP_CLOUD_API_URL %q is not an http(s) base URL: leave it empty for %s", apiURL, DefaultAPIURL))
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("whatsapp templates: %w", errors.Join(errs...))
	}
	return &TemplateAPI{token: strings.TrimSpace(token), apiURL: api, wabaID: strings.TrimSpace(wabaID),
		http: &http.Client{Timeout: 60 * time.Second}}, nil
}

// maxPages bounds List: a business has at most a few thousand templates.
const maxPages = 100

// List returns every template of the account with its review status,
// following the answer's paging.next links.
func (a *TemplateAPI) List(ctx context.Context) ([]templates.Existing, error) {
	next := a.apiURL + "/" + a.wabaID + "/message_templates?" + url.Values{
		"fields": {"name,language,status,category,rejected_reason,id"}, "limit": {"100"}}.Encode()
	var out []templates.Existing
	for page := 0; next != "" && page < maxPages; page++ {
		var body struct {
			Data   []templates.Existing `json:"data"`
			Paging struct {
				Next string `json:"next"`
			} `json:"paging"`
		}
		if err := a.do(ctx, http.MethodGet, next, nil, &body); err != nil {
			return nil, err
		}
		out = append(out, body.Data...)
		next = body.Paging.Next
		if next != "" && !a.sameHost(next) { // the token goes only where it came from
			return nil, fmt.Errorf("whatsapp templates: the next page is on another host (%.60s)", next)
		}
	}
	return out, nil
}

func (a *TemplateAPI) sameHost(link string) bool {
	u, err1 := url.Parse(link)
	base, err2 := url.Parse(a.apiURL)
	return err1 == nil && err2 == nil && u.Scheme == base.Scheme && u.Host == base.Host
}

// Created is Meta's answer to a template submitted for review.
type Created struct {
	ID       string `json:"id"`
	Status   string `json:"status"`   // PENDING, or APPROVED/REJECTED when the review was instant
	Category string `json:"category"` // as Meta classified it
}

// Create submits a template for review.
func (a *TemplateAPI) Create(ctx context.Context, req templates.CreateRequest) (Created, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return Created{}, err
	}
	var c Created
	if err := a.do(ctx, http.MethodPost, a.apiURL+"/"+a.wabaID+"/message_templates", b, &c); err != nil {
		return Created{}, fmt.Errorf("create template %s (%s): %w", req.Name, req.Language, err)
	}
	return c, nil
}

func (a *TemplateAPI) do(ctx context.Context, method, u string, body []byte, out any) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return fmt.Errorf("whatsapp templates: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("whatsapp templates: reading the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return graphError(resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("whatsapp templates: answer is not JSON: %w", err)
	}
	return nil
}
