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

	"github.com/quita-bot/quita/payments"
)

// Pix Automático (API Pix v2.9.0, openapi.yaml of github.com/bacen/pix-api:
// paths /locrec, /rec, /rec/{idRec}, /solicrec, /cobr/{txid},
// /webhookrec, /webhookcobr).
//
// The journey quita uses is JORNADA_2: the recorrência is created with a
// location of its own (POST /locrec, then POST /rec with loc), and GET
// /rec/{idRec} answers dadosQR {jornada: JORNADA_2, pixCopiaECola}, the
// "QR Composto da recorrência" (schema RecCompleta.dadosQR). That code
// travels in one chat message; the debtor pastes it (or reads its QR) in
// their own bank app and authorises there. JORNADA_1 (POST /solicrec)
// needs the payer's agency, account and PSP ISPB, which a debtor in a
// chat does not have at hand and should not be asked for; it is offered
// by RequestConfirmation for creditors who hold them. JORNADA_3 and 4 tie
// the authorisation to paying a cob or cobv first, which an agreement's
// down payment could do but is not needed for.

// RecurringScopes are the scopes Pix Automático needs beside Scopes.
const RecurringScopes = "rec.write rec.read cobr.write cobr.read payloadlocationrec.write solicrec.write solicrec.read webhookrec.write webhookcobr.write"

// Retry policies (RecConfiguracao.politicaRetentativa).
const (
	RetryNone  = "NAO_PERMITE"
	Retry3In7D = "PERMITE_3R_7D" // up to three more attempts within seven days after the due date
)

// recIDPattern is the schema RecId (29 letters and digits).
var recIDPattern = regexp.MustCompile(`^[a-zA-Z0-9]{29}$`)

// Recurrence asks for the authorisation of a monthly debit of a fixed
// amount: an agreement's installments.
type Recurrence struct {
	Contract    string // vinculo.contrato: the agreement's id (≤ 35)
	Object      string // vinculo.objeto: what the debtor sees in their bank app (≤ 35)
	Payer       payments.Payer
	First, Last time.Time // calendario.dataInicial and dataFinal: the first and last installments' due dates
	AmountCents int64     // valor.valorRec; 0: the amount varies (each cobr says it)
	Retry       bool      // politicaRetentativa PERMITE_3R_7D, else NAO_PERMITE
}

// Rec is what the PSP says of a recorrência.
type Rec struct {
	ID       string // idRec
	Status   string // CRIADA | APROVADA | REJEITADA | EXPIRADA | CANCELADA
	Contract string
	Journey  string // ativacao.tipoJornada, or dadosQR.jornada
	// Code is the Pix Copia e Cola the debtor authorises with (dadosQR.pixCopiaECola).
	Code        string
	Location    string
	AmountCents int64
	First, Last string // YYYY-MM-DD
	Retry       string // politicaRetentativa
	Reason      string // why it was rejected or cancelled (encerramento)
}

// Approved reports whether the debtor authorised the debit.
func (r Rec) Approved() bool { return r.Status == RecApproved }

// Ended reports whether the authorisation can no longer be given or used.
func (r Rec) Ended() bool {
	return r.Status == RecRejected || r.Status == RecExpired || r.Status == RecCancelled
}

// CreateRecurrence creates a recorrência for JORNADA_2: a location (POST
// /locrec), the rec on it (POST /rec, RecSolicitada), then GET
// /rec/{idRec} for the QR code the debtor authorises with.
func (c *Client) CreateRecurrence(ctx context.Context, r Recurrence) (Rec, error) {
	body, err := recBody(r)
	if err != nil {
		return Rec{}, err
	}
	var loc recLoc
	// POST /locrec takes no body in the spec (201 PayloadLocationRecGerada).
	if err := c.do(ctx, http.MethodPost, "/locrec", "/locrec", nil, nil, &loc); err != nil {
		return Rec{}, err
	}
	if loc.ID == 0 {
		return Rec{}, errors.New("pix_api: POST /locrec answered no location id")
	}
	body.Loc = int(loc.ID)
	var created rec
	if err := c.do(ctx, http.MethodPost, "/rec", "/rec", nil, body, &created); err != nil {
		return Rec{}, err
	}
	if !recIDPattern.MatchString(created.IDRec) {
		return Rec{}, fmt.Errorf("pix_api: POST /rec answered idRec %q, not 29 letters and digits", created.IDRec)
	}
	got, err := c.Recurrence(ctx, created.IDRec)
	if err != nil {
		return Rec{}, fmt.Errorf("pix_api: recorrência %s created, reading its QR code: %w", created.IDRec, err)
	}
	if got.Code == "" && !got.Ended() {
		return got, fmt.Errorf("pix_api: GET /rec/%s gave no dadosQR.pixCopiaECola (JORNADA_2): the PSP may not offer the recorrência's QR", created.IDRec)
	}
	return got, nil
}

