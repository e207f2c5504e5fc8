package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"hash"
	"net/url"
	"sync"
)

// webhookSigner builds the bench's Twilio webhooks (an inbound SMS "oi"
// from a number) and their X-Twilio-Signature without url.Values or a
// fresh HMAC per request: the load generator runs on the measured machine,
// so its CPU is taken from the service (it was ~6% of the run). The
// signature is twilio.Sign's: the URL, then name+value of each parameter
// sorted by name (https://www.twilio.com/docs/usage/security#validating-requests);
// the service checks it as it checks Twilio's.
type webhookSigner struct {
	url  string
	macs sync.Pool
}

func newWebhookSigner(webhookURL string) *webhookSigner {
	w := &webhookSigner{url: webhookURL}
	w.macs.New = func() any { return hmac.New(sha1.New, []byte(benchToken)) }
	return w
}

// build returns the form body and its signature; the parameters are in
// name order, the order the signature takes them.
func (w *webhookSigner) build(from, messageSid string) (body []byte, signature string) {
	params := [...][2]string{{"AccountSid", benchSID}, {"Body", "oi"}, {"From", from},
		{"MessageSid", messageSid}, {"NumMedia", "0"}, {"To", benchFrom}}
	mac := w.macs.Get().(hash.Hash)
	defer w.macs.Put(mac)
	mac.Reset()
	mac.Write([]byte(w.url))
	body = make([]byte, 0, 160)
	for i, p := range params {
		mac.Write([]byte(p[0]))
		mac.Write([]byte(p[1]))
		if i > 0 {
			body = append(body, '&')
		}
		body = append(body, p[0]...)
		body = append(body, '=')
		body = append(body, url.QueryEscape(p[1])...)
	}
	var sum [sha1.Size]byte
	return body, base64.StdEncoding.EncodeToString(mac.Sum(sum[:0]))
}
