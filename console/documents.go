package console

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
	"unicode"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
)

// PaymentSettings are a creditor's terms, boleto account and PIX key. An
// account or key the creditor does not have is left zero and its problem
// says why; the documents that need it are then refused, never made on
// another account.
type PaymentSettings struct {
	Policy  payments.Policy
	Account payments.Account
	PixKey  string
	PixName string
	PixCity string
	Loc     *time.Location // the creditor's time zone, for due dates
	// BoletoProblem and PixProblem say why the creditor cannot issue that
	// charge ("" when it can); the agent sees them.
	BoletoProblem, PixProblem string
}

// PaymentDocs makes the agents' one-click documents with package payments.
type PaymentDocs struct {
	// For returns a creditor's settings (by id; "" for the default creditor).
	For func(creditorID string) PaymentSettings
	// Charges, when set, issues the boleto and the PIX code as the bot does:
	// the creditor's provider's live charge for the debt, so an agent's
	// click never leaves the debtor a second payable charge.
	Charges ChargeIssuer
}

// ChargeIssuer is the part of the bot's cashier the console uses.
type ChargeIssuer interface {
	SegundaVia(c dialogs.Case, d dialogs.Debt, now time.Time) (dialogs.Boleto, error)
	Pix(c dialogs.Case, d dialogs.Debt, amountCents int64, now time.Time) (dialogs.Pix, error)
}

// issuedBoleto is the segunda via from Charges.
func (p PaymentDocs) issuedBoleto(c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error) {
	b, err := p.Charges.SegundaVia(dialogs.Case{Debtor: debtor}, d, now)
	if err != nil {
		return dialogs.Message{}, fmt.Errorf("this creditor cannot issue the boleto now: %w", err)
	}
	due, _ := time.Parse(time.DateOnly, b.DueDate)
	text, err := docText(lang(c, debtor), "doc.segunda_via", map[string]any{
		"Amount": payments.FormatBRL(b.AmountCents), "Due": due.Format("02/01/2006"), "Linha": b.Linha})
	if err != nil {
		return dialogs.Message{}, err
	}
	if b.PDFURL != "" {
		text += "\n" + b.PDFURL
	}
	if b.PixPayload != "" {
		text += "\n\nPIX: " + b.PixPayload
	}
	m := dialogs.Message{Text: text}
	if len(b.PDF) > 0 {
		m.Files = []dialogs.File{{Kind: "document", ContentType: "application/pdf", Filename: "boleto-" + safeName(d.Invoice) + ".pdf", Data: b.PDF}}
	}
	return m, nil
}

// issuedPix is the PIX code from Charges.
func (p PaymentDocs) issuedPix(c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error) {
	px, err := p.Charges.Pix(dialogs.Case{Debtor: debtor}, d, 0, now)
	if err != nil {
		return dialogs.Message{}, fmt.Errorf("this creditor cannot issue the PIX code now: %w", err)
	}
	text, err := docText(lang(c, debtor), "doc.pix", map[string]any{"Amount": payments.FormatBRL(px.AmountCents), "Payload": px.Payload})
	if err != nil {
		return dialogs.Message{}, err
	}
	return dialogs.Message{Text: text, Files: []dialogs.File{{Kind: "image", ContentType: "image/png", Filename: "pix.png", Data: px.QRPNG}}}, nil
}

func (p PaymentDocs) settings(c dialogs.Conversation, d dialogs.Debt) PaymentSettings {
	id := d.CreditorID
	if id == "" {
		id = c.CreditorID
	}
	s := p.For(id)
	if s.Loc == nil {
		s.Loc, _ = time.LoadLocation("America/Sao_Paulo")
		if s.Loc == nil {
			s.Loc = time.UTC
		}
	}
	return s
}

// update is the debt's segunda via as of now.
func (p PaymentDocs) update(s PaymentSettings, d dialogs.Debt, now time.Time) (payments.Update, error) {
	due, err := time.ParseInLocation(time.DateOnly, d.DueDate, s.Loc)
	if err != nil {
		return payments.Update{}, fmt.Errorf("debt %s has no valid due date (%q)", d.ID, d.DueDate)
	}
	return payments.SegundaVia(s.Policy, s.Account, payments.Debt{AmountCents: d.AmountCents, DueDate: due, NossoNumero: nossoNumero(d.ID)}, now.In(s.Loc))
}

// SegundaVia implements Documents: the updated boleto as a PDF.
func (p PaymentDocs) SegundaVia(_ context.Context, c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error) {
	if p.Charges != nil {
		return p.issuedBoleto(c, debtor, d, now)
	}
	s := p.settings(c, d)
	if s.Account.Bank == "" {
		return dialogs.Message{}, fmt.Errorf("this creditor cannot issue boletos: %s", orUnknown(s.BoletoProblem))
	}
	u, err := p.update(s, d, now)
	if err != nil {
		return dialogs.Message{}, err
	}
	doc := payments.BoletoDocument{Boleto: u.Boleto, Beneficiary: s.Account, DocumentNumber: d.Invoice,
		DocumentDate: now.In(s.Loc), ProcessingDate: now.In(s.Loc),
		Instructions: []string{"Segunda via emitida pelo atendimento.", "Após o vencimento, multa e juros conforme contrato."}}
	if debtor != nil {
		doc.PayerName, doc.PayerCPF = debtor.Name, debtor.CPF
	}
	pdf, err := payments.BoletoPDF(doc)
	if err != nil {
		return dialogs.Message{}, err
	}
	text, err := docText(lang(c, debtor), "doc.segunda_via", map[string]any{
		"Amount": payments.FormatBRL(u.TotalCents), "Due": u.DueDate.Format("02/01/2006"), "Linha": u.Boleto.Linha})
	if err != nil {
		return dialogs.Message{}, err
	}
	return dialogs.Message{Text: text, Files: []dialogs.File{{Kind: "document", ContentType: "application/pdf",
		Filename: "boleto-" + safeName(d.Invoice) + ".pdf", Data: pdf}}}, nil
}