func recBody(r Recurrence) (recRequest, error) {
	var missing []string
	contract := strings.TrimSpace(r.Contract)
	if contract == "" || len([]rune(contract)) > 35 {
		missing = append(missing, fmt.Sprintf("a contract id of 1 to 35 characters, got %q", contract))
	}
	if r.AmountCents < 0 {
		missing = append(missing, "an installment amount that is not negative")
	}
	if r.First.IsZero() {
		missing = append(missing, "the first debit's date")
	}
	if !r.Last.IsZero() && r.Last.Before(r.First) {
		missing = append(missing, "a last date not before the first")
	}
	name := strings.TrimSpace(r.Payer.Name)
	if name == "" {
		missing = append(missing, "the debtor's name")
	}
	dev := pessoaRecorr{Nome: truncate(name, 140)}
	var ok bool
	if dev.CPF, dev.CNPJ, ok = payerDocument(r.Payer.CPF); !ok {
		missing = append(missing, "the debtor's CPF or CNPJ")
	}
	if len(missing) > 0 {
		return recRequest{}, fmt.Errorf("pix_api: a recorrência needs %s", strings.Join(missing, ", "))
	}
	b := recRequest{
		Vinculo:    vinculo{Objeto: truncate(strings.TrimSpace(r.Object), 35), Contrato: contract, Devedor: dev},
		Calendario: recCalendario{DataInicial: r.First.Format(time.DateOnly), Periodicidade: "MENSAL"},
	}
	if r.AmountCents > 0 {
		// valorRec only for a fixed amount (RecBase.valor): otherwise the
		// payer's bank shows a variable debit, each cobr with its own.
		b.Valor = &recValor{ValorRec: payments.FormatAmount(r.AmountCents)}
	}
	if !r.Last.IsZero() {
		b.Calendario.DataFinal = r.Last.Format(time.DateOnly)
	}
	b.PoliticaRetentativa = RetryNone
	if r.Retry {
		b.PoliticaRetentativa = Retry3In7D
	}
	return b, nil
}

// Recurrence reads a recorrência (GET /rec/{idRec}, RecCompleta): its
// status and, while it waits, the QR code of JORNADA_2.
func (c *Client) Recurrence(ctx context.Context, idRec string) (Rec, error) {
	if !recIDPattern.MatchString(idRec) {
		return Rec{}, fmt.Errorf("pix_api: %q is not an idRec: %w", idRec, payments.ErrUnknownCharge)
	}
	var r rec
	err := c.do(ctx, http.MethodGet, "/rec/{idRec}", "/rec/"+url.PathEscape(idRec), nil, nil, &r)
	if IsNotFound(err) {
		return Rec{}, fmt.Errorf("%w: %w", err, payments.ErrUnknownCharge)
	}
	if err != nil {
		return Rec{}, err
	}
	if r.IDRec != idRec {
		return Rec{}, fmt.Errorf("pix_api: asked recorrência %s, the PSP answered %s", idRec, r.IDRec)
	}
	return recOf(r), nil
}

func recOf(r rec) Rec {
	out := Rec{ID: r.IDRec, Status: r.Status, Contract: r.Vinculo.Contrato, AmountCents: cents(r.Valor.ValorRec),
		First: r.Calendario.DataInicial, Last: r.Calendario.DataFinal, Retry: r.PoliticaRetentativa}
	if r.Ativacao != nil {
		out.Journey = r.Ativacao.TipoJornada
	}
	if r.DadosQR != nil {
		out.Code = r.DadosQR.PixCopiaECola
		if out.Journey == "" || out.Journey == "AGUARDANDO_DEFINICAO" {
			out.Journey = r.DadosQR.Jornada
		}
	}
	if r.Loc != nil {
		out.Location = r.Loc.Location
	}
	out.Reason = r.Encerramento.reason()
	return out
}

