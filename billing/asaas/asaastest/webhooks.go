package asaastest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Event is one webhook event the fake emitted: the exact body it posts.
type Event struct {
	ID        string // evt_…&n, as Asaas's ids look
	Type      string // PAYMENT_RECEIVED, …
	PaymentID string
	Body      []byte
	delivered bool
}

// Delivery is one POST of an event to the webhook URL.
type Delivery struct {
	EventID string
	Token   string // the asaas-access-token sent
	Status  int    // the receiver's answer; 0 when the POST failed
	Err     error
}

// eventLocked builds the event object of
// https://docs.asaas.com/docs/receive-asaas-events-at-your-webhook-endpoint
// for the payment as it is now; s.mu must be held.
func (s *Server) eventLocked(p *Payment, typ string) Event {
	s.seq++
	sum := sha256.Sum256([]byte(s.APIKey + p.ID))
	ev := Event{ID: fmt.Sprintf("evt_%s&%d", hex.EncodeToString(sum[:16]), s.seq), Type: typ, PaymentID: p.ID}
	ev.Body, _ = json.Marshal(map[string]any{"id": ev.ID, "event": typ,
		"dateCreated": s.today().In(brt).Format("2006-01-02 15:04:05"), "payment": *p})
	s.events = append(s.events, ev)
	return ev
}

// autoDeliver posts a new event unless webhooks are held or unset.
func (s *Server) autoDeliver(ev Event) {
	s.mu.Lock()
	hold, url := s.hold, s.webhookURL
	s.mu.Unlock()
	if !hold && url != "" {
		_, _ = s.Deliver(ev)
	}
}

// change applies f to a payment whose status is one of from, then emits typ.
func (s *Server) change(id, typ string, from []string, f func(p *Payment, today string)) (Event, error) {
	s.mu.Lock()
	p, ok := s.payments[id]
	if !ok || p.Deleted {
		s.mu.Unlock()
		return Event{}, fmt.Errorf("asaastest: no live payment %s", id)
	}
	allowed := false
	for _, st := range from {
		allowed = allowed || p.Status == st
	}
	if !allowed {
		s.mu.Unlock()
		return Event{}, fmt.Errorf("asaastest: payment %s is %s, not one of %v", id, p.Status, from)
	}
	f(p, s.today().In(brt).Format(time.DateOnly))
	ev := s.eventLocked(p, typ)
	s.mu.Unlock()
	s.autoDeliver(ev)
	return ev, nil
}

// MarkPaid settles a payment in full (status RECEIVED: funds available)
// and emits PAYMENT_RECEIVED.
func (s *Server) MarkPaid(id string) (Event, error) { return s.MarkPaidValue(id, 0) }

// MarkPaidValue settles a payment with what the debtor actually paid (in
// cents; 0 for the charge's value), as Asaas reports a boleto paid late
// with interest: value becomes what was paid, originalValue what was charged.
func (s *Server) MarkPaidValue(id string, paidCents int64) (Event, error) {
	return s.change(id, "PAYMENT_RECEIVED", []string{"PENDING", "OVERDUE", "CONFIRMED"}, func(p *Payment, today string) {
		if paid := float64(paidCents) / 100; paidCents > 0 && paid != p.Value {
			orig := p.Value
			p.OriginalValue, p.Value = &orig, paid
		}
		p.Status, p.NetValue = "RECEIVED", round2(p.Value-fee(p.BillingType))
		p.PaymentDate, p.ClientPaymentDate, p.CreditDate, p.EstimatedCreditDate = &today, &today, &today, &today
		if p.ConfirmedDate == nil {
			p.ConfirmedDate = &today
		}
		receipt := fmt.Sprintf("%s/comprovantes/%s", s.srv.URL, p.ID)
		p.TransactionReceiptURL = &receipt
	})
}

// MarkConfirmed confirms a payment whose funds are not yet available
// (status CONFIRMED) and emits PAYMENT_CONFIRMED.
func (s *Server) MarkConfirmed(id string) (Event, error) {
	return s.change(id, "PAYMENT_CONFIRMED", []string{"PENDING", "OVERDUE"}, func(p *Payment, today string) {
		p.Status, p.ConfirmedDate, p.ClientPaymentDate = "CONFIRMED", &today, &today
	})
}

// MarkOverdue passes a payment's due date (status OVERDUE) and emits PAYMENT_OVERDUE.
func (s *Server) MarkOverdue(id string) (Event, error) {
	return s.change(id, "PAYMENT_OVERDUE", []string{"PENDING"}, func(p *Payment, _ string) { p.Status = "OVERDUE" })
}

// Refund gives a received payment back in full (status REFUNDED) and emits PAYMENT_REFUNDED.
func (s *Server) Refund(id string) (Event, error) {
	return s.change(id, "PAYMENT_REFUNDED", []string{"RECEIVED", "CONFIRMED"}, func(p *Payment, today string) {
		p.Status = "REFUNDED"
		p.Refunds = append(p.Refunds, Refund{DateCreated: today + " 10:00:00", Status: "DONE", Value: p.Value})
	})
}

// Deliver posts an event (again, or late) with the webhook's token.
func (s *Server) Deliver(ev Event) (int, error) {
	s.mu.Lock()
	token := s.webhookToken
	s.mu.Unlock()
	return s.DeliverWithToken(ev, token)
}

// DeliverWithToken posts an event with any token: a forged delivery.
func (s *Server) DeliverWithToken(ev Event, token string) (int, error) {
	s.mu.Lock()
	url := s.webhookURL
	s.mu.Unlock()
	if url == "" {
		return 0, errors.New("asaastest: no webhook URL: call SetWebhook")
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(ev.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Asaas_Hmlg/3.0")
	if token != "" {
		req.Header.Set("asaas-access-token", token)
	}
	status := 0
	resp, err := s.httpClient.Do(req)
	if err == nil {
		status = resp.StatusCode
		resp.Body.Close()
	}
	s.mu.Lock()
	s.deliveries = append(s.deliveries, Delivery{EventID: ev.ID, Token: token, Status: status, Err: err})
	for i := range s.events {
		if s.events[i].ID == ev.ID && status >= 200 && status < 300 {
			s.events[i].delivered = true
		}
	}
	s.mu.Unlock()
	return status, err
}

// Events returns every event emitted, in order.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// Undelivered returns the events no delivery has been accepted for (held,
// or refused by the receiver), in order.
func (s *Server) Undelivered() []Event {
	var out []Event
	for _, ev := range s.Events() {
		if !ev.delivered {
			out = append(out, ev)
		}
	}
	return out
}

// Deliveries returns every POST made, in order.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.deliveries...)
}
