package twilio

import (
	"crypto/hmac"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
)

// emptyTwiML acknowledges an inbound message without replying in-band: the
// reply goes out later through the bot's outbound queue.
const emptyTwiML = `<?xml version="1.0" encoding="UTF-8"?><Response></Response>`

// maxMedia is Twilio's limit of media items on one message.
const maxMedia = 10

// Register mounts the inbound-message and status-callback webhooks on r,
// which must sit at the root of QUITA_PUBLIC_URL (Twilio signs the full URL).
// Each handler answers only after sink has taken the message durably; a sink
// error becomes 503 so that Twilio tries again.
func (t *Twilio) Register(r fiber.Router, sink channels.Sink) {
	r.Post(InboundPath, func(c *fiber.Ctx) error { return t.handleInbound(c, sink) })
	r.Post(StatusPath, func(c *fiber.Ctx) error { return t.handleStatus(c, sink) })
}

func (t *Twilio) handleInbound(c *fiber.Ctx, sink channels.Sink) error {
	params, rejected := t.verify(c)
	if rejected != nil {
		return reply(c, rejected)
	}
	msg, err := t.parseInbound(params)
	if err != nil {
		t.log.Warn("twilio inbound rejected", "err", err)
		return reply(c, fiber.NewError(fiber.StatusBadRequest, err.Error()))
	}
	if err := sink.Accept(c.UserContext(), msg); err != nil {
		t.log.Error("twilio inbound not stored; Twilio will retry", "provider_id", msg.ProviderID, "err", err)
		return reply(c, fiber.NewError(fiber.StatusServiceUnavailable, "message not stored, try again"))
	}
	c.Set(fiber.HeaderContentType, "text/xml")
	return c.Status(fiber.StatusOK).SendString(emptyTwiML)
}

