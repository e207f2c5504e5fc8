package whatsappcloud

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
)

// Register mounts the webhook on r: GET answers Meta's verification
// handshake, POST takes signed events. A POST is acknowledged only after
// sink has taken every message and status in it; a sink error becomes 503
// so that Meta posts the whole batch again (the bot dedupes by ProviderID).
func (c *Cloud) Register(r fiber.Router, sink channels.Sink) {
	r.Get(WebhookPath, c.handleVerify)
	r.Post(WebhookPath, func(ctx *fiber.Ctx) error { return c.handleEvents(ctx, sink) })
}

// handleVerify answers the subscription handshake: hub.mode=subscribe and
// our verify token get hub.challenge echoed back; anything else 403.
func (c *Cloud) handleVerify(ctx *fiber.Ctx) error {
	mode, token, challenge := ctx.Query("hub.mode"), ctx.Query("hub.verify_token"), ctx.Query("hub.challenge")
	if mode != "subscribe" || subtle.ConstantTimeCompare([]byte(token), []byte(c.verifyToken)) != 1 {
		c.log.Warn("whatsapp cloud webhook verification refused; check WHATSAPP_CLOUD_VERIFY_TOKEN", "mode", mode, "ip", ctx.IP())
		return ctx.Status(fiber.StatusForbidden).SendString("verification refused")
	}
	c.log.Info("whatsapp cloud webhook verified")
	ctx.Set(fiber.HeaderContentType, fiber.MIMETextPlainCharsetUTF8)
	return ctx.Status(fiber.StatusOK).SendString(challenge)
}

func (c *Cloud) handleEvents(ctx *fiber.Ctx, sink channels.Sink) error {
	body := ctx.BodyRaw() // the signature covers the raw bytes, never a decoded copy
	if ctx.Request().Header.ContentLength() > c.maxBody || len(body) > c.maxBody {
		return ctx.Status(fiber.StatusRequestEntityTooLarge).SendString(fmt.Sprintf("body over %d bytes", c.maxBody))
	}
	if !c.validSignature(ctx.Get("X-Hub-Signature-256"), body) {
		c.log.Warn("whatsapp cloud webhook with a missing or wrong X-Hub-Signature-256; check WHATSAPP_CLOUD_APP_SECRET", "ip", ctx.IP())
		return ctx.Status(fiber.StatusForbidden).SendString("invalid X-Hub-Signature-256")
	}
	var p webhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		c.log.Warn("whatsapp cloud webhook is not the JSON we expect", "err", err)
		return ctx.Status(fiber.StatusBadRequest).SendString("malformed JSON")
	}
	inbound, statuses := c.parse(&p)
	uctx := ctx.UserContext()
	for _, m := range inbound {
		if err := sink.Accept(uctx, m); err != nil {
			c.log.Error("whatsapp cloud inbound not stored; Meta will retry", "provider_id", m.ProviderID, "err", err)
			return ctx.Status(fiber.StatusServiceUnavailable).SendString("not stored, try again")
		}
	}
	for _, st := range statuses {
		if err := sink.UpdateStatus(uctx, st); err != nil {
			c.log.Error("whatsapp cloud status not stored; Meta will retry", "provider_id", st.ProviderID, "err", err)
			return ctx.Status(fiber.StatusServiceUnavailable).SendString("not stored, try again")
		}
		if st.Status == channels.StatusFailed {
			c.log.Warn("whatsapp cloud message failed", "provider_id", st.ProviderID, "error_code", st.ErrorCode, "error", st.ErrorMessage)
		}
	}
	return ctx.SendStatus(fiber.StatusOK)
}

