package asaastest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
)

// brt is Brasília time, Asaas's calendar.
var brt = time.FixedZone("BRT", -3*60*60)

// Boletos of the fake account are Bradesco's (237), a bank Asaas issues
// through; their linha digitável is computed by package payments.
var boletoAccount = payments.Account{Bank: "237", Agency: "3383", Account: "0012345", Carteira: "09"}

// pixKey is the fake account's chave Pix (a random EVP key).
const pixKey = "5b3c1f8e-2d4a-4e6b-9c7d-0a1b2c3d4e5f"

// Payment is PaymentGetResponseDto, as the fake keeps it.
type Payment struct {
	Object                string   `json:"object"`
	ID                    string   `json:"id"`
	DateCreated           string   `json:"dateCreated"`
	Customer              string   `json:"customer"`
	Value                 float64  `json:"value"`
	NetValue              float64  `json:"netValue"`
	OriginalValue         *float64 `json:"originalValue"`
	InterestValue         *float64 `json:"interestValue"`
	Description           *string  `json:"description"`
	BillingType           string   `json:"billingType"`
	CanBePaidAfterDueDate bool     `json:"canBePaidAfterDueDate"`
	PixTransaction        *string  `json:"pixTransaction"`
	Status                string   `json:"status"`
	DueDate               string   `json:"dueDate"`
	OriginalDueDate       string   `json:"originalDueDate"`
	PaymentDate           *string  `json:"paymentDate"`
	ClientPaymentDate     *string  `json:"clientPaymentDate"`
	ConfirmedDate         *string  `json:"confirmedDate"`
	InstallmentNumber     *int     `json:"installmentNumber"`
	InvoiceURL            string   `json:"invoiceUrl"`
	InvoiceNumber         string   `json:"invoiceNumber"`
	ExternalReference     *string  `json:"externalReference"`
	Deleted               bool     `json:"deleted"`
	Anticipated           bool     `json:"anticipated"`
	Anticipable           bool     `json:"anticipable"`
	CreditDate            *string  `json:"creditDate"`
	EstimatedCreditDate   *string  `json:"estimatedCreditDate"`
	TransactionReceiptURL *string  `json:"transactionReceiptUrl"`
	NossoNumero           *string  `json:"nossoNumero"`
	BankSlipURL           *string  `json:"bankSlipUrl"`
	Discount              Discount `json:"discount"`
	Fine                  Fine     `json:"fine"`
	Interest              Interest `json:"interest"`
	PostalService         bool     `json:"postalService"`
	Refunds               []Refund `json:"refunds"`
	Linha                 string   `json:"-"` // identificationField
	Barcode               string   `json:"-"`
	PixPayload            string   `json:"-"`
}

// Discount, Fine and Interest are the payment's terms as Asaas echoes them.
type Discount struct {
	Value            float64 `json:"value"`
	LimitDate        *string `json:"limitDate"`
	DueDateLimitDays int     `json:"dueDateLimitDays"`
	Type             string  `json:"type"`
}

// Fine is the payment's fine after the due date.
type Fine struct {
	Value float64 `json:"value"`
	Type  string  `json:"type"`
}

// Interest is the payment's interest, % a month.
type Interest struct {
	Value float64 `json:"value"`
	Type  string  `json:"type"`
}

// Refund is one entry of refunds.
type Refund struct {
	DateCreated string  `json:"dateCreated"`
	Status      string  `json:"status"`
	Value       float64 `json:"value"`
	Description *string `json:"description"`
}

// paymentRequest is PaymentSaveRequestDTO's documented fields; others are refused.
type paymentRequest struct {
	Customer                                   *string          `json:"customer"`
	BillingType                                *string          `json:"billingType"`
	Value                                      *float64         `json:"value"`
	DueDate                                    *string          `json:"dueDate"`
	Description                                string           `json:"description"`
	DaysAfterDueDateToRegistrationCancellation *int             `json:"daysAfterDueDateToRegistrationCancellation"`
	ExternalReference                          string           `json:"externalReference"`
	InstallmentCount                           *int             `json:"installmentCount"`
	TotalValue                                 *float64         `json:"totalValue"`
	InstallmentValue                           *float64         `json:"installmentValue"`
	Discount                                   *json.RawMessage `json:"discount"`
	Interest                                   *json.RawMessage `json:"interest"`
	Fine                                       *json.RawMessage `json:"fine"`
	PostalService                              bool             `json:"postalService"`
	Split                                      json.RawMessage  `json:"split"`
	Callback                                   json.RawMessage  `json:"callback"`
}

