package asaas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Name is the provider name Asaas charges and payments carry.
const Name = "asaas"

// UserAgent identifies quita to Asaas, which requires one on every request
// of accounts created since 2024-06-13 (docs.asaas.com, Autenticação).
const UserAgent = "quita (+https://github.com/quita-bot/quita)"

// Config is what a creditor's `billing: asaas:` section resolves to: the
// API's base URL and the key itself (read by the caller from the
// environment variable the section names).
type Config struct {
	APIURL string // https://api.asaas.com/v3 or https://api-sandbox.asaas.com/v3
	APIKey string
}

// Client calls one Asaas account's API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	key  string
	http *http.Client

	mu        sync.Mutex
	customers map[string]string // CPF/CNPJ digits -> Asaas customer id, to spare a lookup per charge
}

// New returns a client for cfg. hc may be nil (a client with a 15 s
// timeout is used). The key travels only over HTTPS; plain HTTP is allowed
// to a loopback address, for fakes.
func New(cfg Config, hc *http.Client) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("asaas: the API key is empty: set the variable billing.asaas.api_key_env names")
	}
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(cfg.APIURL), "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("asaas: api_url %q is not a URL: use https://api.asaas.com/v3 or https://api-sandbox.asaas.com/v3", cfg.APIURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("asaas: api_url %q must be https: the API key may not travel in clear", cfg.APIURL)
	}
	if err := keyFitsHost(cfg.APIKey, u.Hostname()); err != nil {
		return nil, err
	}
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	return &Client{base: u, key: cfg.APIKey, http: hc, customers: map[string]string{}}, nil
}

// Hosts of Asaas's two environments (docs.asaas.com, "Comece por aqui").
const (
	productionHost = "api.asaas.com"
	sandboxHost    = "api-sandbox.asaas.com"
)

// keyFitsHost catches the two key mistakes Asaas documents, before any call
// would answer a bare 401: a key of the other environment (keys made since
// 2025-03-10 start $aact_prod_ or $aact_hmlg_, changelog "Novo Prefixo de
// Identificação das Chaves API"), and a key whose leading $ a shell or
// .env loader ate ("Padrão de chave com $ e clientes PHP"). Older keys,
// without a prefix, pass.
func keyFitsHost(key, host string) error {
	key = strings.TrimSpace(key)
	switch {
	case strings.HasPrefix(key, "aact_"):
		return errors.New("asaas: the API key lost its leading $ (a shell or .env file expanded it): quote the value so that it starts with $aact_")
	case strings.HasPrefix(key, "$aact_prod_") && host == sandboxHost:
		return fmt.Errorf("asaas: a production key ($aact_prod_…) with the sandbox api_url: use https://%s/v3 or a sandbox key", productionHost)
	case strings.HasPrefix(key, "$aact_hmlg_") && host == productionHost:
		return fmt.Errorf("asaas: a sandbox key ($aact_hmlg_…) with the production api_url: use https://%s/v3 or a production key", sandboxHost)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ErrorItem is one entry of Asaas's error body.
type ErrorItem struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// APIError is a non-2xx answer from Asaas. It names the call by its route
// (never its query, which may hold a CPF) and carries Asaas's errors[].
type APIError struct {
	Method string
	Route  string // e.g. /payments/{id}
	Status int
	Errors []ErrorItem
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "asaas: %s %s: HTTP %d", e.Method, e.Route, e.Status)
	for i, it := range e.Errors {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		fmt.Fprintf(&b, "%s%s (%s)", sep, it.Description, it.Code)
	}
	switch e.Status {
	case http.StatusUnauthorized:
		b.WriteString(": the API key was refused; check the key in billing.asaas.api_key_env and that it belongs to the environment of api_url (sandbox or production)")
	case http.StatusForbidden:
		b.WriteString(": Asaas refused the request (a body on a GET, a blocked IP or API abuse)")
	case http.StatusTooManyRequests:
		b.WriteString(": rate limited by Asaas, try again later")
	}
	return b.String()
}

// HasCode reports whether Asaas returned the error code.
func (e *APIError) HasCode(code string) bool {
	for _, it := range e.Errors {
		if it.Code == code {
			return true
		}
	}
	return false
}

// IsNotFound reports whether err is Asaas's 404.
func IsNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

// do sends one call: route names it in errors, path and query build the URL,
// in (if not nil) is the JSON body, out (if not nil) receives the answer.
func (c *Client) do(ctx context.Context, method, route, path string, query url.Values, in, out any) error {
	u := *c.base
	u.Path = strings.TrimRight(c.base.Path, "/") + path
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("asaas: %s %s: %w", method, route, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return fmt.Errorf("asaas: %s %s: %w", method, route, err)
	}
	req.Header.Set("access_token", c.key)
	req.Header.Set("User-Agent", UserAgent)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error quotes the URL, whose query may hold a CPF: keep its cause only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("asaas: %s %s: %w", method, route, redact(err, c.key))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("asaas: %s %s: reading the answer: %w", method, route, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		ae := &APIError{Method: method, Route: route, Status: resp.StatusCode}
		var eb struct {
			Errors []ErrorItem `json:"errors"`
		}
		if json.Unmarshal(raw, &eb) == nil {
			for _, it := range eb.Errors {
				it.Description = strings.ReplaceAll(it.Description, c.key, "[key]")
				ae.Errors = append(ae.Errors, it)
			}
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("asaas: %s %s: unexpected answer: %w", method, route, err)
	}
	return nil
}

// redact keeps the key out of a transport error, should a proxy or a
// wrapped error echo a header.
func redact(err error, key string) error {
	if key == "" || !strings.Contains(err.Error(), key) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), key, "[key]"))
}
