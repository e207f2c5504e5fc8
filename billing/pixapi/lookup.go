package pixapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/payments"
)

// Lookup returns what the PSP knows now of a cobv (GET /cobv/{txid},
// CobVCompleta): its state and the Pix received for it, each refund
// (devolução DEVOLVIDO) with them. A txid the PSP does not know is
// payments.ErrUnknownCharge.
func (c *Client) Lookup(ctx context.Context, providerID string) (payments.ChargeStatus, error) {
	if !txidPattern.MatchString(providerID) {
		return payments.ChargeStatus{}, fmt.Errorf("pix_api: %q is not a txid: %w", providerID, payments.ErrUnknownCharge)
	}
	cv, err := c.cobv(ctx, providerID)
	if IsNotFound(err) {
		return payments.ChargeStatus{}, fmt.Errorf("%w: %w", err, payments.ErrUnknownCharge)
	}
	if err != nil {
		return payments.ChargeStatus{}, err
	}
	st := payments.ChargeStatus{ProviderID: providerID, State: stateOf(cv.Status)}
	for _, p := range cv.Pix {
		if p.Txid == "" {
			p.Txid = providerID
		}
		st.Payments = append(st.Payments, movements(p)...)
	}
	return st, nil
}

// e2eidPattern is the schema EndToEndId.
var e2eidPattern = regexp.MustCompile(`^[a-zA-Z0-9]{32}$`)

// ErrUnconfirmed is returned for an endToEndId the PSP does not know: a
// webhook naming it is not believed.
var ErrUnconfirmed = fmt.Errorf("pix_api: the PSP knows no such Pix: %w", payments.ErrUnknownCharge)

// Confirm reads one Pix from the PSP (GET /pix/{e2eid}) and returns the
// money it moved: what a webhook's body is checked against before anything
// counts, so a forged or replayed body moves nothing the PSP did not.
func (c *Client) Confirm(ctx context.Context, e2eid string) ([]payments.Payment, error) {
	if !e2eidPattern.MatchString(e2eid) {
		return nil, fmt.Errorf("%w: %q is not an endToEndId", ErrUnconfirmed, e2eid)
	}
	var p pix
	err := c.do(ctx, http.MethodGet, "/pix/{e2eid}", "/pix/"+url.PathEscape(e2eid), nil, nil, &p)
	if IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrUnconfirmed, e2eid)
	}
	if err != nil {
		return nil, err
	}
	if p.EndToEndID != e2eid {
		return nil, fmt.Errorf("%w: asked %s, the PSP answered %s", ErrUnconfirmed, e2eid, p.EndToEndID)
	}
	return movements(p), nil
}

// maxPages bounds one listing, should a PSP's paginacao never end.
const maxPages = 200

// Received lists the Pix received with a txid between from and to (GET
// /pix?inicio&fim&txIdPresente=true, every page): the reconciliation
// backstop's source (billing.Lister), so that a lost webhook delays a
// payment but never loses it.
func (c *Client) Received(ctx context.Context, from, to time.Time) ([]payments.Payment, error) {
	var out []payments.Payment
	for page := 0; page < maxPages; page++ {
		q := url.Values{
			"inicio": {from.UTC().Format(time.RFC3339)}, "fim": {to.UTC().Format(time.RFC3339)},
			"txIdPresente": {"true"}, "paginacao.paginaAtual": {strconv.Itoa(page)}, "paginacao.itensPorPagina": {"1000"},
		}
		var l pixList
		if err := c.do(ctx, http.MethodGet, "/pix?inicio&fim", "/pix", q, nil, &l); err != nil {
			return out, err
		}
		for _, p := range l.Pix {
			out = append(out, movements(p)...)
		}
		pg := l.Parametros.Paginacao
		if len(l.Pix) == 0 || pg.PaginaAtual+1 >= pg.QuantidadeDePaginas {
			return out, nil
		}
	}
	return out, fmt.Errorf("pix_api: GET /pix: more than %d pages between %s and %s", maxPages, from.Format(time.RFC3339), to.Format(time.RFC3339))
}

// movements are the payments.Payment one Pix implies: its receipt, keyed
// by endToEndId, and each devolução that reached DEVOLVIDO, keyed by its
// rtrId. A Pix without a txid was paid to the key by other means.
func movements(p pix) []payments.Payment {
	if p.EndToEndID == "" {
		return nil
	}
	at := parseTime(p.Horario)
	out := []payments.Payment{{ID: p.EndToEndID, Provider: Name, ChargeID: p.Txid, ProviderID: p.Txid,
		Event: payments.PaymentReceived, AmountCents: cents(p.Valor), At: at}}
	for _, d := range p.Devolucoes {
		if d.Status != refundDone {
			continue // EM_PROCESSAMENTO may still fail (NAO_REALIZADO): the money is ours until it is DEVOLVIDO
		}
		id := d.RtrID
		if id == "" {
			id = p.EndToEndID + "-" + d.ID
		}
		when := parseTime(d.Horario.Liquidacao)
		if when.IsZero() {
			when = parseTime(d.Horario.Solicitacao)
		}
		out = append(out, payments.Payment{ID: id, Provider: Name, ChargeID: p.Txid, ProviderID: p.Txid,
			Event: payments.PaymentRefunded, AmountCents: cents(d.Valor), At: when})
	}
	return out
}

func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t
}

// cents reads an amount as the API writes it ("123.45"); 0 when it is not one.
func cents(v string) int64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 {
		return 0
	}
	return int64(math.Round(f * 100))
}
