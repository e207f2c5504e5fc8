package asaas

import (
	"context"
	"net/http"
	"net/url"
)

// Check makes one read call (GET /customers?limit=1) to prove the key and
// URL work, for `quita payments check`. Its error names what failed and
// how to fix it, never the key.
func (c *Client) Check(ctx context.Context) error {
	var l list[customer]
	return c.do(ctx, http.MethodGet, "/customers?limit", "/customers", url.Values{"limit": {"1"}}, nil, &l)
}