func (e *encerramento) reason() string {
	switch {
	case e == nil:
		return ""
	case e.Rejeicao != nil:
		return strings.TrimSpace(e.Rejeicao.Codigo + " " + e.Rejeicao.Descricao)
	case e.Cancelamento != nil:
		return strings.TrimSpace(e.Cancelamento.Codigo + " " + e.Cancelamento.Descricao + " (" + e.Cancelamento.Solicitante + ")")
	}
	return ""
}

// CancelRecurrence ends an authorisation (PATCH /rec/{idRec} with status
// CANCELADA, RecRevisada): no debit follows. One already ended, or that
// the PSP does not know, is not an error.
func (c *Client) CancelRecurrence(ctx context.Context, idRec string) error {
	if !recIDPattern.MatchString(idRec) {
		return fmt.Errorf("pix_api: %q is not an idRec: %w", idRec, payments.ErrUnknownCharge)
	}
	err := c.do(ctx, http.MethodPatch, "/rec/{idRec}", "/rec/"+url.PathEscape(idRec), nil, map[string]string{"status": RecCancelled}, nil)
	if err == nil || IsNotFound(err) {
		return nil
	}
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
		if cur, gerr := c.Recurrence(ctx, idRec); gerr == nil && cur.Ended() {
			return nil
		}
	}
	return err
}

// Destination is the payer's account for JORNADA_1 (SolicRecBase.destinatario).
type Destination struct {
	Branch, Account, ISPB string
	CPF                   string // or CNPJ, 11 or 14 digits
}

// Confirmation is a solicitação de confirmação (SolicRecCompleta).
type Confirmation struct {
	ID, RecID, Status string // status CRIADA | ENVIADA | RECEBIDA | REJEITADA | ACEITA | EXPIRADA | CANCELADA
}

// RequestConfirmation asks the payer's PSP to put the authorisation to the
// payer in their bank app (JORNADA_1, POST /solicrec), until expires.
func (c *Client) RequestConfirmation(ctx context.Context, idRec string, to Destination, expires time.Time) (Confirmation, error) {
	if !recIDPattern.MatchString(idRec) {
		return Confirmation{}, fmt.Errorf("pix_api: %q is not an idRec", idRec)
	}
	var body solicRecRequest
	body.IDRec = idRec
	body.Calendario.DataExpiracaoSolicitacao = expires.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	body.Destinatario = destinatario{Agencia: digits(to.Branch), Conta: strings.TrimSpace(to.Account), ISPBParticipante: strings.TrimSpace(to.ISPB)}
	switch doc := digits(to.CPF); len(doc) {
	case 11:
		body.Destinatario.CPF = doc
	case 14:
		body.Destinatario.CNPJ = doc
	default:
		return Confirmation{}, errors.New("pix_api: a solicitação de confirmação needs the payer's CPF or CNPJ")
	}
	if body.Destinatario.Conta == "" || len(body.Destinatario.ISPBParticipante) != 8 {
		return Confirmation{}, errors.New("pix_api: a solicitação de confirmação needs the payer's account and their PSP's 8-character ISPB")
	}
	var got solicRec
	if err := c.do(ctx, http.MethodPost, "/solicrec", "/solicrec", nil, body, &got); err != nil {
		return Confirmation{}, err
	}
	return Confirmation{ID: got.IDSolicRec, RecID: got.IDRec, Status: got.Status}, nil
}

// ConfirmationStatus reads a solicitação (GET /solicrec/{idSolicRec}).
func (c *Client) ConfirmationStatus(ctx context.Context, id string) (Confirmation, error) {
	if !recIDPattern.MatchString(id) {
		return Confirmation{}, fmt.Errorf("pix_api: %q is not an idSolicRec", id)
	}
	var got solicRec
	if err := c.do(ctx, http.MethodGet, "/solicrec/{idSolicRec}", "/solicrec/"+url.PathEscape(id), nil, nil, &got); err != nil {
		return Confirmation{}, err
	}
	return Confirmation{ID: got.IDSolicRec, RecID: got.IDRec, Status: got.Status}, nil
}
