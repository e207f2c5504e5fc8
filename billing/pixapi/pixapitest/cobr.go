package pixapitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Cobranças recorrentes in the fake: PUT, GET, PATCH /cobr/{txid} and POST
// /cobr/{txid}/retentativa/{data} (openapi.yaml v2.9.0 of
// github.com/bacen/pix-api: CobRSolicitada, CobRCompleta, CobRTentativas).
// The payer's PSP, which settles or refuses the debit, is played by the
// test: Debit, FailDebit.

// CobR is a cobrança recorrente as the fake holds it (CobRCompleta).
type CobR struct {
	IDRec         string `json:"idRec"`
	Txid          string `json:"txid"`
	InfoAdicional string `json:"infoAdicional,omitempty"`
	Calendario    struct {
		Criacao          string `json:"criacao"`
		DataDeVencimento string `json:"dataDeVencimento"`
	} `json:"calendario"`
	Valor struct {
		Original string `json:"original"`
	} `json:"valor"`
	Status              string          `json:"status"`
	PoliticaRetentativa string          `json:"politicaRetentativa"`
	AjusteDiaUtil       bool            `json:"ajusteDiaUtil"`
	Devedor             *Pessoa         `json:"devedor,omitempty"`
	Recebedor           ReceiverAccount `json:"recebedor"`
	Tentativas          []Tentativa     `json:"tentativas,omitempty"`
	Encerramento        *Encerramento   `json:"encerramento,omitempty"`
	Atualizacao         []Atualizacao   `json:"atualizacao"`
}

// ReceiverAccount is DadosBancariosRecebedor.
type ReceiverAccount struct {
	Agencia   string `json:"agencia,omitempty"`
	Conta     string `json:"conta"`
	TipoConta string `json:"tipoConta"`
}

// Tentativa is one attempt to settle a cobr.
type Tentativa struct {
	DataLiquidacao string        `json:"dataLiquidacao"`
	Tipo           string        `json:"tipo"`
	Status         string        `json:"status"`
	EndToEndID     string        `json:"endToEndId"`
	Rejeicao       *Code         `json:"rejeicao,omitempty"`
	Atualizacao    []Atualizacao `json:"atualizacao"`
}

var tiposConta = map[string]bool{"CORRENTE": true, "POUPANCA": true, "PAGAMENTO": true}

func (s *Server) putCobR(w http.ResponseWriter, txid string, body []byte) {
	bad := func(prop string) {
		writeProblem(w, http.StatusBadRequest, "CobROperacaoInvalida", "Operação inválida.", "A cobrança não respeita o schema.",
			Violation{"O objeto " + prop + " não respeita o schema.", prop})
	}
	if !txidRe.MatchString(txid) {
		bad("cobr.txid")
		return
	}
	var in CobR
	if err := json.Unmarshal(body, &in); err != nil {
		bad("cobr")
		return
	}
	var raw map[string]json.RawMessage
	_ = json.Unmarshal(body, &raw)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, exists := s.cobrs[txid]; exists {
		writeProblem(w, http.StatusBadRequest, "CobROperacaoInvalida", "Operação inválida.", "Já existe uma cobrança recorrente com o txid informado.")
		return
	}
	rc, ok := s.recs[in.IDRec]
	due, err := time.Parse(time.DateOnly, in.Calendario.DataDeVencimento)
	today, _ := time.Parse(time.DateOnly, s.now().Format(time.DateOnly))
	switch {
	case !ok || rc.Status != "APROVADA":
		bad("cobr.idRec") // a debit needs an authorised rec
		return
	case err != nil || !due.After(today):
		bad("cobr.calendario")
		return
	case !moneyRe.MatchString(in.Valor.Original) || centsOf(in.Valor.Original) == 0 ||
		(rc.Valor.ValorRec != "" && in.Valor.Original != rc.Valor.ValorRec):
		bad("cobr.valor") // a rec of fixed valorRec takes that amount only
		return
	case raw["ajusteDiaUtil"] == nil:
		bad("cobr.ajusteDiaUtil")
		return
	case in.Recebedor.Conta == "" || !tiposConta[in.Recebedor.TipoConta] || len(in.Recebedor.Agencia) > 4:
		bad("cobr.recebedor")
		return
	}
	if last := rc.Calendario.DataFinal; last != "" && in.Calendario.DataDeVencimento > last {
		bad("cobr.calendario")
		return
	}
	c := in
	now := s.now()
	c.Txid, c.Status, c.PoliticaRetentativa = txid, "ATIVA", rc.PoliticaRetentativa
	c.Calendario.Criacao = now.Format(time.DateOnly)
	c.Atualizacao = []Atualizacao{{"CRIADA", rfc3339(now)}, {"ATIVA", rfc3339(now)}}
	s.seq++
	// The debit is scheduled at the payer's PSP for the due date (AGND).
	c.Tentativas = []Tentativa{{DataLiquidacao: c.Calendario.DataDeVencimento, Tipo: "AGND", Status: "AGENDADA",
		EndToEndID:  fmt.Sprintf("E%s%s%011d", payerISPB, now.UTC().Format("200601021504"), s.seq),
		Atualizacao: []Atualizacao{{"SOLICITADA", rfc3339(now)}, {"AGENDADA", rfc3339(now)}}}}
	s.cobrs[txid] = &c
	s.cobrOrder = append(s.cobrOrder, txid)
	writeJSON(w, http.StatusCreated, c)
}

