package asaas

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
)

// TokenHeader is the header Asaas sends the webhook's authToken in.
const TokenHeader = "asaas-access-token"

// Webhook events quita acts on (https://docs.asaas.com/docs/payment-events).
const (
	EventReceived  = "PAYMENT_RECEIVED"  // funds available in the Asaas account
	EventConfirmed = "PAYMENT_CONFIRMED" // paid, funds not yet available: for quita, paid
	EventOverdue   = "PAYMENT_OVERDUE"
	EventDeleted   = "PAYMENT_DELETED"
	EventRefunded  = "PAYMENT_REFUNDED"
)

// VerifyToken reports whether a delivery's asaas-access-token header is
// the token the webhook was created with. Asaas does not sign its
// webhooks: the token is the only proof, so it is compared in constant
// time (over digests, so the length leaks nothing either). An empty want
// accepts nothing: answer 401 when it is false.
func VerifyToken(header, want string) bool {
	if want == "" {
		return false
	}
	h, w := sha256.Sum256([]byte(header)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(h[:], w[:]) == 1
}

// Event is one webhook delivery, read.
type Event struct {
	ID        string    // evt_…: the same on every retry of the delivery, the key to deduplicate on
	Type      string    // PAYMENT_RECEIVED, …
	Created   time.Time // dateCreated
	PaymentID string    // pay_…: the charge's ProviderID
	ChargeID  string    // the payment's externalReference: quita's charge id
	// Handled is true for the event types quita acts on; answer others
	// 200 and ignore them, or Asaas pauses the queue.
	Handled bool
	// State is the charge's state the event reports (for handled events).
	State string

	movements []payments.Payment
}

// Errors of a webhook delivery: answer ErrUnauthorized with 401 and
// ErrMalformed with 400 (Asaas retries, and pauses the queue after
// repeated failures, so answer 200 to any event merely not handled).
var (
	ErrUnauthorized = errors.New("asaas webhook: the asaas-access-token header does not match the webhook's token")
	ErrMalformed    = errors.New("asaas webhook: not an Asaas payment event")
)

// ReadWebhook checks a delivery's token (the asaas-access-token header)
// against the webhook's, then reads its body. It is the whole of the
// route's work but deduplicating by Event.ID and applying Event.Payments().
func ReadWebhook(tokenHeader string, body []byte, token string) (Event, error) {
	if !VerifyToken(tokenHeader, token) {
		return Event{}, ErrUnauthorized
	}
	return ParseWebhook(body)
}

// ParseWebhook reads a webhook body: {"id":"evt_…","event":"PAYMENT_…",
// "dateCreated":"…","payment":{…}}. It trusts nothing the token did not
// already vouch for: call VerifyToken first.
func ParseWebhook(body []byte) (Event, error) {
	var raw struct {
		ID          string   `json:"id"`
		Event       string   `json:"event"`
		DateCreated string   `json:"dateCreated"`
		Payment     *payment `json:"payment"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if raw.ID == "" || raw.Event == "" {
		return Event{}, fmt.Errorf("%w: id and event are required", ErrMalformed)
	}
	e := Event{ID: raw.ID, Type: raw.Event}
	e.Created, _ = parseDate(raw.DateCreated)
	if !strings.HasPrefix(raw.Event, "PAYMENT_") {
		return e, nil // an account, transfer or invoice event: not ours
	}
	if raw.Payment == nil || raw.Payment.ID == "" {
		return e, fmt.Errorf("%w: event %s has no payment", ErrMalformed, raw.ID)
	}
	p := *raw.Payment
	e.PaymentID, e.ChargeID = p.ID, p.ExternalReference
	switch raw.Event {
	case EventReceived, EventConfirmed:
		e.Handled, e.State = true, payments.ChargePaid
		if !paidStatuses[p.Status] { // the event says paid even if a later status is embedded
			p.Status = "RECEIVED"
		}
	case EventRefunded:
		e.Handled, e.State, p.Status = true, payments.ChargeRefunded, "REFUNDED"
	case EventOverdue:
		e.Handled, e.State = true, payments.ChargeOverdue
		return e, nil
	case EventDeleted:
		e.Handled, e.State = true, payments.ChargeCancelled
		return e, nil
	default:
		return e, nil
	}
	e.movements = movements(p, e.Created)
	return e, nil
}

// Payment is the money this event moved: a receipt for PAYMENT_RECEIVED
// and PAYMENT_CONFIRMED, a refund for PAYMENT_REFUNDED; false for events
// that move none.
func (e Event) Payment() (payments.Payment, bool) {
	if len(e.movements) == 0 {
		return payments.Payment{}, false
	}
	return e.movements[len(e.movements)-1], true
}

// Payments is every movement the event implies, to apply in order: a
// refund also reports the receipt it undoes, so a refund seen before (or
// without) its payment's webhook still leaves the charge's sum right.
// Each is keyed by payment id and event, so applying them again is a no-op.
func (e Event) Payments() []payments.Payment {
	return append([]payments.Payment(nil), e.movements...)
}