// Pix implements Documents: a static PIX charge of the updated amount.
func (p PaymentDocs) Pix(_ context.Context, c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error) {
	if p.Charges != nil {
		return p.issuedPix(c, debtor, d, now)
	}
	s := p.settings(c, d)
	if s.PixKey == "" {
		return dialogs.Message{}, fmt.Errorf("this creditor cannot issue PIX codes: %s", orUnknown(s.PixProblem))
	}
	due, err := time.ParseInLocation(time.DateOnly, d.DueDate, s.Loc)
	if err != nil {
		return dialogs.Message{}, fmt.Errorf("debt %s has no valid due date (%q)", d.ID, d.DueDate)
	}
	u, err := payments.UpdatedAmount(s.Policy, payments.Debt{AmountCents: d.AmountCents, DueDate: due}, now.In(s.Loc))
	if err != nil {
		return dialogs.Message{}, err
	}
	payload, err := payments.PixPayload(payments.Pix{Key: s.PixKey, Name: s.PixName, City: s.PixCity,
		AmountCents: u.TotalCents, TxID: txid(d.ID), Description: "Fatura " + d.Invoice})
	if err != nil {
		return dialogs.Message{}, err
	}
	png, err := payments.PixQRPNG(payload, 512)
	if err != nil {
		return dialogs.Message{}, err
	}
	text, err := docText(lang(c, debtor), "doc.pix", map[string]any{"Amount": payments.FormatBRL(u.TotalCents), "Payload": payload})
	if err != nil {
		return dialogs.Message{}, err
	}
	return dialogs.Message{Text: text, Files: []dialogs.File{{Kind: "image", ContentType: "image/png", Filename: "pix.png", Data: png}}}, nil
}

// Offers implements Documents: the plans the policy allows today.
func (p PaymentDocs) Offers(_ context.Context, c dialogs.Conversation, debtor *dialogs.Debtor, d dialogs.Debt, now time.Time) (dialogs.Message, error) {
	s := p.settings(c, d)
	due, err := time.ParseInLocation(time.DateOnly, d.DueDate, s.Loc)
	if err != nil {
		return dialogs.Message{}, fmt.Errorf("debt %s has no valid due date (%q)", d.ID, d.DueDate)
	}
	today := now.In(s.Loc)
	overdue := max(int(today.Sub(due).Hours()/24), 0)
	plans, err := payments.OffersFor(s.Policy, d.AmountCents, overdue, payments.AddBusinessDays(today, max(s.Policy.SegundaViaDays, 1)))
	if err != nil {
		return dialogs.Message{}, err
	}
	l := lang(c, debtor)
	var lines []string
	for i, pl := range plans {
		if i == 4 {
			break
		}
		var line string
		switch {
		case pl.Kind == payments.PlanFull && pl.DiscountCents > 0:
			line, err = docText(l, "doc.full_discount", map[string]any{"Total": payments.FormatBRL(pl.TotalCents), "Discount": payments.FormatBRL(pl.DiscountCents)})
		case pl.Kind == payments.PlanFull:
			line, err = docText(l, "doc.full", map[string]any{"Total": payments.FormatBRL(pl.TotalCents)})
		default:
			line, err = docText(l, "doc.plan", map[string]any{"N": pl.Count(), "Each": payments.FormatBRL(pl.LargestInstallmentCents()), "Total": payments.FormatBRL(pl.TotalCents)})
		}
		if err != nil {
			return dialogs.Message{}, err
		}
		lines = append(lines, fmt.Sprintf("%d) %s", i+1, line))
	}
	text, err := docText(l, "doc.offers", map[string]any{"Amount": payments.FormatBRL(d.AmountCents), "List": strings.Join(lines, "\n")})
	return dialogs.Message{Text: text}, err
}

func orUnknown(problem string) string {
	if problem == "" {
		return "its billing is not configured (see quita config check)"
	}
	return problem
}

func lang(c dialogs.Conversation, debtor *dialogs.Debtor) string {
	if c.Language != "" {
		return c.Language
	}
	if debtor != nil {
		return debtor.Language
	}
	return ""
}

// nossoNumero derives a stable 8-digit nosso número from the debt id, so a
// reissued segunda via of one debt keeps its number.
func nossoNumero(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("%08d", h.Sum32()%100000000)
}

// txid is the debt id reduced to the 25 letters and digits a PIX txid allows.
func txid(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) && b.Len() < 25 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func safeName(s string) string {
	s = txid(s)
	if s == "" {
		return "segunda-via"
	}
	return s
}
