package pixapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Name is the provider name API Pix charges and payments carry.
const Name = "pix_api"

// Scopes are what quita asks the token for: issue and read cobranças com
// vencimento, read the Pix received, register the webhook.
const Scopes = "cobv.write cobv.read pix.read webhook.write"

// Config is what a creditor's `billing: pix_api:` section resolves to, the
// client id and secret read by the caller from the environment variables
// the section names.
type Config struct {
	BaseURL      string // the PSP's API Pix, e.g. https://pix.banco.example/api/v2
	TokenURL     string // its OAuth2 token endpoint
	ClientID     string
	ClientSecret string
	CertFile     string // the creditor's mTLS client certificate (PEM)
	KeyFile      string // and its private key (PEM)
	CAFile       string // optional CA bundle for the PSP's server certificate, added to the system's
	Key          string // the creditor's chave Pix that receives
	// Now is the clock the token's expiry is read on (time.Now when nil).
	Now func() time.Time
	// Timeout bounds one HTTP call (15 s when zero).
	Timeout time.Duration
	// Recurring asks the token for Pix Automático's scopes too (RecurringScopes).
	Recurring bool
}

// Client calls one creditor's API Pix at its PSP. It is safe for
// concurrent use: one token serves every call until shortly before it
// expires, and a single fetch runs at a time.
type Client struct {
	base  *url.URL
	key   string
	http  *http.Client
	token *tokenSource
	now   func() time.Time
}

// New returns a client for cfg, its TLS client certificate loaded from
// cfg.CertFile and cfg.KeyFile. Both URLs must be https: the PSP accepts
// nothing else, and the secret may not travel in clear.
func New(cfg Config) (*Client, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{{"base_url", cfg.BaseURL}, {"token_url", cfg.TokenURL},
		{"the client id (client_id_env)", cfg.ClientID}, {"the client secret (client_secret_env)", cfg.ClientSecret},
		{"cert_file", cfg.CertFile}, {"key_file", cfg.KeyFile}, {"key (the chave Pix)", cfg.Key}} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("pix_api: %s required in billing.pix_api", strings.Join(missing, ", "))
	}
	base, err := httpsURL("base_url", cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	tokenURL, err := httpsURL("token_url", cfg.TokenURL)
	if err != nil {
		return nil, err
	}
	tc, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	hc := &http.Client{Timeout: timeout, Transport: &http.Transport{
		TLSClientConfig: tc, Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true,
		MaxIdleConnsPerHost: 8, IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: 10 * time.Second,
	}}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	scope := Scopes
	if cfg.Recurring {
		scope += " " + RecurringScopes
	}
	return &Client{base: base, key: strings.TrimSpace(cfg.Key), http: hc, now: now,
		token: &tokenSource{url: tokenURL.String(), id: cfg.ClientID, secret: cfg.ClientSecret, scope: scope,
			http: hc, now: now, lock: make(chan struct{}, 1)}}, nil
}

func httpsURL(field, raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("pix_api: %s %q is not a URL: write the PSP's https://… address", field, raw)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("pix_api: %s %q must be https: the API Pix is served only over mutual TLS", field, raw)
	}
	return u, nil
}

