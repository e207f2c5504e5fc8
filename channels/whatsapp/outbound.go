package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"google.golang.org/protobuf/proto"

	"github.com/quita-bot/quita/channels"
)

// part is one WhatsApp message of an Outbound: a text, or one attachment with
// its caption.
type part struct {
	text    string
	att     *channels.Attachment
	caption string
}

// progress remembers how many parts of a multi-part Outbound went out before
// a failure, so that the retry does not send them twice.
type progress struct {
	done int
	last types.MessageID
}

const maxPartial = 1000 // partially sent Outbounds remembered, at most

// Send sends msg: its text, then each attachment (the first one takes the
// text as its caption when it has none), each message paced. It refuses with
// a PermanentError a number that never wrote to us (unless AllowColdContact),
// one without WhatsApp, the daily cap, and a banned or logged-out session;
// other errors are worth a retry. ProviderID is the last message's id.
func (c *Channel) Send(ctx context.Context, msg channels.Outbound) (channels.SendResult, error) {
	var res channels.SendResult
	if err := c.ready(); err != nil {
		return res, err
	}
	phone, err := channels.NormalizePhone(msg.To)
	if err != nil {
		return res, &channels.PermanentError{Code: CodeInvalidNumber, Err: err}
	}
	parts, err := plan(msg)
	if err != nil {
		return res, err
	}
	if !c.cfg.AllowColdContact {
		wrote, err := c.contacts.HasWritten(ctx, phone)
		if err != nil {
			return res, fmt.Errorf("whatsapp: cold-contact check: %w", err)
		}
		if !wrote {
			return res, &channels.PermanentError{Code: CodeColdContact, Err: fmt.Errorf(
				"%s never wrote to this number and cold contact is off (QUITA_WHATSAPP_ALLOW_COLD_CONTACT)", channels.MaskPhone(phone))}
		}
	}
	to, err := c.target(ctx, phone)
	if err != nil {
		return res, err
	}
	pg := c.progressOf(msg.ID)
	for i := pg.done; i < len(parts); i++ {
		id, err := c.sendPart(ctx, to, parts[i])
		if err != nil {
			c.remember(msg.ID, pg)
			return res, err
		}
		pg = progress{done: i + 1, last: id}
	}
	c.remember(msg.ID, progress{})
	return channels.SendResult{ProviderID: pg.last, Status: channels.StatusSent}, nil
}

// sendPart waits for the pacer, uploads the attachment if any, and sends.
func (c *Channel) sendPart(ctx context.Context, to types.JID, p part) (types.MessageID, error) {
	if err := c.pacer.Wait(ctx); err != nil {
		return "", err
	}
	if err := c.ready(); err != nil { // the state may have changed while we waited
		return "", err
	}
	m, err := c.build(ctx, p)
	if err != nil {
		return "", err
	}
	resp, err := c.client.SendMessage(ctx, to, m)
	if err != nil {
		return "", c.sendFailed(err)
	}
	return resp.ID, nil
}

// plan splits an Outbound into WhatsApp messages.
func plan(msg channels.Outbound) ([]part, error) {
	text := msg.Text
	var parts []part
	for i := range msg.Attachments {
		a := &msg.Attachments[i]
		if a.Kind != channels.KindImage && a.Kind != channels.KindDocument {
			return nil, &channels.PermanentError{Code: CodeUnsupported, Err: fmt.Errorf("attachment kind %q: this channel sends images and documents", a.Kind)}
		}
		caption := a.Caption
		if i == 0 && caption == "" && text != "" {
			caption, text = text, ""
		}
		parts = append(parts, part{att: a, caption: caption})
	}
	if text != "" {
		parts = append([]part{{text: text}}, parts...)
	}
	if len(parts) == 0 {
		return nil, &channels.PermanentError{Code: CodeUnsupported, Err: errors.New("nothing to send: no text and no attachment (templates are a Cloud API feature)")}
	}
	return parts, nil
}

