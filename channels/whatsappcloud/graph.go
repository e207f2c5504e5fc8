package whatsappcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/quita-bot/quita/channels"
)

// upload sends the stored media to Meta (POST /{phone-id}/media, multipart)
// and returns Meta's media id and the file name to show.
func (c *Cloud) upload(ctx context.Context, a channels.Attachment) (id, filename string, err error) {
	f, err := c.media.Open(ctx, a.MediaID)
	if err != nil {
		return "", "", fmt.Errorf("whatsapp cloud: open media %s: %w", a.MediaID, err)
	}
	ct := a.ContentType
	if ct == "" {
		ct = f.ContentType
	}
	if ct == "" {
		ct = http.DetectContentType(f.Data)
	}
	filename = a.Filename
	if filename == "" {
		filename = f.Filename
	}
	if filename == "" {
		filename = a.MediaID
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("messaging_product", "whatsapp")
	_ = w.WriteField("type", ct)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", multipart.FileContentDisposition("file", filename))
	h.Set("Content-Type", ct)
	fw, _ := w.CreatePart(h)
	_, _ = fw.Write(f.Data)
	if err := w.Close(); err != nil {
		return "", "", err
	}
	var out struct {
		ID string `json:"id"`
	}
	if err := c.post(ctx, "/"+c.phoneID+"/media", w.FormDataContentType(), &body, &out); err != nil {
		return "", "", err
	}
	if out.ID == "" {
		return "", "", errors.New("whatsapp cloud: media upload answered without an id")
	}
	return out.ID, filename, nil
}

// post calls the Graph API and decodes a 2xx answer into out.
func (c *Cloud) post(ctx context.Context, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.apiURL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("whatsapp cloud: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("whatsapp cloud: reading the answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return graphError(resp.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("whatsapp cloud: answer is not JSON: %w", err)
	}
	return nil
}

// retryableCodes are Graph API error codes that can come with a 4xx but go
// away with time: throttling and temporary trouble at Meta
// (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
var retryableCodes = map[int]bool{
	1:      true, // API unknown
	2:      true, // API service temporarily unavailable
	4:      true, // API too many calls
	80007:  true, // rate limit issues
	130429: true, // throughput rate limit hit
	131000: true, // something went wrong
	131016: true, // service unavailable
	131048: true, // spam rate limit hit
	131056: true, // too many messages to the same number (pair rate limit)
	133004: true, // server temporarily unavailable
}

// graphError turns a non-2xx Graph API answer into an error, permanent
// when retrying will not fix it.
func graphError(status int, body []byte) error {
	var e struct {
		Error struct {
			Message   string `json:"message"`
			Type      string `json:"type"`
			Code      int    `json:"code"`
			Subcode   int    `json:"error_subcode"`
			ErrorData struct {
				Details string `json:"details"`
			} `json:"error_data"`
			FBTraceID string `json:"fbtrace_id"`
		} `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	ge := e.Error
	desc := ge.Message
	if ge.ErrorData.Details != "" {
		desc += " (" + ge.ErrorData.Details + ")"
	}
	if desc == "" {
		desc = strings.TrimSpace(string(body[:min(len(body), 200)]))
	}
	err := fmt.Errorf("whatsapp cloud: HTTP %d, error %d: %s", status, ge.Code, desc)
	switch {
	case status == http.StatusUnauthorized || ge.Code == 190:
		return fmt.Errorf("%w; check WHATSAPP_CLOUD_TOKEN", err)
	case status >= 500, status == http.StatusTooManyRequests, status == http.StatusRequestTimeout, retryableCodes[ge.Code]:
		return err
	case status >= 400:
		code := strconv.Itoa(ge.Code)
		if ge.Code == 0 {
			code = "http_" + strconv.Itoa(status)
		}
		return &channels.PermanentError{Code: code, Err: err}
	}
	return err
}
