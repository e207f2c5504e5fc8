// Package simulator is the web chat channel: a person plays a debtor in the
// browser, and tests and scripts drive the same JSON API.
package simulator

import (
	"context"
	_ "embed"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/channels"
)

//go:embed page.html
var page []byte

// Entry is one transcript line as the simulator API shows it.
type Entry struct {
	ID          string                `json:"id"`
	Direction   string                `json:"direction"`
	Text        string                `json:"text,omitempty"`
	Attachments []channels.Attachment `json:"attachments,omitempty"`
	Time        time.Time             `json:"time"`
	Status      string                `json:"status,omitempty"`
	Origin      string                `json:"origin,omitempty"`
}

// Transcripts reads a conversation's transcript.
type Transcripts func(ctx context.Context, phone string) ([]Entry, error)

// Channel is the simulator provider: sending succeeds at once, the debtor's
// browser reads the reply from the transcript.
type Channel struct{}

// Name implements channels.Channel.
func (Channel) Name() string { return channels.Simulator }

// Send implements channels.Channel.
func (Channel) Send(_ context.Context, m channels.Outbound) (channels.SendResult, error) {
	return channels.SendResult{ProviderID: "sim-" + m.ID, Status: channels.StatusDelivered}, nil
}

// inboundRequest is the body of POST /simulator/api/messages.
type inboundRequest struct {
	From        string                `json:"from"`
	Text        string                `json:"text"`
	ID          string                `json:"id"` // provider message id; generated when empty
	Attachments []channels.Attachment `json:"attachments"`
}

// Register mounts the page and the JSON API.
func Register(r fiber.Router, sink channels.Sink, transcripts Transcripts, newID func() string) {
	r.Get("/simulator", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		c.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'")
		return c.Send(page)
	})
	r.Post("/simulator/api/messages", func(c *fiber.Ctx) error {
		var req inboundRequest
		if err := c.BodyParser(&req); err != nil {
			return fiber.NewError(fiber.StatusBadRequest, `body must be JSON like {"from":"+5511987650001","text":"oi"}`)
		}
		from, err := channels.NormalizePhone(req.From)
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
		if strings.TrimSpace(req.Text) == "" && len(req.Attachments) == 0 {
			return fiber.NewError(fiber.StatusBadRequest, "text is empty: send some text or an attachment")
		}
		if len(req.Text) > 4096 {
			return fiber.NewError(fiber.StatusRequestEntityTooLarge, "text is longer than 4096 bytes")
		}
		id := req.ID
		if id == "" {
			id = "sim-in-" + newID()
		}
		in := channels.Inbound{Channel: channels.Simulator, From: from, Text: req.Text, Attachments: req.Attachments,
			ProviderID: id, At: time.Now().UTC()}
		if err := sink.Accept(c.UserContext(), in); err != nil {
			return fiber.NewError(fiber.StatusServiceUnavailable, "could not store the message, try again")
		}
		return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"accepted": true, "id": id, "conversation": from})
	})
	r.Get("/simulator/api/conversations/:phone/messages", func(c *fiber.Ctx) error {
		raw, err := url.PathUnescape(c.Params("phone"))
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, "phone is not a valid path segment")
		}
		phone, err := channels.NormalizePhone(raw)
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
		entries, err := transcripts(c.UserContext(), phone)
		if err != nil && !errors.Is(err, context.Canceled) {
			return fiber.NewError(fiber.StatusServiceUnavailable, "could not read the transcript")
		}
		if entries == nil {
			entries = []Entry{}
		}
		return c.JSON(entries)
	})
}
