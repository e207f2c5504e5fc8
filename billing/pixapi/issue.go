package pixapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quita-bot/quita/payments"
)

var _ payments.PaymentProvider = (*Client)(nil)

// txidPattern is the schema TxId of a cobrança: 26 to 35 letters and digits.
var txidPattern = regexp.MustCompile(`^[a-zA-Z0-9]{26,35}$`)

// maxSolicitacao is CobBase.solicitacaoPagador's limit (pacs.008 RmtInf).
const maxSolicitacao = 140

// ErrConflict is returned when a txid is already used at the PSP by a
// charge that is no longer ATIVA (paid or removed): its terms cannot
// change, so a new charge needs a new txid.
var ErrConflict = errors.New("pix_api: txid already used by a charge that is no longer active")

// Issue registers a cobrança com vencimento (PUT /cobv/{txid}) whose txid
// is req.ChargeID. Issuing again is safe: on an ATIVA cobv the PSP takes
// the PUT as a revision of the same charge (the same location and code).
// The debtor gets the pixCopiaECola the PSP returns.
//
// valor.original is AmountCents plus DiscountCents, with DiscountCents off
// up to the due date (desconto modalidade 1), so that the debtor pays
// AmountCents on time; after it, multa (modalidade 2, percent) and juros
// (modalidade 3, percent a month) per the creditor's policy, applied by
// the PSP itself within validadeAposVencimento.
func (c *Client) Issue(ctx context.Context, req payments.ChargeRequest) (payments.Charge, error) {
	body, err := c.cobvBody(req)
	if err != nil {
		return payments.Charge{}, err
	}
	var got cobv
	err = c.do(ctx, http.MethodPut, "/cobv/{txid}", "/cobv/"+url.PathEscape(req.ChargeID), nil, body, &got)
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		// Perhaps the txid exists and is not ATIVA: say so plainly.
		if cur, gerr := c.cobv(ctx, req.ChargeID); gerr == nil && cur.Status != statusActive {
			return payments.Charge{}, fmt.Errorf("%w: %s is %s", ErrConflict, req.ChargeID, cur.Status)
		}
	}
	if err != nil {
		return payments.Charge{}, err
	}
	if got.Txid != "" && got.Txid != req.ChargeID {
		return payments.Charge{}, fmt.Errorf("pix_api: PUT /cobv/{txid}: the PSP answered for txid %s, asked %s", got.Txid, req.ChargeID)
	}
	ch, err := chargeOf(got)
	if err != nil {
		return payments.Charge{}, err
	}
	ch.ChargeID, ch.AmountCents, ch.DueDate = req.ChargeID, req.AmountCents, req.DueDate
	if req.Kind == payments.KindBoleto || req.Kind == payments.KindHybrid {
		// Asked for a boleto, a creditor paid only by PIX gets a cobv in
		// its stead, recorded as hybrid so that a PIX request reuses it.
		ch.Kind = payments.KindHybrid
	}
	return ch, nil
}

// cobvBody is the CobVSolicitada of a charge request.
func (c *Client) cobvBody(req payments.ChargeRequest) (cobvRequest, error) {
	var missing []string
	if !txidPattern.MatchString(req.ChargeID) {
		missing = append(missing, fmt.Sprintf("a charge id of 26 to 35 letters and digits (the txid), got %q", req.ChargeID))
	}
	if req.AmountCents <= 0 {
		missing = append(missing, "a positive amount")
	}
	if req.DueDate.IsZero() {
		missing = append(missing, "a due date")
	}
	if req.DiscountCents < 0 {
		missing = append(missing, "a discount that is not negative")
	}
	name := strings.TrimSpace(req.Payer.Name)
	if name == "" {
		missing = append(missing, "the debtor's name")
	}
	dev := pessoa{Nome: truncate(name, 200), Email: strings.TrimSpace(req.Payer.Email)}
	var ok bool
	if dev.CPF, dev.CNPJ, ok = payerDocument(req.Payer.CPF); !ok {
		missing = append(missing, "the debtor's CPF or CNPJ")
	}
	if len(missing) > 0 {
		return cobvRequest{}, fmt.Errorf("pix_api: a cobrança com vencimento needs %s", strings.Join(missing, ", "))
	}
	due := req.DueDate.Format(time.DateOnly)
	b := cobvRequest{
		Calendario: calendario{DataDeVencimento: due},
		Devedor:    dev,
		Valor:      valor{Original: payments.FormatAmount(req.AmountCents + req.DiscountCents)},
		Chave:      c.key,
	}
	if req.AcceptDaysAfterDue > 0 {
		days := req.AcceptDaysAfterDue
		b.Calendario.ValidadeAposVencimento = &days
	}
	if req.FinePercent > 0 {
		b.Valor.Multa = &valorPerc{Modalidade: multaPercentual, ValorPerc: percent(req.FinePercent)}
	}
	if req.MonthlyInterest > 0 {
		b.Valor.Juros = &valorPerc{Modalidade: jurosPercentualMes, ValorPerc: percent(req.MonthlyInterest)}
	}
	if req.DiscountCents > 0 {
		b.Valor.Desconto = &desconto{Modalidade: descontoValorFixoDatas,
			DescontoDataFixa: []descontoData{{Data: due, ValorPerc: payments.FormatAmount(req.DiscountCents)}}}
	}
	b.SolicitacaoPagador = truncate(strings.TrimSpace(req.Description), maxSolicitacao)
	return b, nil
}

