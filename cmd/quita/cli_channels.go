package main

import (
	"context"
	"errors"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
)

// serviceChannels names the channels `quita serve` enables with the same
// settings (serve.go, serve_channels.go, whatsapp.go), so that a command
// that settles a debt picks the channel the running service sends the
// debtor's thanks on.
func serviceChannels(cfg config.Config) []string {
	var out []string
	if cfg.Simulator {
		out = append(out, channels.Simulator)
	}
	if cfg.TwilioAccountSID != "" && cfg.TwilioFrom != "" {
		out = append(out, channels.SMS)
	}
	if cfg.TwilioAccountSID != "" && cfg.TwilioWhatsAppFrom != "" {
		out = append(out, channels.TwilioWhatsApp)
	}
	if cfg.CloudToken != "" {
		out = append(out, channels.WhatsAppCloud)
	}
	if cfg.WhatsApp {
		out = append(out, channels.WhatsApp)
	}
	return out
}

// queuedChannel stands for a service channel in a command's bot: messages
// are only queued on the service's Redis (the command starts no senders),
// and the running service sends them.
type queuedChannel struct{ name string }

func (q queuedChannel) Name() string { return q.name }

func (q queuedChannel) Send(context.Context, channels.Outbound) (channels.SendResult, error) {
	return channels.SendResult{}, errors.New("a command does not send: the running quita serve does")
}
