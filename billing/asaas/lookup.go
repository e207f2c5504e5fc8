package asaas

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
)

// Payment statuses of PaymentGetResponseDto that mean the money arrived.
var paidStatuses = map[string]bool{"RECEIVED": true, "CONFIRMED": true, "RECEIVED_IN_CASH": true}

// stateOf maps an Asaas payment to quita's charge state.
func stateOf(p payment) string {
	switch {
	case p.Deleted:
		return payments.ChargeCancelled
	case paidStatuses[p.Status]:
		return payments.ChargePaid
	case p.Status == "REFUNDED":
		return payments.ChargeRefunded
	case p.Status == "OVERDUE":
		return payments.ChargeOverdue
	default: // PENDING, and the review states an Asaas boleto or PIX passes through
		return payments.ChargeRegistered
	}
}

// Lookup returns what Asaas knows now of a payment (GET /payments/{id}):
// its state and, once paid, the money that moved. A refunded payment
// reports both its receipt and its refund, so that quita's sum is right
// even if it never saw the receipt. An id Asaas does not know is
// payments.ErrUnknownCharge.
func (c *Client) Lookup(ctx context.Context, providerID string) (payments.ChargeStatus, error) {
	p, err := c.payment(ctx, providerID)
	if err != nil {
		return payments.ChargeStatus{}, err
	}
	return payments.ChargeStatus{ProviderID: p.ID, State: stateOf(p), Payments: movements(p, time.Time{})}, nil
}

// Confirm re-reads an event's payment from the API (GET /payments/{id})
// and returns the money its state now implies, for a receiver that trusts
// no webhook body alone: a forged body with a leaked token moves nothing
// Asaas did not, and events read in any order yield the same movements.
func (c *Client) Confirm(ctx context.Context, ev Event) ([]payments.Payment, error) {
	if ev.PaymentID == "" {
		return nil, nil
	}
	p, err := c.payment(ctx, ev.PaymentID)
	if err != nil {
		return nil, err
	}
	return movements(p, ev.Created), nil
}

func (c *Client) payment(ctx context.Context, id string) (payment, error) {
	if !strings.HasPrefix(id, "pay_") {
		return payment{}, fmt.Errorf("asaas: %q is not an Asaas payment id (pay_…): %w", id, payments.ErrUnknownCharge)
	}
	var p payment
	err := c.do(ctx, http.MethodGet, "/payments/{id}", "/payments/"+url.PathEscape(id), nil, nil, &p)
	if IsNotFound(err) {
		return p, fmt.Errorf("%w: %w", err, payments.ErrUnknownCharge)
	}
	return p, err
}

// Cancel deletes a payment (DELETE /payments/{id}) so that it can no longer
// be paid. One Asaas no longer has, or has already deleted, is not an
// error. Asaas refuses to delete a paid payment; that error is returned.
func (c *Client) Cancel(ctx context.Context, providerID string) error {
	if !strings.HasPrefix(providerID, "pay_") {
		return fmt.Errorf("asaas: %q is not an Asaas payment id (pay_…): %w", providerID, payments.ErrUnknownCharge)
	}
	var d deleted
	err := c.do(ctx, http.MethodDelete, "/payments/{id}", "/payments/"+url.PathEscape(providerID), nil, nil, &d)
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !d.Deleted {
		return fmt.Errorf("asaas: DELETE /payments/{id}: Asaas answered without deleting %s", providerID)
	}
	return nil
}

// movements are the payments.Payment a payment's state implies. The id of
// each is Asaas's payment id: quita keys a movement by id and event
// (received, refunded), so PAYMENT_CONFIRMED and PAYMENT_RECEIVED of one
// payment count once. fallback dates a refund Asaas gives no date for.
func movements(p payment, fallback time.Time) []payments.Payment {
	received := paidStatuses[p.Status] || p.Status == "REFUNDED"
	if !received {
		return nil
	}
	base := payments.Payment{ID: p.ID, Provider: Name, ChargeID: p.ExternalReference, ProviderID: p.ID, AmountCents: cents(p.Value)}
	in := base
	in.Event, in.At = payments.PaymentReceived, firstDate(fallback, p.ClientPaymentDate, p.PaymentDate, p.ConfirmedDate)
	out := []payments.Payment{in}
	if p.Status == "REFUNDED" {
		back := base
		back.Event = payments.PaymentRefunded
		var when []string
		for _, r := range p.Refunds {
			when = append(when, r.DateCreated)
		}
		back.At = firstDate(fallback, when...)
		if back.At.IsZero() {
			back.At = in.At
		}
		out = append(out, back)
	}
	return out
}

// firstDate parses the first of Asaas's dates that is set ("2024-11-06" or
// "2024-11-06 18:59:27", Brasília time), else fallback.
func firstDate(fallback time.Time, values ...string) time.Time {
	for _, v := range values {
		if t, ok := parseDate(v); ok {
			return t
		}
	}
	return fallback
}

func parseDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.DateTime, time.DateOnly} {
		if t, err := time.ParseInLocation(layout, v, brt); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
