package pixapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
)

// Account is the creditor's account a Pix Automático debit is credited to
// (DadosBancariosRecebedor, required by CobRSolicitada).
type Account struct {
	Branch string // agencia, ≤ 4 digits
	Number string // conta, ≤ 20
	Type   string // CORRENTE | POUPANCA | PAGAMENTO
}

// RecurringCharge is one debit of an authorised recorrência: an
// installment of an agreement.
type RecurringCharge struct {
	Txid        string // our charge id ([a-zA-Z0-9]{26,35})
	RecID       string
	DueDate     time.Time
	AmountCents int64
	Info        string // infoAdicional (≤ 140)
	Email       string // the debtor's, optional
	Receiver    Account
}

// CobR is what the PSP says of a cobrança recorrente.
type CobR struct {
	Txid, RecID string
	Status      string // CRIADA | ATIVA | CONCLUIDA | EXPIRADA | REJEITADA | CANCELADA
	DueDate     string // YYYY-MM-DD
	AmountCents int64
	// Attempts are the tentativas: each settlement attempt, its status and date.
	Attempts []Attempt
	// Payments are the Pix received for it (pix[]), each refund with them.
	Payments []payments.Payment
	Reason   string // why it was rejected or cancelled
}

// Attempt is one CobRTentativas entry.
type Attempt struct {
	Date, Kind, Status, EndToEndID, Reason string
}

// Failed reports whether the debit will not happen: the PSP gave up after
// the retries its policy allows (REJEITADA or EXPIRADA).
func (c CobR) Failed() bool { return c.Status == CobRRejected || c.Status == CobRExpired }

// IssueRecurring creates the debit of one installment (PUT /cobr/{txid},
// CobRSolicitada) before its due date; the PSP schedules it at the payer's
// PSP (tentativa AGND). Issuing again a cobr that exists is answered with
// the cobr as it is: PUT is not a revision here.
func (c *Client) IssueRecurring(ctx context.Context, r RecurringCharge) (CobR, error) {
	var missing []string
	if !txidPattern.MatchString(r.Txid) {
		missing = append(missing, fmt.Sprintf("a txid of 26 to 35 letters and digits, got %q", r.Txid))
	}
	if !recIDPattern.MatchString(r.RecID) {
		missing = append(missing, "the idRec of an authorised recorrência")
	}
	if r.AmountCents <= 0 {
		missing = append(missing, "a positive amount")
	}
	if r.DueDate.IsZero() {
		missing = append(missing, "a due date")
	}
	if strings.TrimSpace(r.Receiver.Number) == "" || r.Receiver.Type == "" {
		missing = append(missing, "the creditor's account and account type (billing.pix_api.recurring_account)")
	}
	if len(missing) > 0 {
		return CobR{}, fmt.Errorf("pix_api: a cobrança recorrente needs %s", strings.Join(missing, ", "))
	}
	var b cobrRequest
	b.IDRec, b.InfoAdicional = r.RecID, truncate(strings.TrimSpace(r.Info), 140)
	b.Calendario.DataDeVencimento = r.DueDate.Format(time.DateOnly)
	b.Valor.Original = payments.FormatAmount(r.AmountCents)
	// ajusteDiaUtil: a due date on a weekend or holiday is debited on the next business day.
	b.AjusteDiaUtil = true
	if e := strings.TrimSpace(r.Email); e != "" {
		b.Devedor = &cobrDevedor{Email: e}
	}
	b.Recebedor = receiverAcct{Agencia: digits(r.Receiver.Branch), Conta: strings.TrimSpace(r.Receiver.Number), TipoConta: r.Receiver.Type}
	var got cobr
	err := c.do(ctx, http.MethodPut, "/cobr/{txid}", "/cobr/"+url.PathEscape(r.Txid), nil, b, &got)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		// Perhaps it exists already (a retried call): the one the PSP holds counts.
		if cur, gerr := c.Recurring(ctx, r.Txid); gerr == nil && cur.RecID == r.RecID {
			return cur, nil
		}
	}
	if err != nil {
		return CobR{}, err
	}
	if got.Txid != "" && got.Txid != r.Txid {
		return CobR{}, fmt.Errorf("pix_api: PUT /cobr/{txid}: the PSP answered for txid %s, asked %s", got.Txid, r.Txid)
	}
	if got.Txid == "" {
		got.Txid = r.Txid
	}
	return cobrOf(got), nil
}

