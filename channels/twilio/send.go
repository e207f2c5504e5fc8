package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/quita-bot/quita/channels"
)

// Send delivers msg with Twilio's CreateMessage. msg.Channel picks the
// sender: channels.TwilioWhatsApp sends from TWILIO_WHATSAPP_FROM, anything
// else is SMS from TWILIO_FROM. Attachments go as media URLs from the media
// store (quita serves them signed and expiring). A WhatsApp message that
// may not go free-form (SetWindow) goes as its template's ContentSid, or is
// refused with channels.CodeTemplateNeeded (templatePart).
//
// WhatsApp takes one media item per message and MMS exists only in the US
// and Canada, so one Outbound may become several Twilio messages: the text
// rides with the first; an SMS outside +1 carries its links in the body. The
// result names the last message, whose delivery implies the others went out
// before it. A failure after the first part is returned as retryable, so a
// retry may repeat the parts that were already sent.
//
// A 4xx answer that retrying will not fix (an invalid or unsubscribed
// number, say) is a *channels.PermanentError carrying Twilio's error code;
// network trouble, 5xx, 429 and 401 (credentials being rotated) are plain
// errors for the sender to retry.
func (t *Twilio) Send(ctx context.Context, msg channels.Outbound) (channels.SendResult, error) {
	to, err := channels.NormalizePhone(msg.To)
	if err != nil {
		return channels.SendResult{}, &channels.PermanentError{Code: "invalid_number", Err: err}
	}
	whatsapp := msg.Channel == channels.TwilioWhatsApp
	var from string
	switch {
	case whatsapp && t.whatsappFrom == "":
		return channels.SendResult{}, &channels.PermanentError{Code: "channel_not_configured",
			Err: errors.New("Twilio WhatsApp is off: set TWILIO_WHATSAPP_FROM")}
	case whatsapp:
		from, to = t.whatsappFrom, "whatsapp:"+to
	case t.from == "" && t.service == "":
		return channels.SendResult{}, &channels.PermanentError{Code: "channel_not_configured",
			Err: errors.New("Twilio SMS is off: set TWILIO_FROM")}
	default:
		from = t.from
	}

	var parts []part
	if whatsapp {
		if parts, err = t.templatePart(ctx, msg, strings.TrimPrefix(to, "whatsapp:")); err != nil {
			return channels.SendResult{}, err
		}
	}
	if parts == nil {
		if parts, err = t.split(msg, whatsapp, to); err != nil {
			return channels.SendResult{}, err
		}
	}
	var res channels.SendResult
	for i, p := range parts {
		params := (&openapi.CreateMessageParams{}).SetTo(to).SetStatusCallback(t.statusCallbackURL())
		if from != "" {
			params.SetFrom(from)
		} else {
			params.SetMessagingServiceSid(t.service)
		}
		if p.contentSid != "" {
			params.SetContentSid(p.contentSid)
		}
		if p.contentVars != "" {
			params.SetContentVariables(p.contentVars)
		}
		if p.body != "" {
			params.SetBody(p.body)
		}
		if len(p.media) > 0 {
			params.SetMediaUrl(p.media)
		}
		m, err := t.create(ctx, params)
		if err != nil {
			err = classify(err)
			t.log.Warn("twilio send failed", "to", channels.MaskPhone(strings.TrimPrefix(to, "whatsapp:")),
				"outbound_id", msg.ID, "part", i+1, "of", len(parts), "err", err)
			return channels.SendResult{}, err
		}
		res = channels.SendResult{ProviderID: deref(m.Sid), Status: status(deref(m.Status))}
		if res.Status == "" {
			res.Status = channels.StatusQueued
		}
		if p.contentSid != "" {
			res.Template = msg.Template
		}
	}
	return res, nil
}

// part is one Twilio message of an Outbound.
type part struct {
	body        string
	media       []string
	contentSid  string // an approved Content template (HX…), sent instead of body and media
	contentVars string // its ContentVariables: {"1":"…","2":"…"}
}

// templatePart is the Content API send of a WhatsApp message that may not
// go free-form: outside the 24-hour window (or with no free-form content)
// its template's ContentSid with the numbered variables, as Twilio
// documents it ("Send templates created with the Content Template
// Builder", https://www.twilio.com/docs/content/send-templates-created-with-the-content-template-builder).
// Without a ContentSid the message is refused as template_needed before
// Twilio sees it (Twilio would fail it with 63016). nil parts: free-form.
func (t *Twilio) templatePart(ctx context.Context, msg channels.Outbound, phone string) ([]part, error) {
	freeForm := msg.Text != "" || len(msg.Attachments) > 0
	if freeForm && t.window != nil {
		last, err := t.window.LastInbound(ctx, phone)
		if err != nil {
			return nil, fmt.Errorf("twilio: last inbound of %s: %w", channels.MaskPhone(phone), err)
		}
		freeForm = !last.IsZero() && t.now().Sub(last) < ServiceWindow
	}
	tpl := msg.Template
	switch {
	case freeForm:
		return nil, nil
	case tpl == nil || tpl.ContentSID == "":
		if msg.Text == "" && len(msg.Attachments) == 0 && tpl == nil {
			return nil, nil // nothing at all: split says so
		}
		return nil, &channels.PermanentError{Code: channels.CodeTemplateNeeded, Err: fmt.Errorf(
			"%s last wrote more than 24 hours ago (or never): WhatsApp takes only an approved template now, and this message has no twilio_content_sid (whatsapp_templates)",
			channels.MaskPhone(phone))}
	}
	p := part{contentSid: tpl.ContentSID}
	if len(tpl.Params) > 0 { // an empty ContentVariables is refused as invalid
		vars := make(map[string]string, len(tpl.Params))
		for i, v := range tpl.Params {
			vars[strconv.Itoa(i+1)] = v
		}
		b, err := json.Marshal(vars)
		if err != nil {
			return nil, err
		}
		p.contentVars = string(b)
	}
	return []part{p}, nil
}