// validSignature checks header = "sha256=" + hex(HMAC-SHA256(app secret,
// body)) in constant time.
func (c *Cloud) validSignature(header string, body []byte) bool {
	hexSig, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, c.appSecret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// parse collects what quita keeps from a payload. Items quita cannot use
// (reactions, locations, messages to another business number, senders
// without a phone number) are logged and left out rather than failing the
// batch, which Meta would otherwise post again for days.
func (c *Cloud) parse(p *webhookPayload) ([]channels.Inbound, []channels.StatusUpdate) {
	var inbound []channels.Inbound
	var statuses []channels.StatusUpdate
	for _, e := range p.Entry {
		for _, ch := range e.Changes {
			if ch.Field != "" && ch.Field != "messages" {
				continue
			}
			v := &ch.Value
			if id := v.Metadata.PhoneNumberID; id != "" && id != c.phoneID {
				c.log.Warn("whatsapp cloud event for another business number ignored; is WHATSAPP_CLOUD_PHONE_ID right?", "phone_number_id", id)
				continue
			}
			for i := range v.Messages {
				if m, ok := c.inbound(v, &v.Messages[i]); ok {
					inbound = append(inbound, m)
				}
			}
			for i := range v.Statuses {
				if st, ok := c.status(&v.Statuses[i]); ok {
					statuses = append(statuses, st)
				}
			}
		}
	}
	return inbound, statuses
}

func (c *Cloud) inbound(v *webhookValue, m *webhookMessage) (channels.Inbound, bool) {
	from, err := channels.NormalizePhone("+" + m.From) // wa_id is international, without +
	if err != nil || m.ID == "" {
		c.log.Warn("whatsapp cloud message without a usable sender or id ignored", "id", m.ID, "err", err)
		return channels.Inbound{}, false
	}
	in := channels.Inbound{
		Channel:    channels.WhatsAppCloud,
		From:       from,
		ProviderID: m.ID,
		At:         c.unixOrNow(m.Timestamp),
	}
	in.To, _ = channels.NormalizePhone("+" + v.Metadata.DisplayPhoneNumber)
	for _, ct := range v.Contacts {
		if ct.WaID == m.From || len(v.Contacts) == 1 {
			in.ProfileName = ct.Profile.Name
			break
		}
	}
	if m.Context != nil {
		in.ReplyTo = m.Context.ID
	}
	attach := func(kind string, md *webhookMedia) bool {
		if md == nil || md.ID == "" && md.URL == "" {
			return false
		}
		in.Text = md.Caption
		in.Attachments = []channels.Attachment{{Kind: kind, ContentType: md.MimeType, Filename: md.Filename, MediaID: md.ID, URL: md.URL}}
		return true
	}
	ok := false
	switch m.Type {
	case "text":
		if ok = m.Text != nil; ok {
			in.Text = m.Text.Body
		}
	case "image":
		ok = attach(channels.KindImage, m.Image)
	case "sticker":
		ok = attach(channels.KindImage, m.Sticker)
	case "audio": // voice notes too (audio.voice = true)
		ok = attach(channels.KindAudio, m.Audio)
	case "video":
		ok = attach(channels.KindVideo, m.Video)
	case "document":
		ok = attach(channels.KindDocument, m.Document)
	case "interactive":
		if it := m.Interactive; it != nil {
			switch {
			case it.ButtonReply != nil:
				in.Text, in.Payload, ok = it.ButtonReply.Title, it.ButtonReply.ID, true
			case it.ListReply != nil:
				in.Text, in.Payload, ok = it.ListReply.Title, it.ListReply.ID, true
			}
		}
	case "button": // quick-reply button of a template: the payload quita set when sending it
		if ok = m.Button != nil; ok {
			in.Text, in.Payload = m.Button.Text, m.Button.Payload
		}
	}
	if !ok {
		c.log.Info("whatsapp cloud message of a kind quita does not handle ignored", "type", m.Type, "id", m.ID)
	}
	return in, ok
}

func (c *Cloud) status(s *webhookStatus) (channels.StatusUpdate, bool) {
	var st string
	switch s.Status {
	case "sent":
		st = channels.StatusSent
	case "delivered":
		st = channels.StatusDelivered
	case "read", "played": // played: a voice message was listened to
		st = channels.StatusRead
	case "failed":
		st = channels.StatusFailed
	}
	if st == "" || s.ID == "" {
		c.log.Debug("whatsapp cloud status ignored", "status", s.Status, "id", s.ID)
		return channels.StatusUpdate{}, false
	}
	u := channels.StatusUpdate{Channel: channels.WhatsAppCloud, ProviderID: s.ID, Status: st, At: c.unixOrNow(s.Timestamp)}
	if len(s.Errors) > 0 {
		e := s.Errors[0]
		u.ErrorCode = strconv.Itoa(e.Code)
		u.ErrorMessage = e.Title
		if e.ErrorData.Details != "" {
			u.ErrorMessage += ": " + e.ErrorData.Details
		}
	}
	return u, true
}

// unixOrNow reads Meta's timestamps (Unix seconds as a string).
func (c *Cloud) unixOrNow(s string) time.Time {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC()
	}
	return c.now().UTC()
}
