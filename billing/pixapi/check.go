package pixapi

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Check proves the certificate, the client id and secret, and the cobv
// scope work: a token, then one read call (GET /cobv over the last day,
// one item). Its error names what failed and how to fix it, never a secret.
func (c *Client) Check(ctx context.Context) error {
	if _, err := c.token.get(ctx); err != nil {
		return err
	}
	now := c.now()
	q := url.Values{"inicio": {now.Add(-24 * time.Hour).UTC().Format(time.RFC3339)}, "fim": {now.UTC().Format(time.RFC3339)},
		"paginacao.itensPorPagina": {"1"}}
	var l cobvList
	return c.do(ctx, http.MethodGet, "/cobv?inicio&fim", "/cobv", q, nil, &l)
}
