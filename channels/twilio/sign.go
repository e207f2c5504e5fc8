package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/url"
	"slices"
)

// Sign computes the X-Twilio-Signature Twilio sends with a form POST: the
// full URL, then each parameter's name and (first) value sorted by name,
// HMAC-SHA1 with the auth token, base64
// (https://www.twilio.com/docs/usage/security#validating-requests). The
// webhook handler checks it first, then twilio-go's validator (port
// variants); benchmarks, fault tests and replay tools sign with it.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	m := hmac.New(sha1.New, []byte(authToken))
	m.Write([]byte(fullURL))
	for _, k := range keys {
		m.Write([]byte(k + form.Get(k)))
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}
