package pixapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// ErrMalformedRec is a delivery to {webhookUrl}/rec or /cobr that is not
// the spec's WebhookRecBody {"recs":[…]} or WebhookCobRBody {"cobsr":[…]}.
var ErrMalformedRec = errors.New("pix_api webhook: not a WebhookRecBody {\"recs\":[…]} nor WebhookCobRBody {\"cobsr\":[…]}")

// ParseRecWebhook reads a delivery to {webhookUrl}/rec (callback of PUT
// /webhookrec) and returns the idRecs it names. Nothing else in it is
// believed: each is read back with Recurrence.
func ParseRecWebhook(body []byte) ([]string, error) {
	var raw struct {
		Recs *[]struct {
			IDRec string `json:"idRec"`
		} `json:"recs"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedRec, err)
	}
	if raw.Recs == nil {
		return nil, fmt.Errorf("%w: no recs array", ErrMalformedRec)
	}
	var ids []string
	for _, r := range *raw.Recs {
		ids = append(ids, r.IDRec)
	}
	return uniqueIDs(ids, recIDPattern.MatchString, "idRec")
}

// ParseCobRWebhook reads a delivery to {webhookUrl}/cobr (callback of PUT
// /webhookcobr) and returns the txids it names, to read back with
// Recurring.
func ParseCobRWebhook(body []byte) ([]string, error) {
	var raw struct {
		CobsR *[]struct {
			Txid string `json:"txid"`
		} `json:"cobsr"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformedRec, err)
	}
	if raw.CobsR == nil {
		return nil, fmt.Errorf("%w: no cobsr array", ErrMalformedRec)
	}
	var ids []string
	for _, c := range *raw.CobsR {
		ids = append(ids, c.Txid)
	}
	return uniqueIDs(ids, txidPattern.MatchString, "txid")
}

func uniqueIDs(ids []string, valid func(string) bool, name string) ([]string, error) {
	out := []string{}
	seen := map[string]bool{}
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if !valid(id) {
			return nil, fmt.Errorf("%w: %s %q", ErrMalformedRec, name, id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// RegisterRecurringWebhooks points the PSP's Pix Automático notifications
// at webhookURL (PUT /webhookrec and PUT /webhookcobr, WebhookRecSolicitado
// and WebhookCobRSolicitado): the PSP then posts to webhookURL + "/rec"
// and webhookURL + "/cobr".
func (c *Client) RegisterRecurringWebhooks(ctx context.Context, webhookURL string) error {
	u, err := url.Parse(webhookURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("pix_api: the webhook URL %q must be https://…: the PSP calls it over mutual TLS", webhookURL)
	}
	for _, route := range []string{"/webhookrec", "/webhookcobr"} {
		if err := c.do(ctx, http.MethodPut, route, route, nil, webhookRequest{WebhookURL: webhookURL}, nil); err != nil {
			return err
		}
	}
	return nil
}