func (s *Server) completeCobRLocked(c *CobR) any {
	type complete struct {
		CobR
		Pix []Pix `json:"pix,omitempty"`
	}
	out := complete{CobR: *c}
	for _, id := range s.pixOrder {
		if p := s.pix[id]; p.Txid == c.Txid {
			out.Pix = append(out.Pix, *p)
		}
	}
	return out
}

func (s *Server) getCobR(w http.ResponseWriter, txid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobrs[txid]
	if !ok {
		writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Cobrança recorrente não encontrada para o txid informado.")
		return
	}
	writeJSON(w, http.StatusOK, s.completeCobRLocked(c))
}

func (s *Server) patchCobR(w http.ResponseWriter, txid string, body []byte) {
	var in map[string]json.RawMessage
	_ = json.Unmarshal(body, &in)
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobrs[txid]
	switch {
	case !ok:
		writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Cobrança recorrente não encontrada para o txid informado.")
	case string(in["status"]) != `"CANCELADA"`:
		writeProblem(w, http.StatusBadRequest, "CobROperacaoInvalida", "Operação inválida.", "o campo cobr.status não respeita o schema.")
	case c.Status != "CRIADA" && c.Status != "ATIVA":
		writeProblem(w, http.StatusBadRequest, "CobROperacaoInvalida", "Operação inválida.", "A cobrança recorrente não pode ser cancelada com o status "+c.Status+".")
	default:
		c.Encerramento = &Encerramento{Cancelamento: &Code{Solicitante: "USUARIO_RECEBEDOR", Codigo: "SLCR", Descricao: "Cancelamento de agendamento solicitado pelo usuário recebedor"}}
		s.setCobRLocked(c, "CANCELADA")
		writeJSON(w, http.StatusOK, c)
	}
}

func (s *Server) setCobRLocked(c *CobR, status string) {
	c.Status = status
	c.Atualizacao = append(c.Atualizacao, Atualizacao{status, rfc3339(s.now())})
	if status == "CANCELADA" {
		for i := range c.Tentativas {
			if t := &c.Tentativas[i]; t.Status == "AGENDADA" || t.Status == "SOLICITADA" {
				t.Status = "CANCELADA"
				t.Atualizacao = append(t.Atualizacao, Atualizacao{"CANCELADA", rfc3339(s.now())})
			}
		}
	}
}

