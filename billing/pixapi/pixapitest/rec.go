package pixapitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quita-bot/quita/payments"
)

// Pix Automático in the fake: /locrec, /rec, /rec/{idRec}, /solicrec,
// /solicrec/{idSolicRec}, as openapi.yaml v2.9.0 of github.com/bacen/pix-api
// describes them (schemas RecSolicitada, RecCompleta, SolicRecCompleta,
// PayloadLocationRecGerada; the journey JORNADA_2, its QR from dadosQR).
// The payer's side, which no API of the receiving PSP exposes, is played
// by the test: Approve, Reject.

// Rec is a recorrência as the fake holds and answers it (RecCompleta).
type Rec struct {
	IDRec               string        `json:"idRec"`
	Vinculo             Vinculo       `json:"vinculo"`
	Calendario          RecCalendario `json:"calendario"`
	Valor               RecValor      `json:"valor"`
	PoliticaRetentativa string        `json:"politicaRetentativa"`
	Recebedor           Pessoa        `json:"recebedor"`
	Pagador             *Pagador      `json:"pagador,omitempty"`
	Status              string        `json:"status"`
	Loc                 *RecLoc       `json:"loc,omitempty"`
	Ativacao            *Ativacao     `json:"ativacao,omitempty"`
	Encerramento        *Encerramento `json:"encerramento,omitempty"`
	Atualizacao         []Atualizacao `json:"atualizacao"`
	DadosQR             *DadosQR      `json:"dadosQR,omitempty"`
}

// Vinculo is RecBase.vinculo.
type Vinculo struct {
	Objeto   string `json:"objeto,omitempty"`
	Contrato string `json:"contrato"`
	Devedor  Pessoa `json:"devedor"`
}

// RecCalendario is RecBase.calendario.
type RecCalendario struct {
	DataInicial   string `json:"dataInicial"`
	DataFinal     string `json:"dataFinal,omitempty"`
	Periodicidade string `json:"periodicidade"`
}

// RecValor is RecBase.valor.
type RecValor struct {
	ValorRec             string `json:"valorRec,omitempty"`
	ValorMinimoRecebedor string `json:"valorMinimoRecebedor,omitempty"`
}

// Pagador is DadosPagadorRec: who authorised, at which PSP.
type Pagador struct {
	CPF              string `json:"cpf,omitempty"`
	ISPBParticipante string `json:"ispbParticipante"`
	CodMun           string `json:"codMun,omitempty"`
}

// RecLoc is PayloadLocationRecCompleta.
type RecLoc struct {
	ID       int    `json:"id"`
	Location string `json:"location"`
	Criacao  string `json:"criacao"`
	IDRec    string `json:"idRec,omitempty"`
}

// Ativacao is RecAtivacao.
type Ativacao struct {
	TipoJornada string `json:"tipoJornada"`
}

// Encerramento is why a rec or cobr ended.
type Encerramento struct {
	Rejeicao     *Code `json:"rejeicao,omitempty"`
	Cancelamento *Code `json:"cancelamento,omitempty"`
}

// Code is a rejection or cancellation: its code and description.
type Code struct {
	Solicitante string `json:"solicitante,omitempty"`
	Codigo      string `json:"codigo"`
	Descricao   string `json:"descricao"`
}

// Atualizacao is one status change with its time.
type Atualizacao struct {
	Status string `json:"status"`
	Data   string `json:"data"`
}

// DadosQR is RecCompleta.dadosQR.
type DadosQR struct {
	Jornada       string `json:"jornada"`
	PixCopiaECola string `json:"pixCopiaECola"`
}

// SolicRec is SolicRecCompleta.
type SolicRec struct {
	IDSolicRec   string         `json:"idSolicRec"`
	IDRec        string         `json:"idRec"`
	Calendario   map[string]any `json:"calendario"`
	Status       string         `json:"status"`
	Destinatario map[string]any `json:"destinatario"`
	Atualizacao  []Atualizacao  `json:"atualizacao"`
}

var (
	recIDRe   = regexp.MustCompile(`^[a-zA-Z0-9]{29}$`) // RecId
	periodos  = map[string]bool{"SEMANAL": true, "MENSAL": true, "TRIMESTRAL": true, "SEMESTRAL": true, "ANUAL": true}
	politicas = map[string]bool{"NAO_PERMITE": true, "PERMITE_3R_7D": true}
	payerISPB = "81102623" // the payer's PSP in the fake's approvals (examples.recResponse3)
)

