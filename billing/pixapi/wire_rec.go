package pixapi

// Wire shapes of Pix Automático in the API Pix v2.9.0 (openapi.yaml of
// github.com/bacen/pix-api, components.schemas Rec*, SolicRec*, CobR*,
// PayloadLocationRec*). Only the fields quita writes or reads are declared.

// recRequest is RecSolicitada, the body of POST /rec.
type recRequest struct {
	Vinculo             vinculo       `json:"vinculo"`
	Calendario          recCalendario `json:"calendario"`
	Valor               *recValor     `json:"valor,omitempty"`
	PoliticaRetentativa string        `json:"politicaRetentativa"`
	Loc                 int           `json:"loc,omitempty"` // PayloadLocationRecId: the /locrec the QR points at
}

// vinculo is RecBase.vinculo: what the debtor authorises, and who.
type vinculo struct {
	Objeto   string       `json:"objeto,omitempty"` // ≤ 35, shown in the payer's bank app
	Contrato string       `json:"contrato"`         // ≤ 35
	Devedor  pessoaRecorr `json:"devedor"`
}

// pessoaRecorr is PessoaFisicaRecorrencia or PessoaJuridicaRecorrencia.
type pessoaRecorr struct {
	CPF  string `json:"cpf,omitempty"`
	CNPJ string `json:"cnpj,omitempty"`
	Nome string `json:"nome,omitempty"` // ≤ 140
}

// recCalendario is RecBase.calendario.
type recCalendario struct {
	DataInicial   string `json:"dataInicial"`         // YYYY-MM-DD, first payment
	DataFinal     string `json:"dataFinal,omitempty"` // YYYY-MM-DD, end of the authorisation
	Periodicidade string `json:"periodicidade"`       // SEMANAL | MENSAL | TRIMESTRAL | SEMESTRAL | ANUAL
}

// recValor is RecBase.valor: valorRec for a fixed amount.
type recValor struct {
	ValorRec             string `json:"valorRec,omitempty"`
	ValorMinimoRecebedor string `json:"valorMinimoRecebedor,omitempty"`
}

// recLoc is PayloadLocationRecCompleta (rec.loc, and the answer of POST /locrec).
type recLoc struct {
	ID       flexInt `json:"id"`
	Location string  `json:"location"`
	Criacao  string  `json:"criacao,omitempty"`
	IDRec    string  `json:"idRec,omitempty"`
}

// rec is RecGerada / RecCompleta: the answer of POST, GET and PATCH /rec/{idRec}.
type rec struct {
	IDRec               string        `json:"idRec"`
	Vinculo             vinculo       `json:"vinculo"`
	Calendario          recCalendario `json:"calendario"`
	Valor               recValor      `json:"valor"`
	PoliticaRetentativa string        `json:"politicaRetentativa"`
	Status              string        `json:"status"` // RecStatus
	Loc                 *recLoc       `json:"loc,omitempty"`
	Ativacao            *struct {
		TipoJornada string `json:"tipoJornada"`
	} `json:"ativacao,omitempty"`
	Encerramento *encerramento `json:"encerramento,omitempty"`
	DadosQR      *struct {
		Jornada       string `json:"jornada"`
		PixCopiaECola string `json:"pixCopiaECola"`
	} `json:"dadosQR,omitempty"`
}

// encerramento is RecEncerramento / the cobr's encerramento: why it ended.
type encerramento struct {
	Rejeicao *struct {
		Codigo    string `json:"codigo"`
		Descricao string `json:"descricao"`
	} `json:"rejeicao,omitempty"`
	Cancelamento *struct {
		Solicitante string `json:"solicitante"`
		Codigo      string `json:"codigo"`
		Descricao   string `json:"descricao"`
	} `json:"cancelamento,omitempty"`
}

// RecStatus values.
const (
	RecCreated   = "CRIADA"
	RecApproved  = "APROVADA"
	RecRejected  = "REJEITADA"
	RecExpired   = "EXPIRADA"
	RecCancelled = "CANCELADA"
)

