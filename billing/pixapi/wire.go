package pixapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Wire shapes of the API Pix v2.9.0 (openapi.yaml of github.com/bacen/pix-api,
// components.schemas). Only the fields quita writes or reads are declared.

// cobvRequest is CobVSolicitada, the body of PUT /cobv/{txid}.
type cobvRequest struct {
	Calendario         calendario `json:"calendario"`
	Devedor            pessoa     `json:"devedor"`
	Valor              valor      `json:"valor"`
	Chave              string     `json:"chave"`
	SolicitacaoPagador string     `json:"solicitacaoPagador,omitempty"`
}

// calendario is CobDataDeVencimento (plus CobCriacao in answers).
type calendario struct {
	Criacao                string `json:"criacao,omitempty"`
	DataDeVencimento       string `json:"dataDeVencimento"`                 // YYYY-MM-DD
	ValidadeAposVencimento *int   `json:"validadeAposVencimento,omitempty"` // days; the PSP's default (30) when absent
}

// pessoa is PessoaFisica or PessoaJuridica with DadosComplementaresPessoa
// (devedor, recebedor).
type pessoa struct {
	CPF    string `json:"cpf,omitempty"`
	CNPJ   string `json:"cnpj,omitempty"`
	Nome   string `json:"nome,omitempty"`
	Email  string `json:"email,omitempty"`
	Cidade string `json:"cidade,omitempty"`
	UF     string `json:"uf,omitempty"`
}

// valor is CobVValor.
type valor struct {
	Original string     `json:"original"` // \d{1,10}\.\d{2}
	Multa    *valorPerc `json:"multa,omitempty"`
	Juros    *valorPerc `json:"juros,omitempty"`
	Desconto *desconto  `json:"desconto,omitempty"`
}

// valorPerc is CobVValor's multa and juros: a modalidade and its value.
type valorPerc struct {
	Modalidade flexInt `json:"modalidade"`
	ValorPerc  string  `json:"valorPerc"`
}

// Modalidades of CobVValor (tabela de domínios in the schema).
const (
	multaPercentual        = 2 // multa: Percentual
	jurosPercentualMes     = 3 // juros: Percentual ao mês (dias corridos)
	descontoValorFixoDatas = 1 // desconto: Valor Fixo até a[s] data[s] informada[s]
)

// desconto is CobVValor.desconto with descontoDataFixa (modalidades 1, 2).
type desconto struct {
	Modalidade       flexInt        `json:"modalidade"`
	DescontoDataFixa []descontoData `json:"descontoDataFixa,omitempty"`
	ValorPerc        string         `json:"valorPerc,omitempty"`
}

type descontoData struct {
	Data      string `json:"data"`
	ValorPerc string `json:"valorPerc"`
}

// location is PayloadLocation (cobv.loc).
type location struct {
	ID       flexInt `json:"id"`
	Location string  `json:"location"`
	TipoCob  string  `json:"tipoCob"`
}

// cobv is CobVGerada / CobVCompleta: the answer of PUT, PATCH and GET
// /cobv/{txid}.
type cobv struct {
	Calendario    calendario `json:"calendario"`
	Txid          string     `json:"txid"`
	Revisao       int        `json:"revisao"`
	Loc           *location  `json:"loc"`
	Location      string     `json:"location"` // CobVGerada lists it as required at the top too; some PSPs send it there
	Status        string     `json:"status"`
	Devedor       pessoa     `json:"devedor"`
	Recebedor     pessoa     `json:"recebedor"`
	Valor         valor      `json:"valor"`
	Chave         string     `json:"chave"`
	PixCopiaECola string     `json:"pixCopiaECola"`
	Pix           []pix      `json:"pix"`
}

// Statuses of CobrancaStatus.
const (
	statusActive          = "ATIVA"
	statusConcluded       = "CONCLUIDA"
	statusRemovedByUser   = "REMOVIDA_PELO_USUARIO_RECEBEDOR"
	statusRemovedByThePSP = "REMOVIDA_PELO_PSP"
)

// pix is the schema Pix: one payment received.
type pix struct {
	EndToEndID string      `json:"endToEndId"` // [a-zA-Z0-9]{32}
	Txid       string      `json:"txid"`
	Valor      string      `json:"valor"`
	Horario    string      `json:"horario"` // RFC 3339
	Devolucoes devolucoes  `json:"devolucoes"`
	Info       string      `json:"infoPagador,omitempty"`
	Pagador    *pessoa     `json:"pagador,omitempty"`
	Components *components `json:"componentesValor,omitempty"`
}

type components struct {
	Original *struct {
		Valor string `json:"valor"`
	} `json:"original,omitempty"`
}

// devolucao is the schema Devolucao.
type devolucao struct {
	ID      string `json:"id"`
	RtrID   string `json:"rtrId"`
	Valor   string `json:"valor"`
	Horario struct {
		Solicitacao string `json:"solicitacao"`
		Liquidacao  string `json:"liquidacao"`
	} `json:"horario"`
	Status string `json:"status"` // EM_PROCESSAMENTO | DEVOLVIDO | NAO_REALIZADO
}

// refundDone is the status of a devolução whose money went back.
const refundDone = "DEVOLVIDO"

// devolucoes is Pix.devolucoes: an array, though the spec's own webhook
// example (examples.pixWebhook1) writes a single object, which PSPs copied.
type devolucoes []devolucao

func (d *devolucoes) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*d = nil
		return nil
	case b[0] == '{':
		var one devolucao
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*d = devolucoes{one}
		return nil
	}
	var many []devolucao
	err := json.Unmarshal(b, &many)
	*d = many
	return err
}

// pixList is PixConsultados, the answer of GET /pix.
type pixList struct {
	Parametros struct {
		Paginacao paginacao `json:"paginacao"`
	} `json:"parametros"`
	Pix []pix `json:"pix"`
}

// cobvList is CobsVConsultadas, the answer of GET /cobv.
type cobvList struct {
	Parametros struct {
		Paginacao paginacao `json:"paginacao"`
	} `json:"parametros"`
	Cobs []cobv `json:"cobs"`
}

// paginacao is the schema Paginacao.
type paginacao struct {
	PaginaAtual            int `json:"paginaAtual"`
	ItensPorPagina         int `json:"itensPorPagina"`
	QuantidadeDePaginas    int `json:"quantidadeDePaginas"`
	QuantidadeTotalDeItens int `json:"quantidadeTotalDeItens"`
}

// webhookRequest is WebhookSolicitado.
type webhookRequest struct {
	WebhookURL string `json:"webhookUrl"`
}

// flexInt is an integer the schema declares as such and the spec's own
// examples (cobBody1's modalidade "2") write as a string.
type flexInt int

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*n = flexInt(v)
	return nil
}