// tlsConfig presents the creditor's certificate and trusts the system's
// CAs plus cfg.CAFile.
func tlsConfig(cfg Config) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
	if err != nil {
		// The error names the files, never their content.
		return nil, fmt.Errorf("pix_api: client certificate %s / key %s: %w (both PEM, the certificate the PSP issued or accepted for this account)", cfg.CertFile, cfg.KeyFile, err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("pix_api: ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("pix_api: ca_file %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// Key is the chave Pix the client issues charges to.
func (c *Client) Key() string { return c.key }

// Violation is one entry of a Problema's violacoes.
type Violation struct {
	Reason   string `json:"razao"`
	Property string `json:"propriedade"`
	Value    string `json:"valor,omitempty"`
}

// APIError is a non-2xx answer of the API Pix: the call by its route
// (never a query, which may hold a CPF) and the RFC 7807 Problema body.
type APIError struct {
	Method     string
	Route      string // e.g. /cobv/{txid}
	Status     int
	Type       string // https://pix.bcb.gov.br/api/v2/error/<TipoErro>
	Title      string
	Detail     string
	Violations []Violation
}

// Kind is the TipoErro of the problem's type, e.g. CobVOperacaoInvalida.
func (e *APIError) Kind() string {
	if i := strings.LastIndex(e.Type, "/"); i >= 0 {
		return e.Type[i+1:]
	}
	return e.Type
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pix_api: %s %s: HTTP %d", e.Method, e.Route, e.Status)
	if k := e.Kind(); k != "" {
		fmt.Fprintf(&b, " %s", k)
	}
	for _, s := range []string{e.Title, e.Detail} {
		if s != "" {
			fmt.Fprintf(&b, ": %s", s)
		}
	}
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "; %s (%s)", v.Reason, v.Property)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		b.WriteString(": the PSP refused the token; check client_id_env and client_secret_env")
	case http.StatusForbidden:
		b.WriteString(": the PSP denied this call (AcessoNegado): the contract or the token's scopes do not cover it; ask the PSP to enable cobv, pix and webhook for this certificate")
	case http.StatusServiceUnavailable:
		b.WriteString(": the PSP's API Pix is unavailable, try again later")
	}
	return b.String()
}

// IsNotFound reports whether err is the API's 404 (NaoEncontrado,
// CobVNaoEncontrada, PixNaoEncontrado).
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// do sends one authorised call; route names it in errors. A 401 is
// answered once with a fresh token (the PSP may revoke one early).
func (c *Client) do(ctx context.Context, method, route, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("pix_api: %s %s: %w", method, route, err)
		}
		body = b
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.token.get(ctx)
		if err != nil {
			return err
		}
		status, raw, err := c.send(ctx, method, route, path, query, body, tok)
		if err != nil {
			return err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			c.token.drop(tok)
			continue
		}
		if status < 200 || status > 299 {
			return problem(method, route, status, raw)
		}
		if out == nil || len(bytes.TrimSpace(raw)) == 0 {
			return nil
		}
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("pix_api: %s %s: unexpected answer: %w", method, route, err)
		}
		return nil
	}
}

func (c *Client) send(ctx context.Context, method, route, path string, query url.Values, body []byte, tok string) (int, []byte, error) {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	u.RawPath = ""
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return 0, nil, fmt.Errorf("pix_api: %s %s: %w", method, route, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("pix_api: %s %s: %w", method, route, transportError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("pix_api: %s %s: reading the answer: %w", method, route, err)
	}
	return resp.StatusCode, raw, nil
}

// transportError keeps the cause of a failed call and drops the URL a
// url.Error quotes (its query may hold a CPF); a refused certificate gets
// a hint.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var hn x509.HostnameError
	switch {
	case errors.As(err, &ua):
		return fmt.Errorf("%w: the PSP's server certificate is not trusted; name its CA bundle in billing.pix_api.ca_file", err)
	case errors.As(err, &ci), errors.As(err, &hn):
		return fmt.Errorf("%w: the PSP's server certificate does not fit this address", err)
	case strings.Contains(err.Error(), "certificate required") || strings.Contains(err.Error(), "bad certificate") || strings.Contains(err.Error(), "unknown certificate authority"):
		return fmt.Errorf("%w: the PSP refused quita's client certificate; use the one it issued or registered for this account (cert_file, key_file)", err)
	}
	return err
}

// problem reads an RFC 7807 body (schema Problema); a body that is not one
// still yields the status.
func problem(method, route string, status int, raw []byte) error {
	ae := &APIError{Method: method, Route: route, Status: status}
	var p struct {
		Type       string      `json:"type"`
		Title      string      `json:"title"`
		Detail     string      `json:"detail"`
		Violations []Violation `json:"violacoes"`
	}
	if json.Unmarshal(raw, &p) == nil {
		ae.Type, ae.Title, ae.Detail, ae.Violations = p.Type, p.Title, p.Detail, p.Violations
	}
	return ae
}
