package cnab

// Códigos de movimento retorno (C044) quita acts on.
const (
	MovEntryConfirmed     = "02" // entrada confirmada: the bank registered the title, it can be paid
	MovEntryRejected      = "03" // entrada rejeitada: motives in 28.3T (C047-A)
	MovLiquidated         = "06" // liquidação: paid, amount in 12.3U, credit date in 17.3U
	MovWrittenOff         = "09" // baixa: no longer payable
	MovLiquidatedAfterOff = "17" // liquidação após baixa ou título não registrado
	MovProtestedOff       = "25" // protestado e baixado
	MovInstructionReject  = "26" // instrução rejeitada
	MovFees               = "28" // débito de tarifas/custas
	MovChangeRejected     = "30" // alteração de dados rejeitada
	MovBouncedCheque      = "44" // título pago com cheque devolvido: the liquidation is undone
)

// movementNames are C044 (FEBRABAN v10.11 §4).
var movementNames = map[string]string{
	"02": "entrada confirmada", "03": "entrada rejeitada", "04": "transferência de carteira/entrada",
	"05": "transferência de carteira/baixa", "06": "liquidação",
	"07": "confirmação do recebimento da instrução de desconto",
	"08": "confirmação do recebimento do cancelamento do desconto", "09": "baixa",
	"11": "títulos em carteira (em ser)", "12": "confirmação recebimento instrução de abatimento",
	"13": "confirmação recebimento instrução de cancelamento abatimento",
	"14": "confirmação recebimento instrução alteração de vencimento", "15": "franco de pagamento",
	"17": "liquidação após baixa ou liquidação título não registrado",
	"19": "confirmação recebimento instrução de protesto",
	"20": "confirmação recebimento instrução de sustação/cancelamento de protesto",
	"23": "remessa a cartório", "24": "retirada de cartório e manutenção em carteira",
	"25": "protestado e baixado", "26": "instrução rejeitada",
	"27": "confirmação do pedido de alteração de outros dados", "28": "débito de tarifas/custas",
	"29": "ocorrências do pagador", "30": "alteração de dados rejeitada",
	"44": "título pago com cheque devolvido", "45": "título pago com cheque compensado",
	"50": "título pago com cheque pendente de liquidação", "51": "título DDA reconhecido pelo pagador",
	"52": "título DDA não reconhecido pelo pagador", "53": "título DDA recusado pela CIP",
}

// MovementName is a movement code's meaning (C044), or "movimento NN".
func MovementName(code string) string {
	if n, ok := movementNames[code]; ok {
		return n
	}
	return "movimento " + code
}

// rejectionMotives are C047-A, the motives of movements 02, 03, 26 and 30.
var rejectionMotives = map[string]string{
	"01": "código do banco inválido", "02": "código do registro detalhe inválido",
	"03": "código do segmento inválido", "04": "código de movimento não permitido para carteira",
	"05": "código de movimento inválido", "06": "tipo/número de inscrição do beneficiário inválidos",
	"07": "agência/conta/DV inválido", "08": "nosso número inválido", "09": "nosso número duplicado",
	"10": "carteira inválida", "11": "forma de cadastramento do título inválido",
	"12": "tipo de documento inválido", "13": "identificação da emissão do boleto inválida",
	"14": "identificação da distribuição do boleto inválida", "15": "características da cobrança incompatíveis",
	"16": "data de vencimento inválida", "17": "data de vencimento anterior a data de emissão",
	"18": "vencimento fora do prazo de operação", "20": "valor do título inválido",
	"21": "espécie do título inválida", "22": "espécie do título não permitida para a carteira",
	"23": "aceite inválido", "24": "data da emissão inválida", "25": "data da emissão posterior a data de entrada",
	"26": "código de juros de mora inválido", "27": "valor/taxa de juros de mora inválido",
	"28": "código do desconto inválido", "29": "valor do desconto maior ou igual ao valor do título",
	"30": "desconto a conceder não confere", "32": "valor do IOF inválido", "33": "valor do abatimento inválido",
	"37": "código para protesto inválido", "38": "prazo para protesto inválido",
	"42": "código para baixa/devolução inválido", "43": "prazo para baixa/devolução inválido",
	"44": "código da moeda inválido", "45": "nome do pagador não informado",
	"46": "tipo/número de inscrição do pagador inválidos", "47": "endereço do pagador não informado",
	"48": "CEP inválido", "49": "CEP sem praça de cobrança", "50": "CEP referente a um banco correspondente",
	"51": "CEP incompatível com a unidade da federação", "52": "unidade da federação inválida",
	"53": "tipo/número de inscrição do sacador/avalista inválidos", "54": "sacador/avalista não informado",
	"57": "código da multa inválido", "58": "data da multa inválida", "59": "valor/percentual da multa inválido",
	"60": "movimento para título não cadastrado", "63": "entrada para título já cadastrado",
	"79": "data juros de mora inválido", "80": "data do desconto inválida", "86": "seu número inválido",
	"A4": "pagador DDA", "A5": "registro rejeitado – título já liquidado", "A6": "código do convenente inválido ou encerrado",
	"A7": "título já se encontra na situação pretendida",
}

// settlementMotives are C047-C, the motives of movements 06, 09 and 17.
var settlementMotives = map[string]string{
	"01": "por saldo", "02": "por conta", "03": "no guichê de caixa em dinheiro", "04": "compensação eletrônica",
	"05": "compensação convencional", "06": "por meio eletrônico", "07": "após feriado local", "08": "em cartório",
	"09": "baixa comandada banco", "10": "baixa comandada cliente arquivo", "11": "baixa comandada cliente on-line",
	"12": "decurso prazo - cliente", "13": "decurso prazo - banco", "14": "protestado", "15": "título excluído",
	"30": "no guichê de caixa em cheque", "31": "em banco correspondente", "32": "terminal de auto-atendimento",
	"33": "internet (home banking)", "34": "office banking", "35": "correspondente em dinheiro",
	"36": "correspondente em cheque", "37": "central de atendimento (telefone)", "61": "via Pix",
}

// MotiveText is the meaning of a motive (C047) under a movement code.
func MotiveText(movement, motive string) string {
	var table map[string]string
	switch movement {
	case "02", "03", "26", "30":
		table = rejectionMotives
		if motive == "52" {
			// Particularidades BB, 28.3T: BB's 52 is not FEBRABAN's.
			return "registro de título já liquidado (Banco do Brasil, carteira 17) / unidade da federação inválida"
		}
	case "06", "09", "17":
		table = settlementMotives
	}
	if t, ok := table[motive]; ok {
		return t
	}
	return "motivo " + motive
}