func (s *Server) listPayments(w http.ResponseWriter, q url.Values) {
	s.mu.Lock()
	var all []Payment
	for _, id := range s.order {
		p := s.payments[id]
		if p.Deleted {
			continue
		}
		if ref := q.Get("externalReference"); ref != "" && (p.ExternalReference == nil || *p.ExternalReference != ref) {
			continue
		}
		if c := q.Get("customer"); c != "" && p.Customer != c {
			continue
		}
		if st := q.Get("status"); st != "" && p.Status != st {
			continue
		}
		all = append(all, *p)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, page(q, all))
}

func (s *Server) createPayment(w http.ResponseWriter, body []byte) {
	var req paymentRequest
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeErrors(w, http.StatusBadRequest, "invalid_request", "corpo inválido: "+err.Error())
		return
	}
	var disc Discount
	fine, interest := Fine{Type: "FIXED"}, Interest{Type: "PERCENTAGE"}
	disc.Type = "FIXED"
	s.mu.Lock()
	defer s.mu.Unlock()
	today := s.today().In(brt).Format(time.DateOnly)
	var errs []string
	switch {
	case req.Customer == nil || *req.Customer == "":
		errs = append(errs, "invalid_customer", "O campo customer deve ser informado.")
	case s.customers[*req.Customer] == nil || s.customers[*req.Customer].Deleted:
		errs = append(errs, "invalid_customer", "Customer inválido ou não informado.")
	}
	if req.BillingType == nil || (*req.BillingType != "BOLETO" && *req.BillingType != "PIX" && *req.BillingType != "UNDEFINED") {
		errs = append(errs, "invalid_billingType", "Informe uma forma de pagamento válida: BOLETO, PIX ou UNDEFINED.")
	}
	if req.Value == nil || *req.Value <= 0 || math.Round(*req.Value*100) != *req.Value*100 {
		errs = append(errs, "invalid_value", "O campo value deve ser informado.")
	}
	due, err := time.ParseInLocation(time.DateOnly, deref(req.DueDate), brt)
	switch {
	case req.DueDate == nil || err != nil:
		errs = append(errs, "invalid_dueDate", "O campo dueDate deve ser informado no formato AAAA-MM-DD.")
	case *req.DueDate < today:
		errs = append(errs, "invalid_dueDate", "A data de vencimento não pode ser inferior à hoje.")
	}
	if req.Discount != nil && (json.Unmarshal(*req.Discount, &disc) != nil || disc.Value < 0 || (disc.Type != "FIXED" && disc.Type != "PERCENTAGE") ||
		(req.Value != nil && disc.Type == "FIXED" && disc.Value >= *req.Value)) {
		errs = append(errs, "invalid_discount", "O desconto informado é inválido.")
	}
	if req.Fine != nil && (json.Unmarshal(*req.Fine, &fine) != nil || fine.Value < 0 || (fine.Type != "FIXED" && fine.Type != "PERCENTAGE")) {
		errs = append(errs, "invalid_fine", "A multa informada é inválida.")
	}
	if req.Interest != nil && (json.Unmarshal(*req.Interest, &interest) != nil || interest.Value < 0) {
		errs = append(errs, "invalid_interest", "Os juros informados são inválidos.")
	}
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs...)
		return
	}
	s.seq++
	n := s.seq
	p := &Payment{Object: "payment", ID: fmt.Sprintf("pay_%012d", n), DateCreated: today, Customer: *req.Customer,
		Value: *req.Value, NetValue: round2(*req.Value - fee(*req.BillingType)), Description: nullable(req.Description),
		BillingType: *req.BillingType, CanBePaidAfterDueDate: true, Status: "PENDING", DueDate: *req.DueDate, OriginalDueDate: *req.DueDate,
		InvoiceURL: fmt.Sprintf("%s/i/%012d", s.srv.URL, n), InvoiceNumber: fmt.Sprintf("%08d", n),
		ExternalReference: nullable(req.ExternalReference), Discount: disc, Fine: fine, Interest: interest}
	if p.BillingType != "PIX" {
		nn := fmt.Sprintf("%08d", 10326944+n)
		b, err := payments.NewBoleto(boletoAccount, nn, int64(math.Round(p.Value*100)), due)
		if err != nil {
			writeErrors(w, http.StatusInternalServerError, "internal_error", err.Error())
			return
		}
		p.Linha, p.Barcode = onlyDigits(b.Linha), b.Barcode
		p.NossoNumero, p.BankSlipURL = &nn, nullable(fmt.Sprintf("%s/b/pdf/%012d", s.srv.URL, n))
	}
	s.payments[p.ID] = p
	s.order = append(s.order, p.ID)
	writeJSON(w, http.StatusOK, *p)
}

