package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/types"
	"go.mau.fi/whatsmeow/types/events"

	"github.com/quita-bot/quita/channels"
)

// acceptTimeout bounds one sink.Accept: whatsmeow handles events one at a
// time, so a stuck sink would hold every later message.
const acceptTimeout = 30 * time.Second

// errUnknownLID is returned when nothing maps a hidden-user id to a phone.
var errUnknownLID = errors.New("no phone number known for this @lid sender")

// parsed is an inbound message with where to answer it.
type parsed struct {
	in    channels.Inbound
	reply types.JID // the JID to send replies to for in.From
}

// handleMessage hands one WhatsApp message to the sink. It returns false —
// leaving the message unacknowledged, so WhatsApp redelivers it after a
// reconnect — only when the sink did not accept it. The read receipt goes out
// only after the sink accepted.
func (c *Channel) handleMessage(e *events.Message) bool {
	ctx, cancel := context.WithTimeout(c.ctx, acceptTimeout)
	defer cancel()
	p, ok, err := c.parse(ctx, e)
	if err != nil {
		c.log.Error("whatsapp: inbound message dropped: cannot tell who sent it",
			"id", e.Info.ID, "chat", e.Info.Chat.String(), "err", err)
		return true
	}
	if !ok {
		return true
	}
	if err := c.sink.Accept(ctx, p.in); err != nil {
		c.log.Error("whatsapp: sink did not accept an inbound message; left unacknowledged for redelivery",
			"id", e.Info.ID, "from", channels.MaskPhone(p.in.From), "err", err)
		return false
	}
	if p.in.FromMe {
		return true
	}
	c.targets.put(p.in.From, target{jid: p.reply})
	if err := c.contacts.NoteInbound(ctx, p.in.From, p.in.At); err != nil {
		c.log.Warn("whatsapp: cannot record that a number wrote to us", "from", channels.MaskPhone(p.in.From), "err", err)
	}
	if err := c.client.MarkRead(ctx, []types.MessageID{e.Info.ID}, c.clock.Now(), e.Info.Chat, e.Info.Sender); err != nil {
		c.log.Warn("whatsapp: read receipt failed", "id", e.Info.ID, "err", err)
	}
	return true
}

// parse normalises a whatsmeow message into a channels.Inbound. ok is false
// for what the bot does not handle: groups, status and broadcast lists,
// newsletters, edits, reactions, protocol messages and other kinds.
func (c *Channel) parse(ctx context.Context, e *events.Message) (p parsed, ok bool, err error) {
	info := e.Info
	chat := info.Chat
	if info.IsGroup || (chat.Server != types.DefaultUserServer && chat.Server != types.HiddenUserServer) {
		return p, false, nil
	}
	if e.IsEdit || (info.IsFromMe && chat.User == info.Sender.User) { // edits; notes to ourselves
		return p, false, nil
	}
	in, ok := content(e.Message)
	if !ok {
		return p, false, nil
	}
	alt := info.SenderAlt
	if info.IsFromMe {
		alt = info.RecipientAlt
	}
	phone, reply, err := c.phoneOf(ctx, chat, alt)
	if err != nil {
		return p, false, err
	}
	in.Channel = channels.WhatsApp
	in.From = phone
	in.To = c.own
	in.ProviderID = info.ID
	in.FromMe = info.IsFromMe
	in.At = info.Timestamp
	if !info.IsFromMe {
		in.ProfileName = info.PushName
	}
	return parsed{in: in, reply: reply}, true, nil
}