func (s *Server) recRoutes(w http.ResponseWriter, r *http.Request, parts []string, body []byte) (string, func()) {
	m := r.Method
	switch {
	case len(parts) == 1 && parts[0] == "locrec" && m == http.MethodPost:
		return "payloadlocationrec.write", func() { s.postLocRec(w) }
	case len(parts) == 1 && parts[0] == "rec" && m == http.MethodPost:
		return "rec.write", func() { s.postRec(w, body) }
	case len(parts) == 2 && parts[0] == "rec" && m == http.MethodGet:
		return "rec.read", func() { s.getRec(w, parts[1]) }
	case len(parts) == 2 && parts[0] == "rec" && m == http.MethodPatch:
		return "rec.write", func() { s.patchRec(w, parts[1], body) }
	case len(parts) == 1 && parts[0] == "solicrec" && m == http.MethodPost:
		return "solicrec.write", func() { s.postSolicRec(w, body) }
	case len(parts) == 2 && parts[0] == "solicrec" && m == http.MethodGet:
		return "solicrec.read", func() { s.getSolicRec(w, parts[1]) }
	case len(parts) == 2 && parts[0] == "cobr" && m == http.MethodPut:
		return "cobr.write", func() { s.putCobR(w, parts[1], body) }
	case len(parts) == 2 && parts[0] == "cobr" && m == http.MethodGet:
		return "cobr.read", func() { s.getCobR(w, parts[1]) }
	case len(parts) == 2 && parts[0] == "cobr" && m == http.MethodPatch:
		return "cobr.write", func() { s.patchCobR(w, parts[1], body) }
	case len(parts) == 4 && parts[0] == "cobr" && parts[2] == "retentativa" && m == http.MethodPost:
		return "cobr.write", func() { s.retryCobR(w, parts[1], parts[3]) }
	case len(parts) == 1 && (parts[0] == "webhookrec" || parts[0] == "webhookcobr") && m == http.MethodPut:
		return parts[0] + ".write", func() { s.putRecWebhook(w, parts[0], body) }
	}
	return "", nil
}

func (s *Server) postLocRec(w http.ResponseWriter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locSeq++
	l := &RecLoc{ID: s.locSeq, Criacao: rfc3339(s.now()),
		Location: fmt.Sprintf("%s/qr/v2/rec/%032x", strings.TrimPrefix(s.srv.URL, "https://"), s.locSeq*104729)}
	s.recLocs[l.ID] = l
	writeJSON(w, http.StatusCreated, l)
}

