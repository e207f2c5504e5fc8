package bot

import (
	"slices"
	"strings"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
)

// isSMS reports whether an outbound message is an SMS with text: what is
// billed per segment (channels/sms.Count).
func isSMS(o storage.Outbound) bool { return o.Channel == channels.SMS && o.Text != "" }

// fallsBackBySMS reports whether SMS is among a message's fallback channels,
// so that it keeps its SMS form (storage.Outbound.SMSText).
func fallsBackBySMS(o storage.Outbound) bool {
	return o.SMSText != "" && slices.Contains(strings.Split(o.Fallback, ","), channels.SMS)
}
