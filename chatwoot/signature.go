package chatwoot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Webhook headers Chatwoot sends (PR #13573, "feat: add per-webhook secret
// with backfill migration"; extended to API-channel inboxes and agent bots
// by PR #13892).
const (
	// SignatureHeader is "sha256=" + hex(HMAC-SHA256(secret, "{timestamp}.{raw body}")).
	SignatureHeader = "X-Chatwoot-Signature"
	// TimestampHeader is the Unix time in seconds the delivery was signed at.
	TimestampHeader = "X-Chatwoot-Timestamp"
	// DeliveryHeader is a unique id per delivery; Sidekiq retries of one
	// delivery reuse it.
	DeliveryHeader = "X-Chatwoot-Delivery"
)

// MaxWebhookAge is how old a signed timestamp may be (PR #13573:
// "Receivers should reject requests where the timestamp is more than ~5
// minutes old"); a timestamp as far in the future is refused too.
const MaxWebhookAge = 5 * time.Minute

// Errors of Verify; every one is answered 401.
var (
	ErrNoSignature  = errors.New("X-Chatwoot-Signature or X-Chatwoot-Timestamp is missing")
	ErrBadSignature = errors.New("X-Chatwoot-Signature does not match: check QUITA_CHATWOOT_WEBHOOK_SECRET is the webhook's secret (not the inbox's HMAC token)")
	ErrStale        = errors.New("X-Chatwoot-Timestamp is more than 5 minutes away from now")
)

// Sign returns the X-Chatwoot-Signature value of body sent at ts. The
// signed string is the timestamp, a dot and the raw body: a receiver that
// signs the body alone never matches (issue #13809).
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a delivery's signature over its raw body, in constant
// time, and that its timestamp is within MaxWebhookAge of now.
func Verify(secret, signature, timestamp string, body []byte, now time.Time) error {
	signature, timestamp = strings.TrimSpace(signature), strings.TrimSpace(timestamp)
	if signature == "" || timestamp == "" {
		return ErrNoSignature
	}
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: X-Chatwoot-Timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	want := Sign(secret, ts, body)
	// hmac.Equal is constant-time; compare the lower-cased hex as Chatwoot
	// writes it (OpenSSL hexdigest is lower case).
	if !hmac.Equal([]byte(strings.ToLower(signature)), []byte(want)) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxWebhookAge || d < -MaxWebhookAge {
		return ErrStale
	}
	return nil
}
