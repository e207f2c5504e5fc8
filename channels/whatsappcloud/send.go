package whatsappcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/quita-bot/quita/channels"
)

// maxCaption is the longest caption Meta takes on an image, video or document.
const maxCaption = 1024

// Send delivers msg through the Graph API, honouring the 24-hour window:
// free-form content (text, attachments) goes only while the person's last
// message is less than ServiceWindow old; outside it msg.Template is sent
// instead, and without one (or with one that has no Name) the result is a
// *channels.PermanentError with code channels.CodeTemplateNeeded, before
// anything reaches Meta. A message with only a Template always sends it.
//
// Attachments are uploaded from the media store (POST /{phone-id}/media)
// and sent by media id. A text with one image, video or document becomes
// its caption; otherwise the text goes first and each attachment after it,
// and the result names the last message sent (see the Twilio channel for the
// same rule). A failure after the first part is returned as retryable, so a
// retry may repeat the parts already sent.
//
// Graph API errors that retrying will not fix (an invalid number, a template
// that does not exist) are *channels.PermanentError carrying Meta's error
// code; throttling, 5xx, network trouble and a rejected token are plain errors.
func (c *Cloud) Send(ctx context.Context, msg channels.Outbound) (channels.SendResult, error) {
	to, err := channels.NormalizePhone(msg.To)
	if err != nil {
		return channels.SendResult{}, &channels.PermanentError{Code: "invalid_number", Err: err}
	}
	waTo := strings.TrimPrefix(to, "+")

	freeForm := msg.Text != "" || len(msg.Attachments) > 0
	if freeForm {
		open, err := c.windowOpen(ctx, to)
		if err != nil {
			return channels.SendResult{}, err
		}
		if !open {
			if msg.Template == nil || msg.Template.Name == "" {
				return channels.SendResult{}, &channels.PermanentError{Code: channels.CodeTemplateNeeded, Err: fmt.Errorf(
					"%s last wrote more than 24 hours ago (or never): WhatsApp takes only an approved template now, and this message has none (whatsapp_templates)", channels.MaskPhone(to))}
			}
			freeForm = false
		}
	}
	if !freeForm && msg.Template != nil && msg.Template.Name == "" {
		return channels.SendResult{}, &channels.PermanentError{Code: channels.CodeTemplateNeeded, Err: errors.New("the template has no name: give it one in whatsapp_templates")}
	}
	var parts []outMessage
	switch {
	case freeForm:
		if parts, err = c.freeFormParts(ctx, waTo, msg); err != nil {
			return channels.SendResult{}, err
		}
	case msg.Template != nil:
		parts = []outMessage{templateMessage(waTo, msg.Template)}
	default:
		return channels.SendResult{}, &channels.PermanentError{Code: "empty_message", Err: errors.New("no text, attachment or template")}
	}

	var res channels.SendResult
	for i, p := range parts {
		if res, err = c.sendMessage(ctx, p); err != nil {
			c.log.Warn("whatsapp cloud send failed", "to", channels.MaskPhone(to), "outbound_id", msg.ID,
				"part", i+1, "of", len(parts), "err", err)
			return channels.SendResult{}, err
		}
	}
	if !freeForm {
		res.Template = msg.Template
	}
	return res, nil
}

// windowOpen reports whether free-form messages may go to phone now.
func (c *Cloud) windowOpen(ctx context.Context, phone string) (bool, error) {
	last, err := c.window.LastInbound(ctx, phone)
	if err != nil {
		return false, fmt.Errorf("whatsapp cloud: last inbound of %s: %w", channels.MaskPhone(phone), err)
	}
	return !last.IsZero() && c.now().Sub(last) < ServiceWindow, nil
}

// outMessage is the body of POST /{phone-id}/messages
// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).
// Field order is the wire order.
type outMessage struct {
	MessagingProduct string       `json:"messaging_product"`
	RecipientType    string       `json:"recipient_type,omitempty"` // "individual" on templates, as Meta's example has it
	To               string       `json:"to"`
	Type             string       `json:"type"`
	Text             *outText     `json:"text,omitempty"`
	Image            *outMedia    `json:"image,omitempty"`
	Audio            *outMedia    `json:"audio,omitempty"`
	Video            *outMedia    `json:"video,omitempty"`
	Document         *outMedia    `json:"document,omitempty"`
	Template         *outTemplate `json:"template,omitempty"`
}

type outText struct {
	Body string `json:"body"`
}

type outMedia struct {
	ID       string `json:"id,omitempty"`
	Link     string `json:"link,omitempty"`
	Caption  string `json:"caption,omitempty"`
	Filename string `json:"filename,omitempty"`
}

type outTemplate struct {
	Name     string `json:"name"`
	Language struct {
		Code string `json:"code"`
	} `json:"language"`
	Components []outComponent `json:"components,omitempty"`
}

// outComponent fills a template's parameters: the body's {{1}}, {{2}}…,
// or (type button, sub_type quick_reply) the payload one quick-reply
// button returns when tapped.
type outComponent struct {
	Type       string         `json:"type"`
	SubType    string         `json:"sub_type,omitempty"`
	Index      string         `json:"index,omitempty"`
	Parameters []outParameter `json:"parameters"`
}