// content reads the text, attachment and reply context of the kinds of
// message the bot understands.
func content(m *waE2E.Message) (channels.Inbound, bool) {
	var in channels.Inbound
	var ci *waE2E.ContextInfo
	switch {
	case m.GetConversation() != "":
		in.Text = m.GetConversation()
	case m.GetExtendedTextMessage() != nil:
		x := m.GetExtendedTextMessage()
		in.Text, ci = x.GetText(), x.GetContextInfo()
	case m.GetImageMessage() != nil:
		x := m.GetImageMessage()
		in.Text, ci = x.GetCaption(), x.GetContextInfo()
		in.Attachments = []channels.Attachment{{Kind: channels.KindImage, ContentType: x.GetMimetype()}}
	case m.GetDocumentMessage() != nil:
		x := m.GetDocumentMessage()
		in.Text, ci = x.GetCaption(), x.GetContextInfo()
		in.Attachments = []channels.Attachment{{Kind: channels.KindDocument, ContentType: x.GetMimetype(), Filename: x.GetFileName()}}
	case m.GetAudioMessage() != nil: // voice notes (PTT) and audio files
		x := m.GetAudioMessage()
		ci = x.GetContextInfo()
		in.Attachments = []channels.Attachment{{Kind: channels.KindAudio, ContentType: x.GetMimetype()}}
	case m.GetVideoMessage() != nil:
		x := m.GetVideoMessage()
		in.Text, ci = x.GetCaption(), x.GetContextInfo()
		in.Attachments = []channels.Attachment{{Kind: channels.KindVideo, ContentType: x.GetMimetype()}}
	default:
		return in, false
	}
	in.ReplyTo = ci.GetStanzaID()
	return in, true
}

// phoneOf maps the other party's JID to E.164, and says where to answer.
// Phone-number JIDs carry the number; for a hidden-user (@lid) JID the phone
// comes from our LID map, else the alternative address on the message, else
// whatsmeow's own LID map — and is then kept in ours, so a debtor seen under
// either id is one debtor.
func (c *Channel) phoneOf(ctx context.Context, jid, alt types.JID) (phone string, reply types.JID, err error) {
	jid = jid.ToNonAD()
	alt = alt.ToNonAD()
	if jid.Server == types.DefaultUserServer {
		phone, err = channels.NormalizePhone(jid.User)
		if err == nil && alt.Server == types.HiddenUserServer {
			c.putLID(ctx, alt, phone)
		}
		return phone, jid, err
	}
	lid := jid.String()
	if phone, err = c.lids.PhoneForLID(ctx, lid); err != nil {
		return "", jid, fmt.Errorf("LID map: %w", err)
	}
	if phone != "" {
		if alt.Server == types.DefaultUserServer {
			return phone, alt, nil
		}
		return phone, jid, nil
	}
	pn := alt
	if pn.Server != types.DefaultUserServer {
		if pn, err = c.client.PNForLID(ctx, jid); err != nil {
			return "", jid, fmt.Errorf("whatsmeow LID map: %w", err)
		}
		pn = pn.ToNonAD()
	}
	if pn.User == "" || pn.Server != types.DefaultUserServer {
		return "", jid, fmt.Errorf("%s: %w", lid, errUnknownLID)
	}
	if phone, err = channels.NormalizePhone(pn.User); err != nil {
		return "", jid, err
	}
	c.putLID(ctx, jid, phone)
	return phone, pn, nil
}

func (c *Channel) putLID(ctx context.Context, lid types.JID, phone string) {
	if err := c.lids.PutLID(ctx, lid.String(), phone); err != nil {
		c.log.Warn("whatsapp: cannot store a LID mapping", "lid", lid.String(), "err", err)
	}
}

// receiptStatus maps the receipts a recipient sends to delivery statuses.
var receiptStatus = map[types.ReceiptType]string{
	types.ReceiptTypeDelivered: channels.StatusDelivered,
	types.ReceiptTypeRead:      channels.StatusRead,
	types.ReceiptTypePlayed:    channels.StatusRead,
}

// handleReceipt reports delivered/read receipts of the messages we sent.
func (c *Channel) handleReceipt(e *events.Receipt) {
	status, ok := receiptStatus[e.Type]
	if !ok || e.IsFromMe || e.IsGroup {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, acceptTimeout)
	defer cancel()
	for _, id := range e.MessageIDs {
		st := channels.StatusUpdate{Channel: channels.WhatsApp, ProviderID: id, Status: status, At: e.Timestamp}
		if err := c.sink.UpdateStatus(ctx, st); err != nil {
			c.log.Warn("whatsapp: delivery status not recorded", "id", id, "status", status, "err", err)
		}
	}
}