// split turns msg into the Twilio messages that carry it (see Send).
func (t *Twilio) split(msg channels.Outbound, whatsapp bool, to string) ([]part, error) {
	urls := make([]string, 0, len(msg.Attachments))
	captions := make([]string, 0, len(msg.Attachments))
	for _, a := range msg.Attachments {
		u := a.URL
		if a.MediaID != "" {
			u = t.media.URL(a.MediaID)
		}
		if u == "" {
			return nil, &channels.PermanentError{Code: "attachment_without_media",
				Err: errors.New("attachment has neither a media id nor a URL")}
		}
		urls, captions = append(urls, u), append(captions, a.Caption)
	}
	var parts []part
	switch {
	case len(urls) == 0:
		parts = []part{{body: msg.Text}}
	case whatsapp:
		for i, u := range urls {
			body := captions[i]
			if i == 0 && msg.Text != "" {
				body = msg.Text
			}
			parts = append(parts, part{body: body, media: []string{u}})
		}
	case strings.HasPrefix(to, "+1"): // MMS: up to ten media per message
		for i := 0; i < len(urls); i += maxMedia {
			p := part{media: urls[i:min(i+maxMedia, len(urls))]}
			if i == 0 {
				p.body = msg.Text
			}
			parts = append(parts, p)
		}
	default: // no MMS here: the links go in the text
		parts = []part{{body: strings.TrimSpace(msg.Text + "\n" + strings.Join(urls, "\n"))}}
	}
	if parts[0].body == "" && len(parts[0].media) == 0 {
		return nil, &channels.PermanentError{Code: "empty_message", Err: errors.New("no text and no attachments")}
	}
	return parts, nil
}

// create calls twilio-go's CreateMessage with ctx honoured and, when
// TWILIO_API_URL is set, the request sent to that base URL. twilio-go takes
// no context and hard-codes https://api.twilio.com in its ApiService, so a
// small client is built per call: its http.Client carries ctx into each
// request and a BaseClient wrapper re-bases the URL the SDK built.
func (t *Twilio) create(ctx context.Context, params *openapi.CreateMessageParams) (*openapi.ApiV2010Message, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel() // CreateMessage has read and closed the body when it returns
	c := &client.Client{
		Credentials: client.NewCredentials(t.sid, t.token),
		HTTPClient: &http.Client{
			Transport:     ctxTransport{ctx: ctx, next: http.DefaultTransport},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
	c.SetAccountSid(t.sid)
	var base client.BaseClient = c
	if t.apiURL != nil {
		base = rebased{Client: c, base: t.apiURL}
	}
	return openapi.NewApiServiceWithClient(base).CreateMessage(params)
}

// rebased sends twilio-go's requests to another base URL (TWILIO_API_URL),
// keeping the path the SDK built: https://api.twilio.com/2010-04-01/… becomes
// <base>/2010-04-01/….
type rebased struct {
	*client.Client
	base *url.URL
}

func (r rebased) SendRequest(method, rawURL string, data url.Values, headers map[string]interface{}, body ...byte) (*http.Response, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	u.Scheme, u.Host, u.Path = r.base.Scheme, r.base.Host, r.base.Path+u.Path
	return r.Client.SendRequest(method, u.String(), data, headers, body...)
}

// ctxTransport attaches the caller's context to each request, which
// twilio-go builds with context.Background().
type ctxTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (c ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return c.next.RoundTrip(r.WithContext(c.ctx))
}

// classify marks the errors retrying will not fix as permanent.
func classify(err error) error {
	var rest *client.TwilioRestError
	if !errors.As(err, &rest) {
		return fmt.Errorf("twilio: %w", err)
	}
	switch s := rest.Status; {
	case s == http.StatusUnauthorized:
		return fmt.Errorf("twilio rejected the credentials; check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN: %w", err)
	case s == http.StatusRequestTimeout, s == http.StatusTooManyRequests, s < 400, s >= 500:
		return fmt.Errorf("twilio: %w", err)
	}
	code := strconv.Itoa(rest.Code)
	if rest.Code == 0 {
		code = "http_" + strconv.Itoa(rest.Status)
	}
	return &channels.PermanentError{Code: code, Err: err}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
