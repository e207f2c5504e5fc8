package main

import (
	"net/url"
	"testing"

	"github.com/quita-bot/quita/channels/twilio"
)

// The bench's hand-built webhook is the form url.Values would encode, and
// its signature is twilio.Sign's (itself checked against Twilio's
// documented example in channels/twilio).
func TestWebhookSignerMatchesTwilioSign(t *testing.T) {
	const webhookURL = "http://127.0.0.1:8080/webhooks/twilio"
	body, sig := newWebhookSigner(webhookURL).build("+5511910000001", "SM0123")
	form := url.Values{"AccountSid": {benchSID}, "Body": {"oi"}, "From": {"+5511910000001"},
		"MessageSid": {"SM0123"}, "NumMedia": {"0"}, "To": {benchFrom}}
	if string(body) != form.Encode() {
		t.Errorf("body\n%s\nwant\n%s", body, form.Encode())
	}
	if want := twilio.Sign(benchToken, webhookURL, form); sig != want {
		t.Errorf("signature %s, want %s", sig, want)
	}
}
