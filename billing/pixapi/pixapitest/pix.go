package pixapitest

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/quita-bot/quita/payments"
)

// Pix is one Pix received (the schema Pix).
type Pix struct {
	EndToEndID       string       `json:"endToEndId"`
	Txid             string       `json:"txid,omitempty"`
	Valor            string       `json:"valor"`
	ComponentesValor *Componentes `json:"componentesValor,omitempty"`
	Horario          string       `json:"horario"`
	InfoPagador      string       `json:"infoPagador,omitempty"`
	Devolucoes       []Devolucao  `json:"devolucoes,omitempty"`
}

// Componentes is Pix.componentesValor for a cobv: original, multa, juros, desconto.
type Componentes struct {
	Original *Amount `json:"original,omitempty"`
	Multa    *Amount `json:"multa,omitempty"`
	Juros    *Amount `json:"juros,omitempty"`
	Desconto *Amount `json:"desconto,omitempty"`
}

// Amount is one componentesValor entry.
type Amount struct {
	Valor string `json:"valor"`
}

// Devolucao is the schema Devolucao.
type Devolucao struct {
	ID      string `json:"id"`
	RtrID   string `json:"rtrId"`
	Valor   string `json:"valor"`
	Horario struct {
		Solicitacao string `json:"solicitacao"`
		Liquidacao  string `json:"liquidacao,omitempty"`
	} `json:"horario"`
	Status string `json:"status"`
}

// Pay pays a cobv in full with what it asks today: valor.original less
// its desconto up to the due date, plus multa and juros after it, as the
// payer's PSP reads them from the location. The cobv becomes CONCLUIDA and
// the webhook is called (unless held). It returns the endToEndId.
func (s *Server) Pay(txid string) (string, error) { return s.PayValue(txid, 0) }

// PayValue pays a cobv with cents (0: what it asks today). Less than it
// asks leaves it ATIVA: a partial payment.
func (s *Server) PayValue(txid string, cents int64) (string, error) {
	s.mu.Lock()
	c, ok := s.cobvs[txid]
	if !ok || c.Status != "ATIVA" {
		s.mu.Unlock()
		return "", fmt.Errorf("pixapitest: no ATIVA cobv %s", txid)
	}
	comp := s.dueTodayLocked(c)
	due := centsOf(comp.Original.Valor)
	for _, a := range []*Amount{comp.Multa, comp.Juros} {
		if a != nil {
			due += centsOf(a.Valor)
		}
	}
	if comp.Desconto != nil {
		due -= centsOf(comp.Desconto.Valor)
	}
	if cents == 0 {
		cents = due
	}
	if cents >= due {
		c.Status = "CONCLUIDA"
	}
	p := s.newPixLocked(txid, cents)
	p.ComponentesValor = comp
	s.mu.Unlock()
	s.autoDeliver(p.EndToEndID)
	return p.EndToEndID, nil
}

// PayToKey is a Pix to the creditor's key without a txid (typed in by
// hand): no charge of quita's, and the webhook is not called for it (the
// spec notifies only Pix with a txid).
func (s *Server) PayToKey(cents int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newPixLocked("", cents).EndToEndID
}

// newPixLocked records a Pix received now; s.mu is held.
func (s *Server) newPixLocked(txid string, cents int64) *Pix {
	s.seq++
	now := s.now()
	// EndToEndId: E, the payer PSP's ISPB, yyyyMMddHHmm and 11 characters (32 in all).
	e2e := fmt.Sprintf("E%s%s%011d", ispb, now.UTC().Format("200601021504"), s.seq)
	p := &Pix{EndToEndID: e2e, Txid: txid, Valor: payments.FormatAmount(cents), Horario: rfc3339(now), InfoPagador: "pagamento"}
	s.pix[e2e] = p
	s.pixOrder = append(s.pixOrder, e2e)
	return p
}

