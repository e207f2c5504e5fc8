package pixapitest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/quita-bot/quita/payments"
)

// Cobv is a cobrança com vencimento as the fake holds it and answers it
// (CobVGerada; GET adds the pix received, CobVCompleta).
type Cobv struct {
	Calendario         Calendario `json:"calendario"`
	Txid               string     `json:"txid"`
	Revisao            int        `json:"revisao"`
	Loc                Loc        `json:"loc"`
	Status             string     `json:"status"`
	Devedor            Pessoa     `json:"devedor"`
	Recebedor          Pessoa     `json:"recebedor"`
	Valor              Valor      `json:"valor"`
	Chave              string     `json:"chave"`
	SolicitacaoPagador string     `json:"solicitacaoPagador,omitempty"`
	PixCopiaECola      string     `json:"pixCopiaECola"`
}

// Calendario is CobCriacao with CobDataDeVencimento.
type Calendario struct {
	Criacao                string `json:"criacao,omitempty"`
	DataDeVencimento       string `json:"dataDeVencimento"`
	ValidadeAposVencimento *int   `json:"validadeAposVencimento,omitempty"`
}

// Loc is PayloadLocation.
type Loc struct {
	ID       int    `json:"id"`
	Location string `json:"location"`
	TipoCob  string `json:"tipoCob"`
	Criacao  string `json:"criacao,omitempty"`
}

// Pessoa is a devedor or recebedor.
type Pessoa struct {
	CPF        string `json:"cpf,omitempty"`
	CNPJ       string `json:"cnpj,omitempty"`
	Nome       string `json:"nome,omitempty"`
	Email      string `json:"email,omitempty"`
	Logradouro string `json:"logradouro,omitempty"`
	Cidade     string `json:"cidade,omitempty"`
	UF         string `json:"uf,omitempty"`
	CEP        string `json:"cep,omitempty"`
}

// Valor is CobVValor.
type Valor struct {
	Original string     `json:"original"`
	Multa    *ValorPerc `json:"multa,omitempty"`
	Juros    *ValorPerc `json:"juros,omitempty"`
	Desconto *Desconto  `json:"desconto,omitempty"`
}

// ValorPerc is a multa or juros: modalidade and value.
type ValorPerc struct {
	Modalidade Modalidade `json:"modalidade"`
	ValorPerc  string     `json:"valorPerc"`
}

// Desconto is CobVValor.desconto.
type Desconto struct {
	Modalidade       Modalidade     `json:"modalidade"`
	DescontoDataFixa []DescontoData `json:"descontoDataFixa,omitempty"`
	ValorPerc        string         `json:"valorPerc,omitempty"`
}

// DescontoData is one descontoDataFixa entry.
type DescontoData struct {
	Data      string `json:"data"`
	ValorPerc string `json:"valorPerc"`
}

// Modalidade is an integer the schema declares and the spec's example
// cobBody1 writes as a string; the fake takes both and answers integers.
type Modalidade int

// UnmarshalJSON takes 2 or "2".
func (m *Modalidade) UnmarshalJSON(b []byte) error {
	v, err := strconv.Atoi(strings.Trim(string(b), `"`))
	if err != nil {
		return fmt.Errorf("modalidade %s is not an integer", b)
	}
	*m = Modalidade(v)
	return nil
}

// Patterns of the spec's schemas.
var (
	txidRe  = regexp.MustCompile(`^[a-zA-Z0-9]{26,35}$`) // TxId
	moneyRe = regexp.MustCompile(`^\d{1,10}\.\d{2}$`)    // CobVValor amounts
	cpfRe   = regexp.MustCompile(`^\d{11}$`)
	cnpjRe  = regexp.MustCompile(`^[0-9A-Z]{14}$`)
)

// ispb is the fake PSP's ISPB, the 8 digits after E in its endToEndIds.
const ispb = "99999008"

