package main

import (
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/quita-bot/quita/portfolio"
)

// uploadLimit is the largest body of a portfolio file upload (the console's
// upload page, POST /api/v1/debts with a file); every other request keeps
// the 1 MiB of BodyLimit.
const uploadLimit = 32 << 20

// uploadLimits lets portfolio files through, with the time a 32 MB upload
// over a slow line needs; fasthttp asks before it reads a body.
func uploadLimits(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if !h.IsPost() {
		return fasthttp.RequestConfig{}
	}
	path, ct := string(h.RequestURI()), string(h.ContentType())
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	file := strings.HasPrefix(ct, "multipart/form-data") || strings.HasPrefix(ct, "text/csv") || strings.HasPrefix(ct, portfolio.XLSXContentType)
	if (path == "/api/v1/debts" && file) || path == "/console/admin/import" {
		return fasthttp.RequestConfig{MaxRequestBodySize: uploadLimit, ReadTimeout: 2 * time.Minute}
	}
	return fasthttp.RequestConfig{}
}
