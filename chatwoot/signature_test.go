package chatwoot

import (
	"errors"
	"testing"
	"time"
)

// The vector was computed outside Go, as PR #13573 describes the scheme:
//
//	printf '%s' '1772000000.{"event":"message_created","id":1}' | openssl dgst -sha256 -hmac 'whsec-test-secret'
const (
	vecSecret = "whsec-test-secret"
	vecTS     = 1772000000
	vecBody   = `{"event":"message_created","id":1}`
	vecSig    = "sha256=a510979ad922f06948586e00202c2b143abeb3a884dbe6ed757622c0bc8b4af3"
)

func TestSignMatchesOpenSSL(t *testing.T) {
	if got := Sign(vecSecret, vecTS, []byte(vecBody)); got != vecSig {
		t.Fatalf("Sign = %s, want %s", got, vecSig)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(vecTS, 0)
	cases := []struct {
		name        string
		secret, sig string
		ts          string
		body        string
		now         time.Time
		want        error
	}{
		{"valid", vecSecret, vecSig, "1772000000", vecBody, at.Add(time.Minute), nil},
		{"upper-case hex", vecSecret, "sha256=A510979AD922F06948586E00202C2B143ABEB3A884DBE6ED757622C0BC8B4AF3", "1772000000", vecBody, at, nil},
		{"body changed", vecSecret, vecSig, "1772000000", `{"event":"message_created","id":2}`, at, ErrBadSignature},
		{"timestamp changed", vecSecret, vecSig, "1772000001", vecBody, at, ErrBadSignature},
		{"other secret", "the-inbox-hmac-token", vecSig, "1772000000", vecBody, at, ErrBadSignature},
		// issue #13809: a sender (or receiver) that signs the body alone.
		{"body-only signature", vecSecret, "sha256=" + bodyOnly(vecSecret, vecBody), "1772000000", vecBody, at, ErrBadSignature},
		{"stale", vecSecret, vecSig, "1772000000", vecBody, at.Add(5*time.Minute + time.Second), ErrStale},
		{"from the future", vecSecret, vecSig, "1772000000", vecBody, at.Add(-6 * time.Minute), ErrStale},
		{"no signature", vecSecret, "", "1772000000", vecBody, at, ErrNoSignature},
		{"no timestamp", vecSecret, vecSig, "", vecBody, at, ErrNoSignature},
		{"timestamp not a number", vecSecret, vecSig, "yesterday", vecBody, at, ErrBadSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Verify(c.secret, c.sig, c.ts, []byte(c.body), c.now)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

// bodyOnly is HMAC-SHA256 over the body without the timestamp.
func bodyOnly(secret, body string) string { return hmacHex(secret, body) }