// Recurring reads a cobrança recorrente (GET /cobr/{txid}, CobRCompleta):
// its status, attempts and the Pix received. A txid the PSP does not know
// is payments.ErrUnknownCharge.
func (c *Client) Recurring(ctx context.Context, txid string) (CobR, error) {
	if !txidPattern.MatchString(txid) {
		return CobR{}, fmt.Errorf("pix_api: %q is not a txid: %w", txid, payments.ErrUnknownCharge)
	}
	var got cobr
	err := c.do(ctx, http.MethodGet, "/cobr/{txid}", "/cobr/"+url.PathEscape(txid), nil, nil, &got)
	if IsNotFound(err) {
		return CobR{}, fmt.Errorf("%w: %w", err, payments.ErrUnknownCharge)
	}
	if err != nil {
		return CobR{}, err
	}
	if got.Txid != txid {
		return CobR{}, fmt.Errorf("pix_api: asked cobr %s, the PSP answered %s", txid, got.Txid)
	}
	return cobrOf(got), nil
}

func cobrOf(g cobr) CobR {
	out := CobR{Txid: g.Txid, RecID: g.IDRec, Status: g.Status, DueDate: g.Calendario.DataDeVencimento,
		AmountCents: cents(g.Valor.Original), Reason: g.Encerramento.reason()}
	for _, t := range g.Tentativas {
		a := Attempt{Date: t.DataLiquidacao, Kind: t.Tipo, Status: t.Status, EndToEndID: t.EndToEndID}
		if t.Rejeicao != nil {
			a.Reason = strings.TrimSpace(t.Rejeicao.Codigo + " " + t.Rejeicao.Descricao)
			if out.Reason == "" && g.Status == CobRRejected {
				out.Reason = a.Reason
			}
		}
		out.Attempts = append(out.Attempts, a)
	}
	for _, p := range g.Pix {
		if p.Txid == "" {
			p.Txid = g.Txid
		}
		out.Payments = append(out.Payments, movements(p)...)
	}
	return out
}

// CancelRecurring cancels a debit not yet settled (PATCH /cobr/{txid} with
// status CANCELADA, CobRRevisada). One already cancelled, or unknown, is
// not an error; one paid is.
func (c *Client) CancelRecurring(ctx context.Context, txid string) error {
	if !txidPattern.MatchString(txid) {
		return fmt.Errorf("pix_api: %q is not a txid: %w", txid, payments.ErrUnknownCharge)
	}
	err := c.do(ctx, http.MethodPatch, "/cobr/{txid}", "/cobr/"+url.PathEscape(txid), nil, map[string]string{"status": CobRCancelled}, nil)
	if err == nil || IsNotFound(err) {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		if cur, gerr := c.Recurring(ctx, txid); gerr == nil {
			switch cur.Status {
			case CobRCancelled, CobRRejected, CobRExpired:
				return nil
			case CobRConcluded:
				return fmt.Errorf("pix_api: cobr %s is already paid (CONCLUIDA): %w", txid, err)
			}
		}
	}
	return err
}

// RetryRecurring asks for another attempt on date (POST
// /cobr/{txid}/retentativa/{data}), which the rec's policy must allow
// (PERMITE_3R_7D).
func (c *Client) RetryRecurring(ctx context.Context, txid string, date time.Time) (CobR, error) {
	if !txidPattern.MatchString(txid) {
		return CobR{}, fmt.Errorf("pix_api: %q is not a txid: %w", txid, payments.ErrUnknownCharge)
	}
	var got cobr
	path := "/cobr/" + url.PathEscape(txid) + "/retentativa/" + date.Format(time.DateOnly)
	if err := c.do(ctx, http.MethodPost, "/cobr/{txid}/retentativa/{data}", path, nil, nil, &got); err != nil {
		return CobR{}, err
	}
	return cobrOf(got), nil
}