func (s *Server) putCobv(w http.ResponseWriter, txid string, body []byte) {
	bad := func(detail string, v ...Violation) {
		writeProblem(w, http.StatusBadRequest, "CobVOperacaoInvalida", "Cobrança inválida.", detail, v...)
	}
	if !txidRe.MatchString(txid) {
		bad("O campo txid não respeita o _schema_.", Violation{"txid deve ter de 26 a 35 letras e dígitos", "cobv.txid"})
		return
	}
	var in Cobv
	if err := json.Unmarshal(body, &in); err != nil {
		bad("A requisição não respeita o _schema_.", Violation{err.Error(), "cobv"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.validateLocked(in); len(v) > 0 {
		bad("A requisição que busca alterar ou criar uma cobrança com vencimento não respeita o _schema_ ou está semanticamente errada.", v...)
		return
	}
	now := s.now()
	cur, exists := s.cobvs[txid]
	if exists && cur.Status != "ATIVA" {
		bad("A cobrança já existe, não está ATIVA, e a presente requisição busca alterá-la.")
		return
	}
	c := in
	c.Txid, c.Status, c.Chave = txid, "ATIVA", s.opts.Key
	if c.Calendario.ValidadeAposVencimento == nil {
		days := 30 // CobDataDeVencimento.validadeAposVencimento default
		c.Calendario.ValidadeAposVencimento = &days
	}
	c.Recebedor = Pessoa{CNPJ: s.opts.ReceiverCNPJ, Nome: s.opts.ReceiverName, Logradouro: "Rua 15 Numero 1200, Bairro São Luiz",
		Cidade: s.opts.ReceiverCity, UF: "SP", CEP: "70800100"}
	if exists {
		// A PUT on an ATIVA cobv revises it: same location and code, revisao + 1.
		c.Calendario.Criacao, c.Loc, c.Revisao, c.PixCopiaECola = cur.Calendario.Criacao, cur.Loc, cur.Revisao+1, cur.PixCopiaECola
	} else {
		s.locSeq++
		c.Calendario.Criacao = rfc3339(now)
		c.Loc = Loc{ID: s.locSeq, TipoCob: "cobv", Criacao: rfc3339(now),
			Location: fmt.Sprintf("%s/qr/v2/cobv/%032x", strings.TrimPrefix(s.srv.URL, "https://"), s.locSeq*7919)}
		code, err := payments.EncodeBRCode(payments.Pix{URL: c.Loc.Location, PointOfInitiation: "12", TxID: "***",
			Name: "LOJA PIX LTDA", City: "SAO PAULO"})
		if err != nil {
			writeProblem(w, http.StatusInternalServerError, "ErroInternoDoServidor", "Erro", err.Error())
			return
		}
		c.PixCopiaECola = code
		s.order = append(s.order, txid)
	}
	s.cobvs[txid] = &c
	writeJSON(w, http.StatusCreated, c)
}

// validateLocked checks a CobVSolicitada as the spec's CobVOperacaoInvalida
// violations list; s.mu is held.
func (s *Server) validateLocked(in Cobv) []Violation {
	var v []Violation
	add := func(prop, reason string) { v = append(v, Violation{reason, prop}) }
	due, err := time.Parse(time.DateOnly, in.Calendario.DataDeVencimento)
	today, _ := time.Parse(time.DateOnly, s.now().Format(time.DateOnly))
	switch {
	case err != nil:
		add("cobv.calendario.dataDeVencimento", "O campo cobv.calendario.dataDeVencimento não respeita o _schema_.")
	case due.Before(today):
		add("cobv.calendario.dataDeVencimento", "O campo cobv.calendario.dataDeVencimento é anterior à data de criação da cobrança.")
	}
	if d := in.Calendario.ValidadeAposVencimento; d != nil && *d < 0 {
		add("cobv.calendario.validadeAposVencimento", "O campo cobv.calendario.validadeAposVencimento é menor do que zero.")
	}
	dev := in.Devedor
	if strings.TrimSpace(dev.Nome) == "" || utf8.RuneCountInString(dev.Nome) > 200 || (dev.CPF == "") == (dev.CNPJ == "") ||
		(dev.CPF != "" && !cpfRe.MatchString(dev.CPF)) || (dev.CNPJ != "" && !cnpjRe.MatchString(dev.CNPJ)) {
		add("cobv.devedor", "O objeto cobv.devedor não respeita o _schema_.")
	}
	if in.Chave == "" {
		add("cobv.chave", "O campo cobv.chave não respeita o _schema_.")
	} else if in.Chave != s.opts.Key {
		add("cobv.chave", "O campo cobv.chave corresponde a uma conta que não pertence a este usuário recebedor.")
	}
	if utf8.RuneCountInString(in.SolicitacaoPagador) > 140 {
		add("cobv.solicitacaoPagador", "O campo solicitacaoPagador não respeita o _schema_.")
	}
	original := centsOf(in.Valor.Original)
	switch {
	case !moneyRe.MatchString(in.Valor.Original):
		add("cobv.valor.original", "O campo cobv.valor.original não respeita o _schema_.")
	case original == 0:
		add("cobv.valor.original", "O campo cobv.valor.original apresenta o valor zero.")
	}
	if m := in.Valor.Multa; m != nil && (m.Modalidade < 1 || m.Modalidade > 2 || !moneyRe.MatchString(m.ValorPerc)) {
		add("cobv.valor.multa", "O objeto cobv.valor.multa não respeita o _schema_.")
	}
	if j := in.Valor.Juros; j != nil && (j.Modalidade < 1 || j.Modalidade > 8 || !moneyRe.MatchString(j.ValorPerc)) {
		add("cobv.valor.juros", "O objeto cobv.valor.juros não respeita o _schema_.")
	}
	if d := in.Valor.Desconto; d != nil {
		switch {
		case d.Modalidade < 1 || d.Modalidade > 6:
			add("cobv.valor.desconto", "O objeto cobv.valor.desconto não respeita o _schema_.")
		case d.Modalidade <= 2 && d.ValorPerc != "":
			add("cobv.valor.desconto", "O objeto cobv.valor.desconto apresenta modalidade no valor 1 ou 2, porém cobv.valor.desconto.valorPerc encontra-se preenchido")
		case d.Modalidade <= 2 && len(d.DescontoDataFixa) == 0:
			add("cobv.valor.desconto", "O objeto cobv.valor.desconto apresenta modalidade no valor 1 ou 2, porém o array cobv.valor.desconto.descontoDataFixa está vazio ou nulo.")
		case d.Modalidade >= 3 && (d.ValorPerc == "" || len(d.DescontoDataFixa) > 0):
			add("cobv.valor.desconto", "O objeto cobv.valor.desconto apresenta modalidade nos valores de 3 a 6 sem valorPerc, ou com descontoDataFixa.")
		}
		if len(d.DescontoDataFixa) > 3 {
			add("cobv.valor.desconto", "O objeto cobv.valor.desconto não respeita o _schema_.")
		}
		for _, dd := range d.DescontoDataFixa {
			at, err := time.Parse(time.DateOnly, dd.Data)
			if err != nil || !moneyRe.MatchString(dd.ValorPerc) {
				add("cobv.valor.desconto", "O objeto cobv.valor.desconto não respeita o _schema_.")
				continue
			}
			if at.After(due) {
				add("cobv.valor.desconto", "O objeto cobv.valor.desconto apresenta algum elemento cuja data seja posterior à data de vencimento representada por calendario.dataDeVencimento.")
			}
			off := centsOf(dd.ValorPerc)
			if (d.Modalidade == 1 && off >= original) || (d.Modalidade == 2 && off >= 10000) {
				add("cobv.valor.desconto", "O objeto cobv.valor.desconto apresenta algum elemento de desconto que representa um valor maior ou igual ao valor da cobrança original ou maior ou igual a 100%.")
			}
		}
	}
	return v
}

func (s *Server) getCobv(w http.ResponseWriter, txid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobvs[txid]
	if !ok {
		writeProblem(w, http.StatusNotFound, "CobVNaoEncontrada", "Cobrança não encontrada", "Cobrança com vencimento não encontrada para o txid informado.")
		return
	}
	writeJSON(w, http.StatusOK, s.completeLocked(c))
}

// completeLocked is CobVCompleta: the cobv with its pix[].
func (s *Server) completeLocked(c *Cobv) any {
	type complete struct {
		Cobv
		Pix []Pix `json:"pix,omitempty"`
	}
	out := complete{Cobv: *c}
	for _, id := range s.pixOrder {
		if p := s.pix[id]; p.Txid == c.Txid {
			out.Pix = append(out.Pix, *p)
		}
	}
	return out
}

func (s *Server) patchCobv(w http.ResponseWriter, txid string, body []byte) {
	var in map[string]json.RawMessage
	if err := json.Unmarshal(body, &in); err != nil {
		writeProblem(w, http.StatusBadRequest, "CobVOperacaoInvalida", "Operação inválida.", "A requisição não respeita o _schema_.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobvs[txid]
	if !ok {
		writeProblem(w, http.StatusNotFound, "CobVNaoEncontrada", "Cobrança não encontrada", "Cobrança com vencimento não encontrada para o txid informado.")
		return
	}
	if c.Status != "ATIVA" {
		writeProblem(w, http.StatusBadRequest, "CobVOperacaoInvalida", "Operação inválida.", "Cobrança não encontra-se mais com o status ATIVA, somente cobranças ativas podem ser revisadas.")
		return
	}
	status, removing := in["status"]
	if removing {
		if string(status) != `"REMOVIDA_PELO_USUARIO_RECEBEDOR"` {
			writeProblem(w, http.StatusBadRequest, "CobVOperacaoInvalida", "Operação inválida.", "o campo cob.status não respeita o _schema_.")
			return
		}
		if len(in) > 1 {
			writeProblem(w, http.StatusBadRequest, "CobVOperacaoInvalida", "Operação inválida.", "A cobrança está ATIVA, e a presente requisição propõe alterar seu status para REMOVIDA_PELO_USUARIO_RECEBEDOR juntamente com outras alterações.")
			return
		}
		c.Status = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
		c.Revisao++
		writeJSON(w, http.StatusOK, c)
		return
	}
	writeProblem(w, http.StatusBadRequest, "CobVOperacaoInvalida", "Operação inválida.", "o fake só revisa o status de uma cobrança")
}

// Remove marks a cobv REMOVIDA_PELO_PSP (the PSP withdrew it).
func (s *Server) Remove(txid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobvs[txid]
	if !ok {
		return fmt.Errorf("pixapitest: no cobv %s", txid)
	}
	c.Status = "REMOVIDA_PELO_PSP"
	return nil
}

func (s *Server) listCobv(w http.ResponseWriter, q url.Values) {
	from, to, ok := window(w, q, "CobVConsultaInvalida")
	if !ok {
		return
	}
	s.mu.Lock()
	var all []any
	for _, id := range s.order {
		c := s.cobvs[id]
		at, _ := time.Parse(time.RFC3339Nano, c.Calendario.Criacao)
		if !at.Before(from) && !at.After(to) {
			all = append(all, s.completeLocked(c))
		}
	}
	s.mu.Unlock()
	items, pg, ok := paginate(w, q, all, "CobVConsultaInvalida", s.opts.MaxPerPage)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"parametros": map[string]any{"inicio": q.Get("inicio"), "fim": q.Get("fim"), "paginacao": pg}, "cobs": items})
}

// Cobv returns one cobv as the fake holds it.
func (s *Server) Cobv(txid string) (Cobv, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cobvs[txid]
	if !ok {
		return Cobv{}, false
	}
	return *c, true
}

// Cobvs returns every cobv in creation order.
func (s *Server) Cobvs() []Cobv {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Cobv, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, *s.cobvs[id])
	}
	return out
}

// window reads the inicio and fim of a listing (RFC 3339, fim not before inicio).
func window(w http.ResponseWriter, q url.Values, kind string) (time.Time, time.Time, bool) {
	from, err1 := time.Parse(time.RFC3339Nano, q.Get("inicio"))
	to, err2 := time.Parse(time.RFC3339Nano, q.Get("fim"))
	if err1 != nil || err2 != nil || to.Before(from) {
		writeProblem(w, http.StatusBadRequest, kind, "Consulta inválida", "algum dos parâmetros informados para a consulta não respeita o _schema_, ou fim é anterior a inicio.")
		return from, to, false
	}
	return from, to, true
}

// paginate cuts a listing by paginacao.paginaAtual and
// paginacao.itensPorPagina (default 0 and 100, at most 1000).
func paginate[T any](w http.ResponseWriter, q url.Values, all []T, kind string, maxPer int) ([]T, map[string]int, bool) {
	page, per := 0, 100
	var err error
	if v := q.Get("paginacao.paginaAtual"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 0 {
			writeProblem(w, http.StatusBadRequest, kind, "Consulta inválida", "o parâmetro paginacao.paginaAtual é negativo.")
			return nil, nil, false
		}
	}
	if v := q.Get("paginacao.itensPorPagina"); v != "" {
		if per, err = strconv.Atoi(v); err != nil || per < 1 || per > 1000 {
			writeProblem(w, http.StatusBadRequest, kind, "Consulta inválida", "o parâmetro paginacao.itensPorPagina é inválido.")
			return nil, nil, false
		}
	}
	if maxPer > 0 {
		per = min(per, maxPer)
	}
	pages := max(1, (len(all)+per-1)/per)
	start := min(page*per, len(all))
	end := min(start+per, len(all))
	items := all[start:end]
	if items == nil {
		items = []T{}
	}
	return items, map[string]int{"paginaAtual": page, "itensPorPagina": per, "quantidadeDePaginas": pages, "quantidadeTotalDeItens": len(all)}, true
}

func centsOf(v string) int64 {
	whole, frac, _ := strings.Cut(v, ".")
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt((frac + "00")[:2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return w*100 + f
}
