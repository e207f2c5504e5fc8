package main

import (
	"context"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/twilio"
	"github.com/quita-bot/quita/channels/whatsappcloud"
)

func init() { mounts = append(mounts, mountTwilio, mountWhatsAppCloud) }

// mountTwilio enables SMS and Twilio WhatsApp when TWILIO_ACCOUNT_SID is set.
func mountTwilio(_ context.Context, s *service) error {
	if s.cfg.TwilioAccountSID == "" {
		return nil
	}
	tw, err := twilio.New(twilio.Config{AccountSID: s.cfg.TwilioAccountSID, AuthToken: s.cfg.TwilioAuthToken,
		From: s.cfg.TwilioFrom, WhatsAppFrom: s.cfg.TwilioWhatsAppFrom, APIURL: s.cfg.TwilioAPIURL,
		PublicURL: s.cfg.PublicURL}, s.media, s.log)
	if err != nil {
		return err
	}
	tw.SetWindow(lastInbound{s}) // WhatsApp outside the 24-hour window: templates only
	tw.Register(s.app, s.bot)
	for _, c := range tw.Channels() {
		s.bot.AddChannel(c)
		s.ready = append(s.ready, readiness{name: c.Name(), state: func() (string, bool) { return "configured", true }})
	}
	s.log.Info("twilio channels on", "sms", s.cfg.TwilioFrom != "", "whatsapp", s.cfg.TwilioWhatsAppFrom != "")
	return nil
}

// mountWhatsAppCloud enables the WhatsApp Cloud API when WHATSAPP_CLOUD_TOKEN is set.
func mountWhatsAppCloud(_ context.Context, s *service) error {
	if s.cfg.CloudToken == "" {
		return nil
	}
	wc, err := whatsappcloud.New(whatsappcloud.Config{Token: s.cfg.CloudToken, PhoneID: s.cfg.CloudPhoneID,
		APIURL: s.cfg.CloudAPIURL, VerifyToken: s.cfg.CloudVerifyToken, AppSecret: s.cfg.CloudAppSecret},
		s.media, lastInbound{s}, time.Now, s.log)
	if err != nil {
		return err
	}
	wc.Register(s.app, s.bot)
	s.bot.AddChannel(wc)
	s.ready = append(s.ready, readiness{name: channels.WhatsAppCloud, state: func() (string, bool) { return "configured", true }})
	s.log.Info("whatsapp cloud api channel on")
	return nil
}

// lastInbound tells the Cloud API channel when a person last wrote (its 24-hour window).
type lastInbound struct{ s *service }

func (l lastInbound) LastInbound(ctx context.Context, phone string) (time.Time, error) {
	c, err := l.s.bot.Conversation(ctx, phone)
	if err != nil {
		return time.Time{}, err
	}
	return c.LastIn, nil
}
