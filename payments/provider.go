package payments

import (
	"context"
	"errors"
	"time"
)

// PaymentProvider is a creditor's bank or payment institution as quita sees
// it: it registers a charge so that the debtor's bank accepts it, reports
// what became of it, and withdraws one that a newer charge superseded. Each
// provider (billing/asaas, billing/pixapi, billing/local with CNAB 240)
// implements it in its own package; nothing here does I/O.
type PaymentProvider interface {
	// Issue registers a charge. Issuing again with the same ChargeID returns
	// the charge already registered (providers are called at least once).
	Issue(ctx context.Context, req ChargeRequest) (Charge, error)
	// Lookup returns what the provider knows now of a charge it issued,
	// named by its ProviderID.
	Lookup(ctx context.Context, providerID string) (ChargeStatus, error)
	// Cancel withdraws a charge so that it can no longer be paid. Cancelling
	// a charge already cancelled is not an error.
	Cancel(ctx context.Context, providerID string) error
}

// ChargeKind is what the debtor is sent for one charge.
type ChargeKind string

// Charge kinds.
const (
	KindBoleto ChargeKind = "boleto" // linha digitável and PDF
	KindPix    ChargeKind = "pix"    // PIX copia e cola and QR
	KindHybrid ChargeKind = "hybrid" // boleto híbrido: a boleto that also carries a PIX payload
	// KindPixAutomatic is a Pix Automático debit of an authorised
	// agreement installment (API Pix cobr): nothing for the debtor to pay by hand.
	KindPixAutomatic ChargeKind = "pix_automatico"
)

// Payer is the debtor a charge is addressed to.
type Payer struct {
	Name    string `json:"name"`
	CPF     string `json:"cpf"` // 11 digits (or a CNPJ's 14)
	Address string `json:"address,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"` // E.164
}

// ChargeRequest asks a provider for one charge.
type ChargeRequest struct {
	// ChargeID is quita's id of the charge: 26 to 35 letters and digits, so
	// it serves as the API Pix txid, Asaas's externalReference and the
	// boleto's seu número source. It is the provider's idempotency key.
	ChargeID    string     `json:"charge_id"`
	CreditorID  string     `json:"creditor_id"`
	DebtID      string     `json:"debt_id"`
	Kind        ChargeKind `json:"kind"`
	AmountCents int64      `json:"amount_cents"` // what the debtor pays on or before DueDate
	DueDate     time.Time  `json:"due_date"`     // a calendar date (its Y-M-D is used)
	// AcceptDaysAfterDue is how many days after DueDate the charge can still
	// be paid (API Pix validadeAposVencimento); 0 for the provider's default.
	AcceptDaysAfterDue int `json:"accept_days_after_due,omitempty"`
	// Terms applied by the bank after DueDate, from the creditor's policy.
	FinePercent     float64 `json:"fine_percent,omitempty"`     // multa, %
	MonthlyInterest float64 `json:"monthly_interest,omitempty"` // juros, % a month
	// DiscountCents is off the amount when paid on or before DueDate.
	DiscountCents int64     `json:"discount_cents,omitempty"`
	Payer         Payer     `json:"payer"`
	Description   string    `json:"description,omitempty"` // shown to the payer (solicitacaoPagador, description)
	IssuedOn      time.Time `json:"issued_on"`
}

// Charge states, as quita records them.
const (
	ChargeUnregistered = "unregistered" // computed here, the bank does not know it yet (local, before its remessa)
	ChargeRegistered   = "registered"   // the bank or PSP knows it: payable
	ChargeRejected     = "rejected"     // the bank refused to register it
	ChargePaid         = "paid"
	ChargeCancelled    = "cancelled"
	ChargeRefunded     = "refunded"
	ChargeOverdue      = "overdue"
)

// Charge is a charge a provider registered (or, for local, computed).
type Charge struct {
	ChargeID    string     `json:"charge_id"`   // ours
	Provider    string     `json:"provider"`    // local | asaas | pix_api
	ProviderID  string     `json:"provider_id"` // the provider's id (Asaas pay_…, API Pix txid, nosso número)
	Kind        ChargeKind `json:"kind"`
	State       string     `json:"state"`
	AmountCents int64      `json:"amount_cents"`
	DueDate     time.Time  `json:"due_date,omitzero"`
	Linha       string     `json:"linha,omitempty"`       // linha digitável, 47 digits
	Barcode     string     `json:"barcode,omitempty"`     // 44 digits
	PixPayload  string     `json:"pix_payload,omitempty"` // EMV BR Code (copia e cola)
	PixLocation string     `json:"pix_location,omitempty"`
	PDFURL      string     `json:"pdf_url,omitempty"` // the bank's own PDF, when it has one
}

// ChargeStatus is what a provider knows now of one charge.
type ChargeStatus struct {
	ProviderID string    `json:"provider_id"`
	State      string    `json:"state"`
	Payments   []Payment `json:"payments,omitempty"`
}

// Payment events, as providers report them.
const (
	PaymentReceived = "received" // money arrived (or confirmed)
	PaymentRefunded = "refunded" // money given back: the debt reopens
)

// Payment is one movement of money on a charge. Every source that sees one
// (a webhook, a reconciliation listing, a CNAB retorno, the API) reports it
// as a Payment, and quita applies it once, keyed by ID.
type Payment struct {
	ID          string    `json:"id"`        // the provider's id of this movement: endToEndId, Asaas payment id + event, CNAB nosso número + movement
	Provider    string    `json:"provider"`  // local | asaas | pix_api | api
	ChargeID    string    `json:"charge_id"` // ours (txid, externalReference), when the provider reports it
	ProviderID  string    `json:"provider_id,omitempty"`
	Event       string    `json:"event"` // PaymentReceived or PaymentRefunded
	AmountCents int64     `json:"amount_cents"`
	At          time.Time `json:"at"` // when the money moved (credit date)
}

// ErrUnknownCharge is returned for a charge the provider never issued.
var ErrUnknownCharge = errors.New("unknown charge")
