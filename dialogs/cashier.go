package dialogs

import "time"

// Cashier makes the payment documents and plans the conversation offers. The
// bot adapts package payments to it; dialogs owns the interface so that it
// never depends on how boletos or PIX codes are built, and tests use a fake.
// Implementations must be deterministic for a given now.
type Cashier interface {
	// SegundaVia is a new boleto for the debt's updated amount (fine and
	// interest per the creditor's contract) with a new due date.
	SegundaVia(c Case, d Debt, now time.Time) (Boleto, error)
	// Boleto is a boleto for a given amount and due date (YYYY-MM-DD), such as
	// an agreement installment.
	Boleto(c Case, d Debt, amountCents int64, dueDate string, now time.Time) (Boleto, error)
	// Pix is a PIX charge for amountCents; 0 means the debt's updated amount.
	Pix(c Case, d Debt, amountCents int64, now time.Time) (Pix, error)
	// Offers are the plans the creditor's policy allows today: pay in full
	// with the discount tier for the days overdue, and installment plans.
	Offers(c Case, d Debt, now time.Time) []Offer
	// Nearest is the allowed plan closest to what the debtor asked for.
	Nearest(c Case, d Debt, req PlanRequest, now time.Time) (Offer, error)
}

// Boleto is a generated boleto.
type Boleto struct {
	Linha       string `json:"linha"` // linha digitável, 47 digits as printed
	AmountCents int64  `json:"amount_cents"`
	DueDate     string `json:"due_date"` // YYYY-MM-DD
	Beneficiary string `json:"beneficiary,omitempty"`
	PDF         []byte `json:"-"`
	PDFURL      string `json:"pdf_url,omitempty"`     // the bank's own PDF, when the provider has one
	PixPayload  string `json:"pix_payload,omitempty"` // boleto híbrido: the same charge payable by PIX
	// PixQRPNG is the QR of PixPayload when there is no linha: a creditor
	// paid only by PIX, whose segunda via is a PIX charge with a due date.
	PixQRPNG []byte `json:"-"`
	// Unregistered is a boleto the bank does not know yet (local, before its
	// CNAB remessa is confirmed): the debtor is told when it can be paid.
	Unregistered bool `json:"unregistered,omitempty"`
}

// Pix is a generated PIX charge.
type Pix struct {
	Payload     string `json:"payload"` // the copia-e-cola BR Code
	AmountCents int64  `json:"amount_cents"`
	QRPNG       []byte `json:"-"`
}

// Offer is one payment plan. A plan with Installments == 1 and no down
// payment is payment in full, possibly with a discount.
type Offer struct {
	Installments     int      `json:"n"`              // regular installments, after any down payment
	DownPaymentCents int64    `json:"down,omitempty"` // due on FirstDue
	InstallmentCents []int64  `json:"cents"`          // one per installment
	DueDates         []string `json:"dues"`           // YYYY-MM-DD, one per installment
	FirstDue         string   `json:"first"`          // the first payment, down payment or installment
	TotalCents       int64    `json:"total"`
	DiscountCents    int64    `json:"discount,omitempty"`
}

// PlanRequest is what the debtor asked for: a number of installments, an
// amount per month, a later start, or a mix.
type PlanRequest struct {
	Installments int    `json:"installments,omitempty"`
	MonthlyCents int64  `json:"monthly_cents,omitempty"`
	FirstDue     string `json:"first_due,omitempty"` // YYYY-MM-DD, the earliest the debtor can start
}

// valid reports whether the offer can be explained and agreed.
func (o Offer) valid() bool {
	return o.Installments > 0 && len(o.InstallmentCents) == o.Installments &&
		len(o.DueDates) == o.Installments && o.TotalCents > 0
}

// first is the first payment of the plan: the down payment or the first installment.
func (o Offer) first() (cents int64, due string) {
	if o.DownPaymentCents > 0 {
		return o.DownPaymentCents, o.FirstDue
	}
	return o.InstallmentCents[0], o.DueDates[0]
}

// agreement is the plan as the bot records it.
func (o Offer) agreement(debtID string) *Agreement {
	return &Agreement{
		DebtID:           debtID,
		Installments:     o.Installments,
		DownPaymentCents: o.DownPaymentCents,
		InstallmentCents: o.InstallmentCents,
		DueDates:         o.DueDates,
		TotalCents:       o.TotalCents,
	}
}