// fee is what Asaas keeps of a payment (netValue = value - fee).
func fee(billingType string) float64 {
	if billingType == "PIX" {
		return 0.99
	}
	return 1.99
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (s *Server) getPayment(w http.ResponseWriter, id string) {
	s.mu.Lock()
	p, ok := s.payments[id]
	var out Payment
	if ok {
		out = *p
	}
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
		return
	}
	writeJSON(w, http.StatusOK, out) // a deleted payment is still returned, with deleted: true
}

func (s *Server) deletePayment(w http.ResponseWriter, id string) {
	s.mu.Lock()
	p, ok := s.payments[id]
	switch {
	case !ok || p.Deleted:
		s.mu.Unlock()
		writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
		return
	case p.Status != "PENDING" && p.Status != "OVERDUE":
		s.mu.Unlock()
		writeErrors(w, http.StatusBadRequest, "invalid_action", "Só é possível remover cobranças aguardando pagamento ou vencidas.")
		return
	}
	p.Deleted = true
	ev := s.eventLocked(p, "PAYMENT_DELETED")
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"deleted": true, "id": id})
	s.autoDeliver(ev)
}

func (s *Server) identificationField(w http.ResponseWriter, id string) {
	s.mu.Lock()
	p, ok := s.payments[id]
	var out Payment
	if ok {
		out = *p
	}
	s.mu.Unlock()
	switch {
	case !ok || out.Deleted:
		writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
	case out.BillingType == "PIX":
		writeErrors(w, http.StatusBadRequest, "invalid_billingType", "A linha digitável só existe para cobranças BOLETO ou UNDEFINED.")
	default:
		writeJSON(w, http.StatusOK, map[string]string{"identificationField": out.Linha, "nossoNumero": deref(out.NossoNumero), "barCode": out.Barcode})
	}
}

func (s *Server) pixQrCode(w http.ResponseWriter, id string) {
	s.mu.Lock()
	p, ok := s.payments[id]
	noKey := s.noPixKey
	var out Payment
	if ok {
		out = *p
	}
	s.mu.Unlock()
	switch {
	case !ok || out.Deleted:
		writeErrors(w, http.StatusNotFound, "not_found", "Cobrança não encontrada.")
		return
	case noKey:
		writeErrors(w, http.StatusBadRequest, "invalid_action", "Nenhuma chave Pix cadastrada para gerar o QR Code.")
		return
	}
	payload, err := payments.PixPayload(payments.Pix{Key: pixKey, Name: "LOJA FAKE ASAAS", City: "SAO PAULO",
		AmountCents: int64(math.Round(out.Value * 100)), TxID: strings.ReplaceAll(out.ID, "_", "")})
	if err == nil {
		var png []byte
		if png, err = payments.PixQRPNG(payload, 128); err == nil {
			due, _ := time.ParseInLocation(time.DateOnly, out.DueDate, brt)
			// "O QRCode expira 12 meses após a data de vencimento."
			writeJSON(w, http.StatusOK, map[string]any{"encodedImage": base64.StdEncoding.EncodeToString(png), "payload": payload,
				"expirationDate": due.AddDate(1, 0, 0).Format("2006-01-02 15:04:05"), "description": deref(out.Description)})
			return
		}
	}
	writeErrors(w, http.StatusInternalServerError, "internal_error", err.Error())
}
