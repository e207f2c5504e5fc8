package bot

import (
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
)

// isSMS reports whether an outbound message is an SMS with text: what is
// billed per segment (channels/sms.Count).
func isSMS(o storage.Outbound) bool { return o.Channel == channels.SMS && o.Text != "" }