func (s *Server) retryCobR(w http.ResponseWriter, txid, date string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobrs[txid]
	if !ok {
		writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Cobrança recorrente não encontrada para o txid informado.")
		return
	}
	if c.PoliticaRetentativa != "PERMITE_3R_7D" {
		writeProblem(w, http.StatusBadRequest, "CobROperacaoInvalida", "Cobrança não encontrada.", "A política configurada na recorrência não permite retentativa de cobrança.")
		return
	}
	if _, err := time.Parse(time.DateOnly, date); err != nil || c.Status != "ATIVA" {
		writeProblem(w, http.StatusBadRequest, "CobROperacaoInvalida", "Operação inválida.", "A retentativa não é possível para esta cobrança nesta data.")
		return
	}
	s.seq++
	c.Tentativas = append(c.Tentativas, Tentativa{DataLiquidacao: date, Tipo: "NTAG", Status: "AGENDADA",
		EndToEndID:  fmt.Sprintf("E%s%s%011d", payerISPB, s.now().UTC().Format("200601021504"), s.seq),
		Atualizacao: []Atualizacao{{"SOLICITADA", rfc3339(s.now())}, {"AGENDADA", rfc3339(s.now())}}})
	writeJSON(w, http.StatusCreated, s.completeCobRLocked(c))
}

// Debit plays the payer's PSP settling a cobr on its date: the scheduled
// attempt is PAGA, the cobr CONCLUIDA, a Pix with its txid is received
// (GET /pix finds it too) and /webhookcobr is notified. It returns the
// endToEndId.
func (s *Server) Debit(txid string) (string, error) {
	s.mu.Lock()
	c, ok := s.cobrs[txid]
	if !ok || c.Status != "ATIVA" {
		s.mu.Unlock()
		return "", fmt.Errorf("pixapitest: no ATIVA cobr %s", txid)
	}
	t := s.scheduledLocked(c)
	if t == nil {
		s.mu.Unlock()
		return "", fmt.Errorf("pixapitest: cobr %s has no attempt scheduled", txid)
	}
	now := rfc3339(s.now())
	t.Status, t.Atualizacao = "PAGA", append(t.Atualizacao, Atualizacao{"PAGA", now})
	s.setCobRLocked(c, "CONCLUIDA")
	p := &Pix{EndToEndID: t.EndToEndID, Txid: txid, Valor: c.Valor.Original, Horario: now, InfoPagador: "Pix Automático"}
	s.pix[p.EndToEndID] = p
	s.pixOrder = append(s.pixOrder, p.EndToEndID)
	s.mu.Unlock()
	s.notifyCobR(txid)
	return p.EndToEndID, nil
}

// FailDebit plays the payer's PSP refusing the scheduled attempt (code,
// e.g. AM04 for insufficient funds). With final, the cobr gives up:
// REJEITADA, or EXPIRADA when expire is set (its retries ran out).
func (s *Server) FailDebit(txid, code string, final, expire bool) error {
	s.mu.Lock()
	c, ok := s.cobrs[txid]
	if !ok || c.Status != "ATIVA" {
		s.mu.Unlock()
		return fmt.Errorf("pixapitest: no ATIVA cobr %s", txid)
	}
	if t := s.scheduledLocked(c); t != nil {
		t.Status, t.Rejeicao = "REJEITADA", &Code{Codigo: code, Descricao: "Tentativa rejeitada pelo PSP pagador"}
		t.Atualizacao = append(t.Atualizacao, Atualizacao{"REJEITADA", rfc3339(s.now())})
	}
	if final {
		status := "REJEITADA"
		if expire {
			status = "EXPIRADA"
		}
		s.setCobRLocked(c, status)
	}
	s.mu.Unlock()
	s.notifyCobR(txid)
	return nil
}

func (s *Server) scheduledLocked(c *CobR) *Tentativa {
	for i := len(c.Tentativas) - 1; i >= 0; i-- {
		if t := &c.Tentativas[i]; t.Status == "AGENDADA" || t.Status == "SOLICITADA" {
			return t
		}
	}
	return nil
}

// CobR returns one cobr as the fake holds it.
func (s *Server) CobR(txid string) (CobR, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobrs[txid]
	if !ok {
		return CobR{}, false
	}
	return *c, true
}

// CobRs returns every cobr in creation order.
func (s *Server) CobRs() []CobR {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []CobR
	for _, id := range s.cobrOrder {
		out = append(out, *s.cobrs[id])
	}
	return out
}
