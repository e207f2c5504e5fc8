package console

import (
	"context"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// actionInput is what an action may carry (form fields or JSON).
type actionInput struct {
	Text   string `json:"text" form:"text"`
	Resume string `json:"resume" form:"resume"`
	Debt   string `json:"debt" form:"debt"`
}

// actionResult is what an action did.
type actionResult struct {
	Conversation string             `json:"conversation"`
	Action       string             `json:"action"`
	Handoff      dialogs.Handoff    `json:"handoff"`
	Messages     []storage.Outbound `json:"messages,omitempty"` // what was queued for sending
	Note         *storage.Message   `json:"note,omitempty"`
}

const maxText = 4096

// act runs one console or API action for p on conversation id.
func (c *Console) act(ctx context.Context, p principal, id, action string, in actionInput) (actionResult, error) {
	res := actionResult{Conversation: id, Action: action}
	v, err := c.view(ctx, p, id)
	if err != nil {
		return res, err
	}
	text := strings.TrimSpace(in.Text)
	if len(text) > maxText {
		return res, fiber.NewError(fiber.StatusRequestEntityTooLarge, "the text is longer than 4096 bytes")
	}
	var conv dialogs.Conversation
	switch action {
	case "claim":
		conv, err = c.h.Claim(ctx, id, p.Email, p.admin())
	case "reply":
		if text == "" {
			return res, fiber.NewError(fiber.StatusBadRequest, "write something to send")
		}
		res.Messages, err = c.h.Reply(ctx, id, p.Email, dialogs.Message{Text: text})
	case "note":
		if text == "" {
			return res, fiber.NewError(fiber.StatusBadRequest, "the note is empty")
		}
		var n storage.Message
		n, err = c.h.Note(ctx, id, p.Email, text)
		res.Note = &n
	case "handback":
		if in.Resume == "" {
			in.Resume = dialogs.ResumeMenu
		}
		conv, err = c.h.HandBack(ctx, id, p.Email, in.Resume, p.admin())
	case "close":
		conv, err = c.h.Close(ctx, id, p.Email, p.admin())
	case "segunda-via", "pix", "offers":
		res.Messages, err = c.document(ctx, p, v, action, in.Debt)
	default:
		return res, fiber.NewError(fiber.StatusNotFound, "unknown action "+action+": use claim, reply, note, handback, close, segunda-via, pix or offers")
	}
	if err != nil {
		return res, err
	}
	if conv.ID == "" {
		conv, err = c.opts.Bot.Conversation(ctx, id)
		if err != nil {
			return res, err
		}
	}
	res.Handoff = conv.Handoff
	c.log.Info("console action", "agent", p.Email, "action", action, "handoff", conv.Handoff.Status)
	return res, nil
}

// document sends a segunda via, a PIX code or the plan offers.
func (c *Console) document(ctx context.Context, p principal, v ConversationView, kind, debtID string) ([]storage.Outbound, error) {
	if c.opts.Documents == nil {
		return nil, fiber.NewError(fiber.StatusNotImplemented, "payment documents are not configured")
	}
	if !v.Mine {
		return nil, bot.ErrNotHeld
	}
	d, ok := pickDebt(v, debtID)
	if !ok {
		return nil, fiber.NewError(fiber.StatusUnprocessableEntity, "this debtor has no open debt to send a document for")
	}
	now := c.h.Now()
	var m dialogs.Message
	var err error
	switch kind {
	case "segunda-via":
		m, err = c.opts.Documents.SegundaVia(ctx, v.Conversation, v.Debtor, d, now)
	case "pix":
		m, err = c.opts.Documents.Pix(ctx, v.Conversation, v.Debtor, d, now)
	default:
		m, err = c.opts.Documents.Offers(ctx, v.Conversation, v.Debtor, d, now)
	}
	if err != nil {
		return nil, fiber.NewError(fiber.StatusUnprocessableEntity, "could not make the document: "+err.Error())
	}
	return c.h.Reply(ctx, v.Conversation.ID, p.Email, m)
}

// status maps an action error to an HTTP status and a message.
func status(err error) (int, string) {
	var fe *fiber.Error
	switch {
	case errors.As(err, &fe):
		return fe.Code, fe.Message
	case errors.Is(err, errForbidden):
		return fiber.StatusForbidden, err.Error()
	case errors.Is(err, bot.ErrBadResume):
		return fiber.StatusBadRequest, err.Error()
	case errors.Is(err, bot.ErrNotHandedOff), errors.Is(err, bot.ErrHeldByOther), errors.Is(err, bot.ErrNotHeld):
		return fiber.StatusConflict, err.Error()
	}
	return fiber.StatusInternalServerError, "internal error"
}
