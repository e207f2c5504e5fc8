package asaas

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quita-bot/quita/payments"
)

var _ payments.PaymentProvider = (*Client)(nil)

// Billing types of PaymentSaveRequestDTO.
const (
	billingBoleto = "BOLETO" // a registered boleto; Asaas adds a PIX QR Code to it (boleto híbrido)
	billingPix    = "PIX"
)

// maxDescription is PaymentSaveRequestDTO's description limit.
const maxDescription = 500

// brt is Brasília time, in which Asaas's dates are written (no DST since 2019).
var brt = time.FixedZone("BRT", -3*60*60)

// Issue registers the charge at Asaas, or returns the one already
// registered with the same externalReference (req.ChargeID). A boleto or
// hybrid is a BOLETO payment (its linha digitável from identificationField;
// a hybrid also gets the PIX payload Asaas attaches to every boleto); a PIX
// is a PIX payment. The debtor becomes an Asaas customer, found by CPF/CNPJ
// or created.
//
// The value sent is AmountCents plus DiscountCents, with DiscountCents off
// until the due date, so that the debtor pays AmountCents on time.
func (c *Client) Issue(ctx context.Context, req payments.ChargeRequest) (payments.Charge, error) {
	billing, err := validate(req)
	if err != nil {
		return payments.Charge{}, err
	}
	p, found, err := c.paymentByReference(ctx, req.ChargeID)
	if err != nil {
		return payments.Charge{}, err
	}
	if found {
		if err := sameTerms(req, billing, p); err != nil {
			return payments.Charge{}, err
		}
	} else if p, err = c.createPayment(ctx, req, billing); err != nil {
		return payments.Charge{}, err
	}
	return c.charge(ctx, req, p)
}

// ErrConflict is returned when a charge id is already registered at Asaas
// for another amount, due date or billing type: a new one needs a new charge id (and
// the old charge cancelled), or the debtor could pay both.
var ErrConflict = errors.New("asaas: charge id already registered with other terms")

// sameTerms checks that a payment found by externalReference is the charge
// asked for. Only a payable one is compared: Asaas rewrites the value of a
// payment paid late with interest.
func sameTerms(req payments.ChargeRequest, billing string, p payment) error {
	if p.BillingType != billing {
		return fmt.Errorf("%w: %s is %s, a %s payment, asked %s", ErrConflict, req.ChargeID, p.ID, p.BillingType, billing)
	}
	if stateOf(p) != payments.ChargeRegistered && stateOf(p) != payments.ChargeOverdue {
		return nil
	}
	want := req.AmountCents + max(req.DiscountCents, 0)
	due := req.DueDate.Format(time.DateOnly)
	if cents(p.Value) != want || p.DueDate != due {
		return fmt.Errorf("%w: %s is %s (R$ %s due %s), asked R$ %s due %s", ErrConflict, req.ChargeID, p.ID,
			payments.FormatAmount(cents(p.Value)), p.DueDate, payments.FormatAmount(want), due)
	}
	return nil
}

// validate checks what Asaas needs before any call is made.
func validate(req payments.ChargeRequest) (billing string, err error) {
	switch req.Kind {
	case payments.KindBoleto, payments.KindHybrid:
		billing = billingBoleto
	case payments.KindPix:
		billing = billingPix
	default:
		return "", fmt.Errorf("asaas: unknown charge kind %q: use boleto, pix or hybrid", req.Kind)
	}
	var missing []string
	if strings.TrimSpace(req.ChargeID) == "" {
		missing = append(missing, "a charge id")
	}
	if req.AmountCents <= 0 {
		missing = append(missing, "a positive amount")
	}
	if req.DueDate.IsZero() {
		missing = append(missing, "a due date")
	}
	if strings.TrimSpace(req.Payer.Name) == "" {
		missing = append(missing, "the debtor's name")
	}
	if d := digits(req.Payer.CPF); len(d) != 11 && len(d) != 14 {
		missing = append(missing, "the debtor's CPF or CNPJ")
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("asaas: a charge needs %s", strings.Join(missing, ", "))
	}
	return billing, nil
}

// paymentByReference finds a live (not deleted) payment with our id.
func (c *Client) paymentByReference(ctx context.Context, chargeID string) (payment, bool, error) {
	var l list[payment]
	if err := c.do(ctx, http.MethodGet, "/payments?externalReference", "/payments", url.Values{"externalReference": {chargeID}}, nil, &l); err != nil {
		return payment{}, false, err
	}
	for _, p := range l.Data {
		if !p.Deleted && p.ExternalReference == chargeID {
			return p, true, nil
		}
	}
	return payment{}, false, nil
}

