package payments

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// PaymentProvider issues charges and looks them up. Local generates them
// here; a bank's or PSP's API can implement the same interface later (it
// would register the boleto, return the bank's barcode and report payments).
type PaymentProvider interface {
	IssueBoleto(ctx context.Context, req BoletoRequest) (Charge, error)
	IssuePix(ctx context.Context, req PixRequest) (Charge, error)
	LookupPayment(ctx context.Context, chargeID string) (PaymentStatus, error)
}

// BoletoRequest asks for one boleto.
type BoletoRequest struct {
	NossoNumero    string    `json:"nosso_numero"`
	AmountCents    int64     `json:"amount_cents"`
	DueDate        time.Time `json:"due_date"`
	PayerName      string    `json:"payer_name"`
	PayerCPF       string    `json:"payer_cpf"`
	PayerAddress   string    `json:"payer_address,omitempty"`
	DocumentNumber string    `json:"document_number,omitempty"`
	Instructions   []string  `json:"instructions,omitempty"`
	IssuedOn       time.Time `json:"issued_on"` // document and processing date
	WithPDF        bool      `json:"with_pdf,omitempty"`
}

// PixRequest asks for one PIX charge.
type PixRequest struct {
	TxID        string    `json:"txid"` // up to 25 letters and digits
	AmountCents int64     `json:"amount_cents"`
	Description string    `json:"description,omitempty"`
	IssuedOn    time.Time `json:"issued_on"`
	QRSize      int       `json:"qr_size,omitempty"` // pixels; 0 for no image
}

// Charge is an issued boleto or PIX charge.
type Charge struct {
	ID          string    `json:"id"`   // boleto:<barcode> or pix:<txid>
	Kind        string    `json:"kind"` // boleto | pix
	AmountCents int64     `json:"amount_cents"`
	DueDate     time.Time `json:"due_date,omitzero"`
	Boleto      *Boleto   `json:"boleto,omitempty"`
	PDF         []byte    `json:"pdf,omitempty"`
	PixPayload  string    `json:"pix_payload,omitempty"`
	QRPNG       []byte    `json:"qr_png,omitempty"`
}

// Payment states.
const (
	PaymentPending = "pending"
	PaymentPaid    = "paid"
)

// PaymentStatus is what a provider knows about a charge.
type PaymentStatus struct {
	ChargeID  string    `json:"charge_id"`
	Status    string    `json:"status"`
	PaidCents int64     `json:"paid_cents,omitempty"`
	PaidOn    time.Time `json:"paid_on,omitzero"`
}

// ErrUnknownCharge is returned for a charge the provider never issued.
var ErrUnknownCharge = errors.New("unknown charge")

// Local is the default provider: it generates boletos and PIX payloads
// locally, from the creditor's own account and PIX key, and remembers what it
// issued in memory. It cannot see the bank, so a charge stays pending until
// MarkPaid records a payment reconciled elsewhere (a bank statement, a
// receipt the debtor sent). Safe for concurrent use.
type Local struct {
	Account Account // beneficiary, for boletos
	PixKey  string
	PixName string // merchant name; Account.BeneficiaryName when empty
	PixCity string

	mu      sync.Mutex
	charges map[string]*PaymentStatus
}

var _ PaymentProvider = (*Local)(nil)

// IssueBoleto generates a boleto (and its PDF when asked).
func (l *Local) IssueBoleto(_ context.Context, req BoletoRequest) (Charge, error) {
	b, err := NewBoleto(l.Account, req.NossoNumero, req.AmountCents, req.DueDate)
	if err != nil {
		return Charge{}, err
	}
	c := Charge{ID: "boleto:" + b.Barcode, Kind: "boleto", AmountCents: b.AmountCents, DueDate: b.DueDate, Boleto: &b}
	if req.WithPDF {
		c.PDF, err = BoletoPDF(BoletoDocument{
			Boleto: b, Beneficiary: l.Account,
			PayerName: req.PayerName, PayerCPF: req.PayerCPF, PayerAddress: req.PayerAddress,
			DocumentNumber: req.DocumentNumber, DocumentDate: req.IssuedOn, ProcessingDate: req.IssuedOn,
			Instructions: req.Instructions,
		})
		if err != nil {
			return Charge{}, err
		}
	}
	l.remember(c.ID)
	return c, nil
}

// IssuePix generates a static PIX payload (and its QR code when asked).
func (l *Local) IssuePix(_ context.Context, req PixRequest) (Charge, error) {
	name := l.PixName
	if name == "" {
		name = l.Account.BeneficiaryName
	}
	payload, err := PixPayload(Pix{Key: l.PixKey, Name: name, City: l.PixCity, AmountCents: req.AmountCents, TxID: req.TxID, Description: req.Description})
	if err != nil {
		return Charge{}, err
	}
	id := req.TxID
	if id == "" {
		id = fmt.Sprintf("%04X", CRC16([]byte(payload)))
	}
	c := Charge{ID: "pix:" + id, Kind: "pix", AmountCents: req.AmountCents, PixPayload: payload}
	if req.QRSize > 0 {
		if c.QRPNG, err = PixQRPNG(payload, req.QRSize); err != nil {
			return Charge{}, err
		}
	}
	l.remember(c.ID)
	return c, nil
}

// LookupPayment reports what Local knows: pending, or paid once MarkPaid.
func (l *Local) LookupPayment(_ context.Context, chargeID string) (PaymentStatus, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.charges[chargeID]
	if !ok {
		return PaymentStatus{}, fmt.Errorf("%w %q", ErrUnknownCharge, chargeID)
	}
	return *st, nil
}

// MarkPaid records a payment of a charge Local issued.
func (l *Local) MarkPaid(chargeID string, cents int64, on time.Time) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	st, ok := l.charges[chargeID]
	if !ok {
		return fmt.Errorf("%w %q", ErrUnknownCharge, chargeID)
	}
	st.Status, st.PaidCents, st.PaidOn = PaymentPaid, cents, dateOf(on)
	return nil
}

func (l *Local) remember(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.charges == nil {
		l.charges = map[string]*PaymentStatus{}
	}
	if _, ok := l.charges[id]; !ok {
		l.charges[id] = &PaymentStatus{ChargeID: id, Status: PaymentPending}
	}
}