// solicRecRequest is SolicRecSolicitada, the body of POST /solicrec.
type solicRecRequest struct {
	IDRec      string `json:"idRec"`
	Calendario struct {
		DataExpiracaoSolicitacao string `json:"dataExpiracaoSolicitacao"` // RFC 3339
	} `json:"calendario"`
	Destinatario destinatario `json:"destinatario"`
}

// destinatario is DadosBancarios with the payer's CPF or CNPJ.
type destinatario struct {
	Agencia          string `json:"agencia,omitempty"`
	Conta            string `json:"conta"`
	CPF              string `json:"cpf,omitempty"`
	CNPJ             string `json:"cnpj,omitempty"`
	ISPBParticipante string `json:"ispbParticipante"`
}

// solicRec is SolicRecCompleta.
type solicRec struct {
	IDSolicRec string `json:"idSolicRec"`
	IDRec      string `json:"idRec"`
	Status     string `json:"status"` // CRIADA | ENVIADA | RECEBIDA | REJEITADA | ACEITA | EXPIRADA | CANCELADA
}

// cobrRequest is CobRSolicitada, the body of PUT /cobr/{txid}.
type cobrRequest struct {
	IDRec         string `json:"idRec"`
	InfoAdicional string `json:"infoAdicional,omitempty"` // ≤ 140
	Calendario    struct {
		DataDeVencimento string `json:"dataDeVencimento"`
	} `json:"calendario"`
	Valor struct {
		Original string `json:"original"`
	} `json:"valor"`
	AjusteDiaUtil bool         `json:"ajusteDiaUtil"`
	Devedor       *cobrDevedor `json:"devedor,omitempty"`
	Recebedor     receiverAcct `json:"recebedor"`
}

// cobrDevedor is DadosDevedorRecorrencia.devedor (email and address only:
// the devedor's identity is the rec's).
type cobrDevedor struct {
	Email string `json:"email,omitempty"`
}

// receiverAcct is DadosBancariosRecebedor: the creditor's account the
// debit is credited to.
type receiverAcct struct {
	Agencia   string `json:"agencia,omitempty"` // ≤ 4
	Conta     string `json:"conta"`             // ≤ 20
	TipoConta string `json:"tipoConta"`         // CORRENTE | POUPANCA | PAGAMENTO
}

// cobr is CobRGerada / CobRCompleta.
type cobr struct {
	IDRec      string `json:"idRec"`
	Txid       string `json:"txid"`
	Calendario struct {
		Criacao          string `json:"criacao"`
		DataDeVencimento string `json:"dataDeVencimento"`
	} `json:"calendario"`
	Valor struct {
		Original string `json:"original"`
	} `json:"valor"`
	Status              string        `json:"status"` // CobRStatus
	PoliticaRetentativa string        `json:"politicaRetentativa"`
	AjusteDiaUtil       bool          `json:"ajusteDiaUtil"`
	Tentativas          []tentativa   `json:"tentativas"`
	Pix                 []pix         `json:"pix"`
	Encerramento        *encerramento `json:"encerramento,omitempty"`
}

// tentativa is one CobRTentativas entry: an attempt to settle the debit.
type tentativa struct {
	DataLiquidacao string `json:"dataLiquidacao"`
	Tipo           string `json:"tipo"`   // AGND | NTAG | RIFL
	Status         string `json:"status"` // SOLICITADA | AGENDADA | PAGA | CANCELADA | REJEITADA | EXPIRADA
	EndToEndID     string `json:"endToEndId"`
	Rejeicao       *struct {
		Codigo    string `json:"codigo"`
		Descricao string `json:"descricao"`
	} `json:"rejeicao,omitempty"`
}

// CobRStatus values.
const (
	CobRCreated   = "CRIADA"
	CobRActive    = "ATIVA"
	CobRConcluded = "CONCLUIDA"
	CobRExpired   = "EXPIRADA"
	CobRRejected  = "REJEITADA"
	CobRCancelled = "CANCELADA"
)