// chargeOf is the payments.Charge a CobVGerada describes. A PSP that
// leaves pixCopiaECola out (it came with v2.6) gets its code built here, a
// dynamic BR Code pointing at the location (Manual de Padrões para
// Iniciação do Pix, BR Code dinâmico: 26-25 url, 01 = 12, 62-05 ***).
func chargeOf(cv cobv) (payments.Charge, error) {
	loc := cv.Location
	if cv.Loc != nil && cv.Loc.Location != "" {
		loc = cv.Loc.Location
	}
	code := cv.PixCopiaECola
	if code == "" && loc != "" {
		built, err := payments.EncodeBRCode(payments.Pix{URL: loc, PointOfInitiation: "12", TxID: "***",
			Name: brName(cv.Recebedor.Nome, 25), City: brName(cv.Recebedor.Cidade, 15)})
		if err != nil {
			return payments.Charge{}, fmt.Errorf("pix_api: the PSP returned no pixCopiaECola and its location %q makes no BR Code: %w", loc, err)
		}
		code = built
	}
	if code == "" {
		return payments.Charge{}, fmt.Errorf("pix_api: cobv %s came back without pixCopiaECola nor location", cv.Txid)
	}
	due, _ := time.Parse(time.DateOnly, cv.Calendario.DataDeVencimento)
	return payments.Charge{Provider: Name, ProviderID: cv.Txid, Kind: payments.KindPix, State: stateOf(cv.Status),
		AmountCents: cents(cv.Valor.Original), DueDate: due, PixPayload: code, PixLocation: loc}, nil
}

// stateOf maps CobrancaStatus to quita's charge state.
func stateOf(status string) string {
	switch status {
	case statusConcluded:
		return payments.ChargePaid
	case statusRemovedByUser, statusRemovedByThePSP, "REMOVIDO_PELO_USUARIO_RECEBEDOR", "REMOVIDO_PELO_PSP":
		// The enum says REMOVIDA_…; its own description writes REMOVIDO_….
		return payments.ChargeCancelled
	default:
		return payments.ChargeRegistered
	}
}

// Cancel removes a cobv (PATCH /cobv/{txid} with status
// REMOVIDA_PELO_USUARIO_RECEBEDOR, examples.cobBody5) so that it can no
// longer be paid. One already removed, or that the PSP does not know, is
// not an error; a paid one is.
func (c *Client) Cancel(ctx context.Context, providerID string) error {
	if !txidPattern.MatchString(providerID) {
		return fmt.Errorf("pix_api: %q is not a txid: %w", providerID, payments.ErrUnknownCharge)
	}
	err := c.do(ctx, http.MethodPatch, "/cobv/{txid}", "/cobv/"+url.PathEscape(providerID), nil,
		map[string]string{"status": statusRemovedByUser}, nil)
	if err == nil || IsNotFound(err) {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		if cur, gerr := c.cobv(ctx, providerID); gerr == nil {
			switch stateOf(cur.Status) {
			case payments.ChargeCancelled:
				return nil
			case payments.ChargePaid:
				return fmt.Errorf("pix_api: cobv %s is already paid (CONCLUIDA) and cannot be removed: %w", providerID, err)
			}
		}
	}
	return err
}

func (c *Client) cobv(ctx context.Context, txid string) (cobv, error) {
	var cv cobv
	err := c.do(ctx, http.MethodGet, "/cobv/{txid}", "/cobv/"+url.PathEscape(txid), nil, nil, &cv)
	return cv, err
}

// percent writes a percentage as valorPerc (\d{1,10}\.\d{2}).
func percent(p float64) string { return fmt.Sprintf("%.2f", p) }

// payerDocument reads a payer's CPF (11 digits) or CNPJ (14), in any
// punctuation, as the spec's devedor.cpf or devedor.cnpj; ok is false
// for anything else.
func payerDocument(doc string) (cpf, cnpj string, ok bool) {
	switch d := digits(doc); len(d) {
	case 11:
		return d, "", true
	case 14:
		return "", d, true
	}
	return "", "", false
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// brName is a name as a BR Code takes it: plain ASCII capitals, cut.
func brName(s string, n int) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == ' ':
			b.WriteRune(r)
		case strings.ContainsRune("ÁÀÂÃÄ", r):
			b.WriteRune('A')
		case strings.ContainsRune("ÉÈÊË", r):
			b.WriteRune('E')
		case strings.ContainsRune("ÍÌÎÏ", r):
			b.WriteRune('I')
		case strings.ContainsRune("ÓÒÔÕÖ", r):
			b.WriteRune('O')
		case strings.ContainsRune("ÚÙÛÜ", r):
			b.WriteRune('U')
		case r == 'Ç':
			b.WriteRune('C')
		}
	}
	out := strings.TrimSpace(truncate(b.String(), n))
	if out == "" {
		out = "RECEBEDOR"
	}
	return out
}