func (s *Server) postRec(w http.ResponseWriter, body []byte) {
	bad := func(detail string, v ...Violation) {
		writeProblem(w, http.StatusBadRequest, "RecOperacaoInvalida", "Operação inválida.", detail, v...)
	}
	var in struct {
		Rec
		Loc *int `json:"loc"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		bad("A recorrência não respeita o schema.", Violation{err.Error(), "rec"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var v []Violation
	add := func(prop string) { v = append(v, Violation{"O campo " + prop + " não respeita o schema.", prop}) }
	vin := in.Vinculo
	if vin.Contrato == "" || utf8.RuneCountInString(vin.Contrato) > 35 {
		add("rec.vinculo.contrato")
	}
	if utf8.RuneCountInString(vin.Objeto) > 35 {
		add("rec.vinculo.objeto")
	}
	d := vin.Devedor
	if d.Nome == "" || utf8.RuneCountInString(d.Nome) > 140 || (d.CPF == "") == (d.CNPJ == "") ||
		(d.CPF != "" && !cpfRe.MatchString(d.CPF)) || (d.CNPJ != "" && !cnpjRe.MatchString(d.CNPJ)) {
		add("rec.vinculo.devedor")
	}
	first, err := time.Parse(time.DateOnly, in.Calendario.DataInicial)
	today, _ := time.Parse(time.DateOnly, s.now().Format(time.DateOnly))
	if err != nil || first.Before(today) {
		add("rec.calendario.dataInicial")
	}
	if in.Calendario.DataFinal != "" {
		if last, err := time.Parse(time.DateOnly, in.Calendario.DataFinal); err != nil || last.Before(first) {
			add("rec.calendario.dataFinal")
		}
	}
	if !periodos[in.Calendario.Periodicidade] {
		add("rec.calendario.periodicidade")
	}
	vr, vm := in.Valor.ValorRec, in.Valor.ValorMinimoRecebedor
	if (vr != "" && (!moneyRe.MatchString(vr) || centsOf(vr) == 0)) || (vm != "" && !moneyRe.MatchString(vm)) || (vr != "" && vm != "") {
		add("rec.valor")
	}
	if !politicas[in.PoliticaRetentativa] {
		add("rec.politicaRetentativa")
	}
	var loc *RecLoc
	if in.Loc != nil {
		loc = s.recLocs[*in.Loc]
		if loc == nil || loc.IDRec != "" {
			add("rec.loc")
		}
	}
	if len(v) > 0 {
		bad("A recorrência não respeita o schema.", v...)
		return
	}
	now := s.now()
	s.seq++
	retry := "N"
	if in.PoliticaRetentativa == "PERMITE_3R_7D" {
		retry = "R"
	}
	// RecId: R, R|N, the ISPB, yyyyMMdd and an 11-character sequence.
	rc := in.Rec
	rc.IDRec = fmt.Sprintf("R%s%s%s%011d", retry, ispb, now.UTC().Format("20060102"), s.seq)
	rc.Status, rc.Atualizacao = "CRIADA", []Atualizacao{{"CRIADA", rfc3339(now)}}
	rc.Recebedor = Pessoa{CNPJ: s.opts.ReceiverCNPJ, Nome: s.opts.ReceiverName}
	rc.Ativacao = &Ativacao{TipoJornada: "AGUARDANDO_DEFINICAO"}
	if loc != nil {
		loc.IDRec = rc.IDRec
		cp := *loc
		rc.Loc = &cp
	}
	s.recs[rc.IDRec] = &rc
	s.recOrder = append(s.recOrder, rc.IDRec)
	writeJSON(w, http.StatusCreated, rc)
}

// qrLocked is the JORNADA_2 dadosQR of a rec waiting for its payer: a BR
// Code whose tag 80 carries the rec's location, as examples.recResponse3.
func (s *Server) qrLocked(rc *Rec) *DadosQR {
	if rc.Status != "CRIADA" || rc.Loc == nil {
		return nil
	}
	tlv := func(id, v string) string { return fmt.Sprintf("%s%02d%s", id, len(v), v) }
	code := tlv("00", "01") + tlv("26", tlv("00", "br.gov.bcb.pix")) + tlv("52", "0000") + tlv("53", "986") + tlv("58", "BR") +
		tlv("59", "LOJA PIX LTDA") + tlv("60", "SAO PAULO") + tlv("62", tlv("05", "***")) +
		tlv("80", tlv("00", "br.gov.bcb.pix")+tlv("25", rc.Loc.Location)) + "6304"
	code += fmt.Sprintf("%04X", payments.CRC16([]byte(code)))
	return &DadosQR{Jornada: "JORNADA_2", PixCopiaECola: code}
}

func (s *Server) getRec(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.recs[id]
	if !ok {
		writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Recorrência não encontrada para o idRec informado.")
		return
	}
	out := *rc
	out.DadosQR = s.qrLocked(rc)
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) patchRec(w http.ResponseWriter, id string, body []byte) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "RecOperacaoInvalida", "Operação inválida.", "A recorrência não respeita o schema.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.recs[id]
	if !ok {
		writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Recorrência não encontrada para o idRec informado.")
		return
	}
	if string(in["status"]) != `"CANCELADA"` {
		writeProblem(w, http.StatusBadRequest, "RecOperacaoInvalida", "Operação inválida.", "o fake só revisa o status de uma recorrência para CANCELADA")
		return
	}
	if rc.Status != "CRIADA" && rc.Status != "APROVADA" {
		writeProblem(w, http.StatusBadRequest, "RecOperacaoInvalida", "Operação inválida.", "A recorrência não pode ser cancelada com o status "+rc.Status+".")
		return
	}
	s.endRecLocked(rc, "CANCELADA", &Encerramento{Cancelamento: &Code{Solicitante: "USUARIO_RECEBEDOR", Codigo: "SLCR", Descricao: "Cancelamento solicitado pelo usuário recebedor"}})
	writeJSON(w, http.StatusOK, rc)
}

func (s *Server) endRecLocked(rc *Rec, status string, why *Encerramento) {
	rc.Status, rc.Encerramento = status, why
	rc.Atualizacao = append(rc.Atualizacao, Atualizacao{status, rfc3339(s.now())})
	// A rec's open debits end with it.
	for _, id := range s.cobrOrder {
		if c := s.cobrs[id]; c.IDRec == rc.IDRec && (c.Status == "CRIADA" || c.Status == "ATIVA") {
			s.setCobRLocked(c, "CANCELADA")
		}
	}
}

// Approve plays the payer authorising the rec in their bank app by its
// QR (JORNADA_2): the rec becomes APROVADA and /webhookrec is notified.
func (s *Server) Approve(idRec string) error {
	return s.payerAnswers(idRec, "APROVADA", nil)
}

// Reject plays the payer refusing the authorisation (REJEITADA, code AP13).
func (s *Server) Reject(idRec string) error {
	return s.payerAnswers(idRec, "REJEITADA", &Encerramento{Rejeicao: &Code{Codigo: "AP13", Descricao: "Rejeitado pelo usuário pagador"}})
}

func (s *Server) payerAnswers(idRec, status string, why *Encerramento) error {
	s.mu.Lock()
	rc, ok := s.recs[idRec]
	if !ok || rc.Status != "CRIADA" {
		s.mu.Unlock()
		return fmt.Errorf("pixapitest: no CRIADA rec %s", idRec)
	}
	if status == "APROVADA" {
		rc.Status = status
		rc.Atualizacao = append(rc.Atualizacao, Atualizacao{status, rfc3339(s.now())})
		rc.Ativacao = &Ativacao{TipoJornada: "JORNADA_2"}
		rc.Pagador = &Pagador{CPF: rc.Vinculo.Devedor.CPF, ISPBParticipante: payerISPB}
	} else {
		s.endRecLocked(rc, status, why)
	}
	s.mu.Unlock()
	s.notifyRec(idRec)
	return nil
}

// Rec returns one rec as the fake holds it.
func (s *Server) Rec(idRec string) (Rec, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.recs[idRec]
	if !ok {
		return Rec{}, false
	}
	return *rc, true
}

// Recs returns every rec in creation order.
func (s *Server) Recs() []Rec {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Rec
	for _, id := range s.recOrder {
		out = append(out, *s.recs[id])
	}
	return out
}

func (s *Server) postSolicRec(w http.ResponseWriter, body []byte) {
	var in struct {
		IDRec      string `json:"idRec"`
		Calendario struct {
			Expira string `json:"dataExpiracaoSolicitacao"`
		} `json:"calendario"`
		Destinatario struct {
			Agencia, Conta, CPF, CNPJ, ISPBParticipante string
		} `json:"destinatario"`
	}
	bad := func(prop string) {
		writeProblem(w, http.StatusBadRequest, "SolicRecOperacaoInvalida", "Operação inválida.",
			"A solicitação de confirmação de recorrência não respeita o schema.", Violation{"O objeto " + prop + " não respeita o schema.", prop})
	}
	if err := json.Unmarshal(body, &in); err != nil {
		bad("solicrec")
		return
	}
	d := in.Destinatario
	exp, err := time.Parse(time.RFC3339Nano, in.Calendario.Expira)
	s.mu.Lock()
	defer s.mu.Unlock()
	rc, ok := s.recs[in.IDRec]
	switch {
	case !ok:
		writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Recorrência não encontrada para o idRec informado.")
		return
	case rc.Status != "CRIADA":
		bad("solicrec.idRec")
		return
	case err != nil || !exp.After(s.now()):
		bad("solicrec.calendario")
		return
	case d.Conta == "" || len(d.ISPBParticipante) != 8 || (d.CPF == "") == (d.CNPJ == ""):
		bad("solicrec.destinatario")
		return
	}
	s.seq++
	now := s.now()
	sr := &SolicRec{IDSolicRec: fmt.Sprintf("SC%s%s%011d", ispb, now.UTC().Format("20060102"), s.seq), IDRec: in.IDRec,
		Calendario: map[string]any{"dataExpiracaoSolicitacao": in.Calendario.Expira}, Status: "CRIADA",
		Destinatario: map[string]any{"agencia": d.Agencia, "conta": d.Conta, "cpf": d.CPF, "cnpj": d.CNPJ, "ispbParticipante": d.ISPBParticipante},
		Atualizacao:  []Atualizacao{{"CRIADA", rfc3339(now)}}}
	s.solicRecs[sr.IDSolicRec] = sr
	writeJSON(w, http.StatusCreated, sr)
}

func (s *Server) getSolicRec(w http.ResponseWriter, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sr, ok := s.solicRecs[id]
	if !ok {
		writeProblem(w, http.StatusNotFound, "NaoEncontrado", "Não Encontrado", "Solicitação não encontrada.")
		return
	}
	writeJSON(w, http.StatusOK, sr)
}