// createPayment sends POST /payments, once more with a fresh customer
// should Asaas no longer know the one remembered.
func (c *Client) createPayment(ctx context.Context, req payments.ChargeRequest, billing string) (payment, error) {
	cus, err := c.customerFor(ctx, req.Payer)
	if err != nil {
		return payment{}, err
	}
	body := paymentBody(req, billing, cus)
	var p payment
	err = c.do(ctx, http.MethodPost, "/payments", "/payments", nil, body, &p)
	var ae *APIError
	if errors.As(err, &ae) && ae.HasCode("invalid_customer") {
		c.forgetCustomer(req.Payer.CPF)
		if body.Customer, err = c.customerFor(ctx, req.Payer); err != nil {
			return payment{}, err
		}
		err = c.do(ctx, http.MethodPost, "/payments", "/payments", nil, body, &p)
	}
	return p, err
}

// paymentBody is the PaymentSaveRequestDTO of a charge.
func paymentBody(req payments.ChargeRequest, billing, customerID string) paymentRequest {
	body := paymentRequest{
		Customer:          customerID,
		BillingType:       billing,
		Value:             reais(req.AmountCents + max(req.DiscountCents, 0)),
		DueDate:           req.DueDate.Format(time.DateOnly),
		Description:       truncateRunes(strings.TrimSpace(req.Description), maxDescription),
		ExternalReference: req.ChargeID,
	}
	if req.DiscountCents > 0 {
		body.Discount = &discount{Value: reais(req.DiscountCents), DueDateLimitDays: 0, Type: "FIXED"}
	}
	if req.MonthlyInterest > 0 {
		body.Interest = &interest{Value: req.MonthlyInterest}
	}
	if req.FinePercent > 0 {
		body.Fine = &fine{Value: req.FinePercent, Type: "PERCENTAGE"}
	}
	return body
}

// charge reads a payment's documents into the Charge quita sends: the
// linha digitável of a boleto, the PIX payload of a PIX or hybrid. Only a
// payable charge is asked for them.
func (c *Client) charge(ctx context.Context, req payments.ChargeRequest, p payment) (payments.Charge, error) {
	ch := payments.Charge{
		ChargeID: req.ChargeID, Provider: Name, ProviderID: p.ID, Kind: req.Kind,
		State: stateOf(p), AmountCents: req.AmountCents, DueDate: req.DueDate, PDFURL: p.BankSlipURL,
	}
	if due, err := time.ParseInLocation(time.DateOnly, p.DueDate, brt); err == nil {
		ch.DueDate = due
	}
	if ch.State != payments.ChargeRegistered && ch.State != payments.ChargeOverdue {
		return ch, nil
	}
	if p.BillingType == billingBoleto {
		var f identificationField
		if err := c.do(ctx, http.MethodGet, "/payments/{id}/identificationField", "/payments/"+url.PathEscape(p.ID)+"/identificationField", nil, nil, &f); err != nil {
			return ch, err
		}
		ch.Linha, ch.Barcode = f.IdentificationField, f.BarCode
		if d := digits(f.IdentificationField); len(d) == 47 {
			ch.Linha = payments.FormatLinha(d) // printed as the local boletos are
		}
	}
	if req.Kind == payments.KindPix || req.Kind == payments.KindHybrid {
		var q pixQrCode
		err := c.do(ctx, http.MethodGet, "/payments/{id}/pixQrCode", "/payments/"+url.PathEscape(p.ID)+"/pixQrCode", nil, nil, &q)
		var ae *APIError
		switch {
		case err == nil:
			ch.PixPayload = q.Payload
		case req.Kind == payments.KindHybrid && errors.As(err, &ae) && ae.Status < 500:
			// The account has no PIX key: the boleto alone still pays.
			ch.Kind = payments.KindBoleto
		default:
			return ch, err
		}
	}
	return ch, nil
}

// reais is cents as the decimal number Asaas's value fields take.
func reais(cents int64) float64 { return float64(cents) / 100 }

// cents reads one of Asaas's decimal values.
func cents(v float64) int64 { return int64(math.Round(v * 100)) }

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
