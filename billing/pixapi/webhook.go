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

// ErrMalformed is a webhook body that is not the API Pix's {"pix":[…]}:
// answer 400.
var ErrMalformed = errors.New("pix_api webhook: not a WebhookPixBody {\"pix\":[…]}")

// Notice is one Pix a webhook delivery names. Nothing in it is believed:
// pass EndToEndID to Confirm.
type Notice struct {
	EndToEndID string
	Txid       string
}

// ParseWebhook reads a delivery to {webhookUrl}/pix (the callback listaPix
// of PUT /webhook/{chave}, body WebhookPixBody). The PSP proves itself by
// mutual TLS at quita's TLS terminator, not in the body; the body only
// says which endToEndIds to confirm.
func ParseWebhook(body []byte) ([]Notice, error) {
	var raw struct {
		Pix *[]pix `json:"pix"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if raw.Pix == nil {
		return nil, fmt.Errorf("%w: no pix array", ErrMalformed)
	}
	out := make([]Notice, 0, len(*raw.Pix))
	seen := map[string]bool{}
	for _, p := range *raw.Pix {
		id := strings.TrimSpace(p.EndToEndID)
		if id == "" {
			return nil, fmt.Errorf("%w: a pix without endToEndId", ErrMalformed)
		}
		if !seen[id] { // one Pix notified twice in a delivery (a payment and its devolução) is confirmed once
			seen[id] = true
			out = append(out, Notice{EndToEndID: id, Txid: p.Txid})
		}
	}
	return out, nil
}

// RegisterWebhook points the PSP's notifications for the creditor's key at
// webhookURL (PUT /webhook/{chave}, WebhookSolicitado). The PSP then posts
// to webhookURL + "/pix".
func (c *Client) RegisterWebhook(ctx context.Context, webhookURL string) error {
	u, err := url.Parse(webhookURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("pix_api: the webhook URL %q must be https://…: the PSP calls it over mutual TLS", webhookURL)
	}
	return c.do(ctx, http.MethodPut, "/webhook/{chave}", "/webhook/"+url.PathEscape(c.key), nil, webhookRequest{WebhookURL: webhookURL}, nil)
}