type outParameter struct {
	Type    string `json:"type"`
	Text    string `json:"text,omitempty"`
	Payload string `json:"payload,omitempty"`
}

// templateMessage is a template send as Meta documents it ("Send message
// templates", https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-message-templates,
// interactive message templates): body parameters in order, then one
// quick_reply component per button carrying its payload.
func templateMessage(to string, t *channels.Template) outMessage {
	tpl := &outTemplate{Name: t.Name}
	tpl.Language.Code = t.Language
	if tpl.Language.Code == "" {
		tpl.Language.Code = "pt_BR"
	}
	if len(t.Params) > 0 {
		body := outComponent{Type: "body"}
		for _, p := range t.Params {
			body.Parameters = append(body.Parameters, outParameter{Type: "text", Text: paramText(p)})
		}
		tpl.Components = []outComponent{body}
	}
	for i, payload := range t.Buttons {
		tpl.Components = append(tpl.Components, outComponent{Type: "button", SubType: "quick_reply", Index: strconv.Itoa(i),
			Parameters: []outParameter{{Type: "payload", Payload: payload}}})
	}
	return outMessage{MessagingProduct: "whatsapp", RecipientType: "individual", To: to, Type: "template", Template: tpl}
}

// paramText makes a value fit to be a template parameter: Meta refuses
// parameters with new lines, tabs or more than four spaces in a row (error
// 132018), and an empty one; a debtor's name or an address can have them.
func paramText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "-"
	}
	return s
}

// freeFormParts uploads the attachments and lays out the messages of msg.
func (c *Cloud) freeFormParts(ctx context.Context, to string, msg channels.Outbound) ([]outMessage, error) {
	var parts []outMessage
	text, atts := msg.Text, msg.Attachments
	if len(atts) == 1 && text != "" && atts[0].Caption == "" &&
		utf8.RuneCountInString(text) <= maxCaption && kindOf(atts[0]) != channels.KindAudio {
		a := atts[0] // a copy: the caller's slice stays as it was
		a.Caption, text = text, ""
		atts = []channels.Attachment{a} // one message: the text is the caption
	}
	if text != "" {
		parts = append(parts, outMessage{MessagingProduct: "whatsapp", To: to, Type: "text", Text: &outText{Body: text}})
	}
	for _, a := range atts {
		m, err := c.attachmentMessage(ctx, to, a)
		if err != nil {
			return nil, err
		}
		parts = append(parts, m)
	}
	return parts, nil
}

func (c *Cloud) attachmentMessage(ctx context.Context, to string, a channels.Attachment) (outMessage, error) {
	kind := kindOf(a)
	media := &outMedia{Caption: a.Caption}
	switch {
	case a.MediaID != "":
		id, filename, err := c.upload(ctx, a)
		if err != nil {
			return outMessage{}, err
		}
		media.ID = id
		if kind == channels.KindDocument {
			media.Filename = filename
		}
	case a.URL != "":
		media.Link = a.URL
		if kind == channels.KindDocument {
			media.Filename = a.Filename
		}
	default:
		return outMessage{}, &channels.PermanentError{Code: "attachment_without_media", Err: errors.New("attachment has neither a media id nor a URL")}
	}
	m := outMessage{MessagingProduct: "whatsapp", To: to, Type: kind}
	switch kind {
	case channels.KindImage:
		m.Image = media
	case channels.KindAudio:
		media.Caption = "" // WhatsApp audio takes no caption
		m.Audio = media
	case channels.KindVideo:
		m.Video = media
	default:
		m.Document = media
	}
	return m, nil
}

// kindOf is the attachment's kind, from its content type when unset.
func kindOf(a channels.Attachment) string {
	switch a.Kind {
	case channels.KindImage, channels.KindAudio, channels.KindVideo, channels.KindDocument:
		return a.Kind
	}
	switch mt, _, _ := strings.Cut(a.ContentType, "/"); mt {
	case "image":
		return channels.KindImage
	case "audio":
		return channels.KindAudio
	case "video":
		return channels.KindVideo
	}
	return channels.KindDocument
}

// sendMessage posts one message and returns the id Meta gave it.
func (c *Cloud) sendMessage(ctx context.Context, m outMessage) (channels.SendResult, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return channels.SendResult{}, err
	}
	var out struct {
		Messages []struct {
			ID            string `json:"id"`
			MessageStatus string `json:"message_status"`
		} `json:"messages"`
	}
	if err := c.post(ctx, "/"+c.phoneID+"/messages", "application/json", bytes.NewReader(b), &out); err != nil {
		return channels.SendResult{}, err
	}
	if len(out.Messages) == 0 || out.Messages[0].ID == "" {
		return channels.SendResult{}, errors.New("whatsapp cloud: send answered without a message id")
	}
	// "accepted" (or "held_for_quality_assessment", "paused"): taken, not yet sent.
	return channels.SendResult{ProviderID: out.Messages[0].ID, Status: channels.StatusQueued}, nil
}