// build makes the protobuf message of a part, uploading its media first.
func (c *Channel) build(ctx context.Context, p part) (*waE2E.Message, error) {
	if p.att == nil {
		return &waE2E.Message{Conversation: proto.String(p.text)}, nil
	}
	if c.media == nil {
		return nil, errors.New("whatsapp: no media store configured for attachments")
	}
	f, err := c.media.Open(ctx, p.att.MediaID)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: open media %s: %w", p.att.MediaID, err)
	}
	mimetype := firstNonEmpty(p.att.ContentType, f.ContentType, http.DetectContentType(f.Data))
	var caption *string
	if p.caption != "" {
		caption = proto.String(p.caption)
	}
	if p.att.Kind == channels.KindImage {
		up, err := c.client.Upload(ctx, f.Data, whatsmeow.MediaImage)
		if err != nil {
			return nil, fmt.Errorf("whatsapp: upload image: %w", err)
		}
		return &waE2E.Message{ImageMessage: &waE2E.ImageMessage{
			Caption:       caption,
			Mimetype:      proto.String(mimetype),
			URL:           proto.String(up.URL),
			DirectPath:    proto.String(up.DirectPath),
			MediaKey:      up.MediaKey,
			FileEncSHA256: up.FileEncSHA256,
			FileSHA256:    up.FileSHA256,
			FileLength:    proto.Uint64(up.FileLength),
		}}, nil
	}
	name := firstNonEmpty(p.att.Filename, f.Filename)
	if name == "" {
		name = "documento"
		if exts, _ := mime.ExtensionsByType(mimetype); len(exts) > 0 {
			name += exts[0]
		}
	}
	up, err := c.client.Upload(ctx, f.Data, whatsmeow.MediaDocument)
	if err != nil {
		return nil, fmt.Errorf("whatsapp: upload document: %w", err)
	}
	return &waE2E.Message{DocumentMessage: &waE2E.DocumentMessage{
		Caption:       caption,
		Mimetype:      proto.String(mimetype),
		Title:         proto.String(name),
		FileName:      proto.String(name),
		URL:           proto.String(up.URL),
		DirectPath:    proto.String(up.DirectPath),
		MediaKey:      up.MediaKey,
		FileEncSHA256: up.FileEncSHA256,
		FileSHA256:    up.FileSHA256,
		FileLength:    proto.Uint64(up.FileLength),
	}}, nil
}

// target returns the JID to send to: the one the person wrote from, else
// IsOnWhatsApp's answer, asked once and cached.
func (c *Channel) target(ctx context.Context, phone string) (types.JID, error) {
	now := c.clock.Now()
	notOn := &channels.PermanentError{Code: CodeNotOnWhatsApp, Err: fmt.Errorf("%s has no WhatsApp account", channels.MaskPhone(phone))}
	if t, ok := c.targets.get(phone, now); ok {
		if t.jid.IsEmpty() {
			return types.EmptyJID, notOn
		}
		return t.jid, nil
	}
	resp, err := c.client.IsOnWhatsApp(ctx, []string{phone})
	if err != nil {
		return types.EmptyJID, fmt.Errorf("whatsapp: IsOnWhatsApp: %w", err)
	}
	for _, r := range resp {
		if r.IsIn {
			jid := r.JID.ToNonAD()
			c.targets.put(phone, target{jid: jid})
			return jid, nil
		}
	}
	c.targets.put(phone, target{expires: now.Add(notOnWhatsAppTTL)})
	return types.EmptyJID, notOn
}

// ready refuses to send unless connected.
func (c *Channel) ready() error {
	switch st := c.State(); st {
	case StateConnected:
		return nil
	case StateBanned:
		return &channels.PermanentError{Code: CodeBanned, Err: errors.New("WhatsApp banned or restricted this number; sending is stopped until the cooldown ends")}
	case StateLoggedOut, StateNotPaired:
		return &channels.PermanentError{Code: CodeLoggedOut, Err: fmt.Errorf("%s: pair the number with `quita whatsapp login`", st)}
	default:
		return fmt.Errorf("whatsapp (%s): %w", st, ErrNotConnected)
	}
}

// sendFailed classifies a SendMessage error. Error 463 means WhatsApp
// restricted the number (reported at 20–30 messages a day in 2026): stop
// sending and alert.
func (c *Channel) sendFailed(err error) error {
	if errors.Is(err, whatsmeow.ErrServerReturnedError) && strings.HasSuffix(err.Error(), " 463") {
		c.ban(0, "error 463 on send: WhatsApp restricted this number")
		return &channels.PermanentError{Code: CodeBanned, Err: err}
	}
	return fmt.Errorf("whatsapp: send: %w", err)
}

// Typing shows (on) or clears the "typing…" indicator in the chat with phone
// while the bot prepares its answer.
func (c *Channel) Typing(ctx context.Context, phone string, on bool) error {
	if st := c.State(); st != StateConnected {
		return fmt.Errorf("whatsapp (%s): %w", st, ErrNotConnected)
	}
	p, err := channels.NormalizePhone(phone)
	if err != nil {
		return err
	}
	jid := types.NewJID(strings.TrimPrefix(p, "+"), types.DefaultUserServer)
	if t, ok := c.targets.get(p, c.clock.Now()); ok && !t.jid.IsEmpty() {
		jid = t.jid
	}
	state := types.ChatPresencePaused
	if on {
		state = types.ChatPresenceComposing
	}
	return c.client.SendChatPresence(ctx, jid, state, types.ChatPresenceMediaText)
}

func (c *Channel) progressOf(id string) progress {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.partial[id]
}

// remember keeps (or, for a zero progress, forgets) a partial send.
func (c *Channel) remember(id string, pg progress) {
	if id == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pg.done == 0 {
		delete(c.partial, id)
		return
	}
	if c.partial == nil || len(c.partial) >= maxPartial {
		c.partial = map[string]progress{}
	}
	c.partial[id] = pg
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
