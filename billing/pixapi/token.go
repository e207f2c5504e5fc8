package pixapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// tokenSource fetches and caches the OAuth2 access token of one client
// (RFC 6749 §4.4, client credentials). The token is reused until a little
// before expires_in runs out; one fetch runs at a time and callers that
// arrive meanwhile wait for it (or for their context).
type tokenSource struct {
	url, id, secret, scope string
	http                   *http.Client
	now                    func() time.Time

	lock    chan struct{} // a mutex whose waiters can give up on their context
	token   string
	expires time.Time // when to fetch again (before the PSP's expiry)
}

// defaultLifetime is assumed when the PSP leaves expires_in out (it is
// only RECOMMENDED, RFC 6749 §5.1).
const defaultLifetime = 5 * time.Minute

// early is how long before its expiry a token is replaced: a fifth of its
// life, at most a minute, so that a call never leaves with a token that
// lapses on its way.
func early(life time.Duration) time.Duration { return min(life/5, time.Minute) }

func (t *tokenSource) get(ctx context.Context) (string, error) {
	select {
	case t.lock <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("pix_api: waiting for the access token: %w", ctx.Err())
	}
	defer func() { <-t.lock }()
	if t.token != "" && t.now().Before(t.expires) {
		return t.token, nil
	}
	tok, life, err := t.fetch(ctx)
	if err != nil {
		return "", err
	}
	t.token, t.expires = tok, t.now().Add(life-early(life))
	return tok, nil
}

// drop forgets tok after the API refused it, so the next call fetches
// another (unless a concurrent call already did).
func (t *tokenSource) drop(tok string) {
	t.lock <- struct{}{}
	defer func() { <-t.lock }()
	if t.token == tok {
		t.token = ""
	}
}

// fetch is the token request: POST token_url, form grant_type and scope,
// the client authenticated with HTTP Basic (RFC 6749 §2.3.1, §4.4.2).
func (t *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {t.scope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, fmt.Errorf("pix_api: token request: %w", err)
	}
	req.SetBasicAuth(url.QueryEscape(t.id), url.QueryEscape(t.secret))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.http.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("pix_api: token request to token_url: %w", transportError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", 0, fmt.Errorf("pix_api: token answer: %w", err)
	}
	// RFC 6749 §5.1 (success) and §5.2 (error).
	var body struct {
		AccessToken string          `json:"access_token"`
		TokenType   string          `json:"token_type"`
		ExpiresIn   json.RawMessage `json:"expires_in"`
		Error       string          `json:"error"`
		Description string          `json:"error_description"`
	}
	_ = json.Unmarshal(raw, &body)
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		msg := fmt.Sprintf("pix_api: token_url answered HTTP %d", resp.StatusCode)
		if body.Error != "" {
			msg += ": " + body.Error
		}
		if body.Description != "" {
			msg += " (" + strings.ReplaceAll(body.Description, t.secret, "[secret]") + ")"
		}
		switch body.Error {
		case "invalid_client":
			msg += ": the PSP did not accept the client id and secret; check the variables client_id_env and client_secret_env name"
		case "invalid_scope":
			msg += ": the PSP does not grant " + t.scope + " to this client; ask it to enable cobv, pix and webhook"
		}
		return "", 0, fmt.Errorf("%s", msg)
	}
	if body.TokenType != "" && !strings.EqualFold(body.TokenType, "bearer") {
		return "", 0, fmt.Errorf("pix_api: token_url issued a %q token; the API Pix takes Bearer tokens", body.TokenType)
	}
	return body.AccessToken, lifetime(body.ExpiresIn), nil
}

// lifetime reads expires_in, which PSPs write as a number or a string of
// seconds.
func lifetime(raw json.RawMessage) time.Duration {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil || n <= 0 {
		return defaultLifetime
	}
	return time.Duration(n) * time.Second
}