// dueTodayLocked is what a cobv asks today, as componentesValor.
func (s *Server) dueTodayLocked(c *Cobv) *Componentes {
	comp := &Componentes{Original: &Amount{c.Valor.Original}}
	today := s.now().Format(time.DateOnly)
	due := c.Calendario.DataDeVencimento
	original := centsOf(c.Valor.Original)
	if today <= due {
		if d := c.Valor.Desconto; d != nil && d.Modalidade == 1 {
			for _, dd := range d.DescontoDataFixa {
				if today <= dd.Data {
					comp.Desconto = &Amount{dd.ValorPerc}
					break
				}
			}
		}
		return comp
	}
	dueDay, _ := time.Parse(time.DateOnly, due)
	todayDay, _ := time.Parse(time.DateOnly, today)
	days := int64(todayDay.Sub(dueDay).Hours() / 24)
	if m := c.Valor.Multa; m != nil && m.Modalidade == 2 {
		comp.Multa = &Amount{payments.FormatAmount(int64(math.Round(float64(original) * float64(centsOf(m.ValorPerc)) / 10000)))}
	}
	if j := c.Valor.Juros; j != nil && j.Modalidade == 3 {
		comp.Juros = &Amount{payments.FormatAmount(int64(math.Round(float64(original) * float64(centsOf(j.ValorPerc)) / 10000 * float64(days) / 30)))}
	}
	return comp
}

// Refund gives a Pix back in full (a devolução that reaches DEVOLVIDO)
// and calls the webhook, as the spec's callback does on a devolução's final
// status. The cobv stays CONCLUIDA.
func (s *Server) Refund(e2eid string) error {
	s.mu.Lock()
	p, ok := s.pix[e2eid]
	if !ok {
		s.mu.Unlock()
		return fmt.Errorf("pixapitest: no pix %s", e2eid)
	}
	s.seq++
	now := s.now()
	d := Devolucao{ID: fmt.Sprintf("DEV%d", s.seq), RtrID: fmt.Sprintf("D%s%s%011d", ispb, now.UTC().Format("200601021504"), s.seq),
		Valor: p.Valor, Status: "DEVOLVIDO"}
	d.Horario.Solicitacao, d.Horario.Liquidacao = rfc3339(now), rfc3339(now)
	p.Devolucoes = append(p.Devolucoes, d)
	s.mu.Unlock()
	s.autoDeliver(e2eid)
	return nil
}

// Pix returns one Pix as the fake holds it.
func (s *Server) Pix(e2eid string) (Pix, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pix[e2eid]
	if !ok {
		return Pix{}, false
	}
	return *p, true
}

func (s *Server) getPix(w http.ResponseWriter, e2eid string) {
	s.mu.Lock()
	p, ok := s.pix[e2eid]
	var out Pix
	if ok {
		out = *p
	}
	s.mu.Unlock()
	if !ok {
		writeProblem(w, http.StatusNotFound, "PixNaoEncontrado", "Pix não encontrado", "pix não encontrado para o e2eid informado.")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// listPix is GET /pix: the Pix whose horario is within inicio and fim,
// filtered by txid, txIdPresente and devolucaoPresente, paginated.
func (s *Server) listPix(w http.ResponseWriter, q url.Values) {
	from, to, ok := window(w, q, "PixConsultaInvalida")
	if !ok {
		return
	}
	s.mu.Lock()
	var all []Pix
	for _, id := range s.pixOrder {
		p := s.pix[id]
		at, _ := time.Parse(time.RFC3339Nano, p.Horario)
		switch {
		case at.Before(from) || at.After(to):
		case q.Get("txid") != "" && p.Txid != q.Get("txid"):
		case q.Get("txIdPresente") == "true" && p.Txid == "":
		case q.Get("txIdPresente") == "false" && p.Txid != "":
		case q.Get("devolucaoPresente") == "true" && len(p.Devolucoes) == 0:
		case q.Get("devolucaoPresente") == "false" && len(p.Devolucoes) > 0:
		default:
			all = append(all, *p)
		}
	}
	s.mu.Unlock()
	items, pg, ok := paginate(w, q, all, "PixConsultaInvalida", s.opts.MaxPerPage)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"parametros": map[string]any{"inicio": q.Get("inicio"), "fim": q.Get("fim"), "paginacao": pg}, "pix": items})
}
