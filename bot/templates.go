package bot

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Templates finds the approved WhatsApp template a message goes as outside
// the 24-hour window, and what a tapped quick-reply button means
// (templates.Book implements it).
type Templates interface {
	Template(creditor, key, lang string, values map[string]string) *channels.Template
	ButtonIntent(creditor, payload, text string) string
}

// SetTemplates installs the creditors' WhatsApp templates; call before Start.
func (b *Bot) SetTemplates(t Templates) { b.templates = t }

// needsTemplate reports whether a channel takes only approved templates
// outside the 24-hour window (WhatsApp Web through whatsmeow does not).
func needsTemplate(channel string) bool {
	return channel == channels.WhatsAppCloud || channel == channels.TwilioWhatsApp
}

// templateFor is the template a dialog message goes as on channel when it
// may not go free-form: only messages that can open a conversation carry
// the values a template needs. nil: none (it waits for the debtor to
// write, or takes its fallback; see templateNeeded).
func (b *Bot) templateFor(c dialogs.Conversation, channel string, m dialogs.Message) *channels.Template {
	if b.templates == nil || m.Values == nil || m.Template == "" || !needsTemplate(channel) {
		return nil
	}
	return b.templates.Template(c.CreditorID, m.Template, c.Language, m.Values)
}

// buttonIntent is what a tapped quick-reply button means, "" for a message
// that is no tap.
func (b *Bot) buttonIntent(c dialogs.Conversation, m storage.Message) string {
	switch {
	case m.Payload == "":
		return ""
	case b.templates == nil:
		return m.Payload // quita sends each button's intent as its payload
	}
	return b.templates.ButtonIntent(c.CreditorID, m.Payload, m.Text)
}

// How long a message that needs a template nobody has waits for the debtor
// to open the 24-hour window by writing, and how often it looks again.
const (
	templateWait    = 72 * time.Hour
	templateRecheck = 30 * time.Minute
)

// templateNeeded handles a message the provider may not send free-form and
// has no usable template for (channels.TemplateNeeded): it never goes again
// as it is. With a fallback channel it goes by that one (failed here with
// the reason). Without one, a message the channel held back itself
// (CodeTemplateNeeded: nothing reached the provider) waits for the debtor
// to write, which lets it go free-form: looked at again every
// templateRecheck, failed with the reason after templateWait. A provider's
// own refusal (Twilio's 63016, Meta's 131047, a paused template) fails at
// once: sending it again would be refused again.
func (b *Bot) templateNeeded(ctx context.Context, o storage.Outbound, code string, now time.Time) error {
	if b.hooks.Blocked != nil {
		b.hooks.Blocked(channels.CodeTemplateNeeded)
	}
	key := ""
	if o.Template != nil {
		key = o.Template.Key
	}
	if o.Fallback == "" && code == channels.CodeTemplateNeeded && now.Sub(o.EnqueuedAt) < templateWait {
		b.log.Info("message waits for the debtor to write: WhatsApp takes only an approved template now and there is none for it",
			"msg", o.ID, "to", channels.MaskPhone(o.To), "channel", o.Channel, "key", key, "code", code, "until", o.EnqueuedAt.Add(templateWait))
		return b.store.ScheduleRetry(ctx, o, now.Add(templateRecheck))
	}
	b.log.Warn("message needs a WhatsApp template it does not have; taking the fallback", "msg", o.ID, "to", channels.MaskPhone(o.To),
		"channel", o.Channel, "key", key, "code", code, "fallback", o.Fallback)
	if err := b.finalStatus(ctx, o, channels.StatusFailed, code); err != nil {
		return err
	}
	attempt := o.ContactOf // the copy is the same attempt: nothing reached the debtor
	if attempt == "" {
		attempt = o.ID
	}
	return b.fallbackAs(ctx, o.ConversationID, o.ID, attempt)
}

// fallbackAfter is the rest of a reminder's channel order after the one it
// goes by, as "sms,simulator": the channels contact would have tried next
// for that number, configured and not opted out, in order.
func (s *Scheduler) fallbackAfter(ctx context.Context, d dialogs.Debtor, order []string, phone, chosen string) (string, error) {
	cands := s.candidates(d, order)
	i := slices.Index(cands, chosen)
	if i < 0 {
		return "", nil
	}
	var rest []string
	for _, c := range cands[i+1:] {
		_, out, err := s.b.store.OptedOut(ctx, c, phone)
		if err != nil {
			return "", err
		}
		if !out {
			rest = append(rest, c)
		}
	}
	return strings.Join(rest, ","), nil
}