func (t *Twilio) handleStatus(c *fiber.Ctx, sink channels.Sink) error {
	params, rejected := t.verify(c)
	if rejected != nil {
		return reply(c, rejected)
	}
	st, err := t.parseStatus(params)
	if err != nil {
		t.log.Warn("twilio status callback rejected", "err", err)
		return reply(c, fiber.NewError(fiber.StatusBadRequest, err.Error()))
	}
	if st.Status == "" { // a status quita does not track (e.g. receiving)
		t.log.Debug("twilio status ignored", "provider_id", st.ProviderID, "status", params["MessageStatus"])
		return c.SendStatus(fiber.StatusNoContent)
	}
	if err := sink.UpdateStatus(c.UserContext(), st); err != nil {
		t.log.Error("twilio status not stored; Twilio will retry", "provider_id", st.ProviderID, "err", err)
		return reply(c, fiber.NewError(fiber.StatusServiceUnavailable, "status not stored, try again"))
	}
	if st.Status == channels.StatusFailed || st.Status == channels.StatusUndelivered {
		t.log.Warn("twilio message not delivered", "channel", st.Channel, "provider_id", st.ProviderID,
			"status", st.Status, "error_code", st.ErrorCode)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// verify enforces the body limit and checks X-Twilio-Signature against the
// public URL of this request (QUITA_PUBLIC_URL + path + query), so it holds
// behind a proxy that rewrites host or scheme. It returns the POST
// parameters exactly as they were signed: the first value of each name,
// which is what twilio-go's validator signs and what the parsers read.
func (t *Twilio) verify(c *fiber.Ctx) (map[string]string, *fiber.Error) {
	body := c.BodyRaw() // raw: the signature covers the bytes Twilio sent, never a decoded copy
	if c.Request().Header.ContentLength() > t.maxBody || len(body) > t.maxBody {
		return nil, fiber.NewError(fiber.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", t.maxBody))
	}
	signature := c.Get("X-Twilio-Signature")
	if signature == "" {
		t.log.Warn("twilio webhook without X-Twilio-Signature", "path", c.Path(), "ip", c.IP())
		return nil, fiber.NewError(fiber.StatusForbidden, "missing X-Twilio-Signature")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fiber.NewError(fiber.StatusBadRequest, "body is not application/x-www-form-urlencoded")
	}
	params := make(map[string]string, len(form))
	for k, v := range form {
		params[k] = v[0]
	}
	// The URL as configured first (one HMAC); twilio-go's validator, which
	// also tries it with and without the port (two HMACs and two URL
	// parses, ~8% of a webhook's CPU), only when that fails.
	full := t.publicURL + c.OriginalURL()
	if !hmac.Equal([]byte(Sign(t.token, full, form)), []byte(signature)) && !t.validator.Validate(full, params, signature) {
		t.log.Warn("twilio webhook with a wrong signature; check TWILIO_AUTH_TOKEN and QUITA_PUBLIC_URL",
			"url", t.publicURL+c.Path(), "ip", c.IP())
		return nil, fiber.NewError(fiber.StatusForbidden, "invalid X-Twilio-Signature")
	}
	return params, nil
}

// parseInbound turns the parameters of Twilio's incoming-message webhook
// (https://www.twilio.com/docs/messaging/guides/webhook-request) into an Inbound.
func (t *Twilio) parseInbound(p map[string]string) (channels.Inbound, error) {
	sid := firstOf(p, "MessageSid", "SmsMessageSid", "SmsSid")
	if sid == "" {
		return channels.Inbound{}, errors.New("no MessageSid")
	}
	from, err := channels.NormalizePhone(p["From"])
	if err != nil {
		return channels.Inbound{}, fmt.Errorf("From: %w", err)
	}
	to, _ := channels.NormalizePhone(p["To"]) // our own number; informative only
	msg := channels.Inbound{
		Channel:     channelOf(p["From"], p["To"]),
		From:        from,
		To:          to,
		Text:        p["Body"],
		ProviderID:  sid,
		ProfileName: p["ProfileName"],
		ReplyTo:     p["OriginalRepliedMessageSid"],
		At:          t.now().UTC(),
	}
	if msg.Text == "" { // a WhatsApp quick-reply button carries its label here
		msg.Text = p["ButtonText"]
	}
	msg.Payload = p["ButtonPayload"] // the button's id in the Content template

	n := 0
	if s := p["NumMedia"]; s != "" {
		if n, err = strconv.Atoi(s); err != nil || n < 0 || n > maxMedia {
			return channels.Inbound{}, fmt.Errorf("NumMedia %q is not a count from 0 to %d", s, maxMedia)
		}
	}
	for i := range n {
		u := p["MediaUrl"+strconv.Itoa(i)]
		if u == "" {
			return channels.Inbound{}, fmt.Errorf("NumMedia is %d but MediaUrl%d is missing", n, i)
		}
		ct := p["MediaContentType"+strconv.Itoa(i)]
		msg.Attachments = append(msg.Attachments, channels.Attachment{Kind: kindOf(ct), ContentType: ct, URL: u})
	}
	return msg, nil
}

// parseStatus turns a status callback into a StatusUpdate; Status is empty
// for statuses quita does not track.
func (t *Twilio) parseStatus(p map[string]string) (channels.StatusUpdate, error) {
	sid := firstOf(p, "MessageSid", "SmsSid")
	if sid == "" {
		return channels.StatusUpdate{}, errors.New("no MessageSid")
	}
	raw := firstOf(p, "MessageStatus", "SmsStatus")
	if raw == "" {
		return channels.StatusUpdate{}, errors.New("no MessageStatus")
	}
	return channels.StatusUpdate{
		Channel:      channelOf(p["From"], p["To"]),
		ProviderID:   sid,
		Status:       status(raw),
		ErrorCode:    p["ErrorCode"],
		ErrorMessage: p["ErrorMessage"],
		At:           t.now().UTC(),
	}, nil
}

// status maps Twilio's message statuses onto quita's (Twilio's vocabulary,
// so mostly the identity); "" means not tracked.
func status(s string) string {
	switch s = strings.ToLower(s); s {
	case channels.StatusQueued, channels.StatusSending, channels.StatusSent, channels.StatusDelivered,
		channels.StatusRead, channels.StatusUndelivered, channels.StatusFailed:
		return s
	case "accepted", "scheduled": // taken by a Messaging Service, not yet queued at the carrier
		return channels.StatusQueued
	case "canceled": // a scheduled message cancelled: it will never go
		return channels.StatusFailed
	case "partially_delivered":
		return channels.StatusSent
	}
	return ""
}

// kindOf names the attachment kind of a MIME type; anything that is not
// image, audio or video (a PDF receipt, a vCard) is a document.
func kindOf(contentType string) string {
	switch mt, _, _ := strings.Cut(contentType, "/"); strings.ToLower(mt) {
	case "image":
		return channels.KindImage
	case "audio":
		return channels.KindAudio
	case "video":
		return channels.KindVideo
	}
	return channels.KindDocument
}

// reply answers a rejected webhook directly, so the status code Twilio sees
// does not depend on the application's error handler.
func reply(c *fiber.Ctx, e *fiber.Error) error {
	return c.Status(e.Code).SendString(e.Message)
}

func firstOf(p map[string]string, names ...string) string {
	for _, n := range names {
		if v := p[n]; v != "" {
			return v
		}
	}
	return ""
}
