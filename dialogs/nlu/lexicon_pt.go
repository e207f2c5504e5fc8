package nlu

// Brazilian Portuguese, as debtors write it on WhatsApp. Weights: 3 is a
// marker that decides alone, 1–2 supports, 6 is an explicit request to stop
// contact, which wins over anything else in the message.

// stop-contact verbs and objects, shared by several opt-out patterns.
const (
	ptStop     = "para|pare|parem|parar|paren|pararem"
	ptSend     = "mandar|manda|mandando|enviar|envia|enviando|mandarem|enviarem|mande|mandem|envie|enviem"
	ptContact  = "mensagem|mensagens|mensagen|whatsapp|whats|zap|zapzap|sms|torpedo|torpedos|ligacao|ligacoes|spam|notificacao|notificacoes|cobranca|cobrancas|contato"
	ptBother   = "ligar|ligando|ligarem|perturbar|perturbando|incomodar|incomodando|encher|enchendo|importunar|torrar|atormentar|assediar|chamar|procurar|escrever|contatar|contactar"
	ptDocument = "boleto|boletos|fatura|faturas|carne|lembrete|lembretes|aviso|avisos"
)

var ptLang = langDef{
	code: "pt",
	abbrev: map[string]string{
		"vc": "voce", "vcs": "voces", "voceis": "voces", "q": "que", "pq": "porque", "pqe": "porque",
		"blz": "beleza", "obg": "obrigado", "obgd": "obrigado", "obgda": "obrigada", "obgdo": "obrigado",
		"vlw": "valeu", "tb": "tambem", "tbm": "tambem", "hj": "hoje", "amnh": "amanha", "amn": "amanha",
		"qdo": "quando", "qnd": "quando", "qndo": "quando", "qd": "quando", "msg": "mensagem", "msgs": "mensagens",
		"cmg": "comigo", "ctg": "contigo", "n": "nao", "naum": "nao", "nau": "nao", "ñ": "nao",
		"td": "tudo", "tds": "todos", "mt": "muito", "mto": "muito", "mta": "muita", "mtos": "muitos",
		"pfv": "por favor", "pfvr": "por favor", "pf": "por favor", "plmds": "pelo amor de deus", "pls": "por favor",
		"to": "estou", "tou": "estou", "ta": "esta", "tava": "estava", "tamo": "estamos", "tao": "estao",
		"qro": "quero", "kero": "quero", "kd": "cade", "vdd": "verdade", "nd": "nada", "ngm": "ninguem",
		"mds": "meu deus", "agr": "agora", "dps": "depois", "p": "para", "pra": "para", "pro": "para o",
		"aki": "aqui", "axo": "acho", "pd": "pode", "fzr": "fazer", "dnv": "de novo", "flw": "falou",
		"ctz": "certeza", "msm": "mesmo", "sla": "sei la", "s": "sim", "eh": "e", "cel": "celular",
		"vsf": "vai se foder", "vtnc": "vai tomar no cu", "tmnc": "tomar no cu", "fdp": "filho da puta",
		"pqp": "puta que pariu", "krl": "caralho", "crl": "caralho", "prc": "parece", "tlg": "ta ligado",
		"zapp": "zap", "wpp": "whatsapp", "wts": "whatsapp", "whats": "whatsapp", "uma": "um",
		"cadê": "cade", "vo": "vou", "tô": "estou", "obrigadao": "obrigado", "brigado": "obrigado",
		"brigada": "obrigada", "brigadao": "obrigado", "obrigadinho": "obrigado",
	},
	stop: "eu voce vc voces vcs nao sim que de do da dos das o os um uma para pra com meu minha isso esse essa " +
		"ja estou to esta ta tem tenho mas mais quero pode posso consigo obrigado obrigada oi ola bom boa dia hoje " +
		"amanha divida boleto paguei vou aqui entao tambem muito pelo pela seu sua agora depois ainda nem ate " +
		"quando como onde porque qual quanto ontem mes semana sexta segunda tchau valeu beleza falar gente " +
		"dinheiro pagamento parcela parcelas vezes favor num numa no na nos nas ai la tudo nada sei ser foi era " +
		"por so uns umas pago errado certo",
	negators: "nao nunca nem jamais",
	fillers:  "por favor pfv quero eu ok agora ja sim obrigado obrigada moca moço senhor senhora ~pray ~ok e o a de me",
	rules: []rule{
		// greeting
		r(IntentGreeting, 1, "oi|oii|oie|ola|opa|hey|alo|salve|eai|eae|hello", "e ai|e_ae", "bom|boa dia|tarde|noite",
			"tudo|td bem|bom|certo|joia|tranquilo", "como vai|vai_voce", "oi moca|moço"),
		// ask_boleto
		r(IntentAskBoleto, 3, "segunda via", "2 a|o? via", "codigo de barras", "linha digitavel", "boleto atualizado",
			"novo boleto", "outro boleto", "gerar|gera|emitir|emite outro|novo|o boleto?"),
		r(IntentAskBoleto, 2, "fatura|faturas|carne", "codigo|barras"),
		r(IntentAskBoleto, 4, "nao recebi|chegou|veio|abre|abriu|consigo_abrir o|a? boleto|fatura"),
		r(IntentAskBoleto, 3, ptStop+" de * "+ptSend+" "+ptDocument, "pode|podem parar de * "+ptSend+" "+ptDocument, ptStop+" de receber * "+ptDocument).keep(),
		// "não me mande o boleto por e-mail" is about the document, not about contact
		r("", 0, "nao me|nos "+ptSend+" o|a|os|as? "+ptDocument+"|pix"),
		// ask_pix
		r(IntentAskPix, 4, "por|via|pelo|no pix"),
		r(IntentAskBoleto, 4, "por|via|pelo|no boleto"),
		r(IntentAskPix, 3, "chave|chaves", "copia e|ou cola", "pix copia", "qr|qrcode", "transferencia|ted", "doc bancario",
			"dados bancarios", "conta bancaria", "numero da conta", "agencia e conta", "conta para deposito"),
		// negotiate
		r(IntentNegotiate, 3, "parcelar|parcela|parcelamento|parcelado|parcelada|parcelinha|parcelinhas", "negociar|negocia|negociacao|renegociar|renegociacao",
			"acordo", "proposta", "dividir|divide|dividido|dividida", "sair dessa|desta|da divida", "sair do|da serasa|spc|scpc",
			"limpar|limpa meu|o nome", "tirar|tira|tirando os|o juros", "sem juros", "mais prazo", "menor parcela",
			"valor menor", "diminuir|diminui|baixar|baixa|abaixar|reduzir|reduz o valor|juros|parcela",
			"pagar|pago menos", "de entrada", "entrada de", "o resto|restante", "metade", "ao|por mes", "mensais|mensal"),
		r(IntentNegotiate, 2, "desconto|descontos", "condicao|condicoes", "facilitar|facilita", "tem como baixar", "muito alto", "alto demais",
			"tanto juros", "juros", "prazo", "cancelar|cancela o acordo|parcelamento antigo?", "fazer um novo"),
		r(IntentNegotiate, 1, "puxado|salgado|caro", "valor ta|esta alto", "parcelas|vezes"),
		r(IntentNegotiate, 4, "dificil|complicado|pesado pagar|quitar tudo|o_total|a_vista", "dificil|complicado|pesado pagar|quitar tudo de uma vez",
			"nao consigo|da|tenho_como pagar|quitar tudo|o_total|a_vista|integral", "nao tenho condicoes|condicao de pagar|quitar o_valor_total|tudo|o_total|a_vista",
			"nao consigo|da|tenho_como pagar tudo de uma vez"),
		// pay_in_full
		r(IntentPayInFull, 3, "a_vista|avista", "quitar|quito|quitacao|liquidar|liquido", "pagar|pago|quitar|quito tudo",
			"valor total|integral", "pagar|pago|quitar o total", "de uma vez|so_vez", "a divida toda|inteira", "tudo de uma vez",
			"pagamento total|unico|integral"),
		// promise_to_pay: payment acts, which a date turns into a promise
		r(IntentPromise, 1.5, "vou pagar|depositar|quitar|acertar|transferir", "eu pago", "te|lhe pago", "pagarei|pagaremos",
			"faco|faço|farei|vou_fazer o|um pagamento|pix|deposito|transferencia", "mando|passo|envio o pix",
			"deposito|transfiro|acerto", "pago sim", "pode contar", "ai pago|eu_pago").payAct().negTo(IntentHardship, 2),
		r(IntentPromise, 1, "pago|pagar|consigo|posso|consigo_pagar|posso_pagar|depositar|acertar|quitar").payAct().negTo(IntentHardship, 2),
		r(IntentPromise, 2, "sem falta", "prometo", "prometo que", "com certeza pago").payAct(),
		// already_paid
		r(IntentAlreadyPaid, 3, "pagou|pagaram|paguei|pagamos|quitei|quitamos|depositei|transferi|acertei", "ja esta|foi|ta pago|paga|quitado|quitada",
			"esta|foi pago|paga|quitado|quitada", "fiz|fizemos o|um pagamento|pix|deposito|transferencia", "efetuei|efetuamos|realizei o? pagamento",
			"comprovante|comprovantes", "pago desde", "tendo pago|quitado"),
		r(IntentAlreadyPaid, 4, "ja paguei|quitei|pagamos|fiz", "segue|mandei|enviei|envio o? comprovante"),
		// dispute
		r(IntentDispute, 4, "nao devo|devemos", "nao reconheco|conheco essa|esta|esse|este|a|o? divida|cobranca|compra|debito|valor|contrato", "nao bate", "nunca comprei|fiz|tive|contratei|assinei",
			"nao fiz|comprei|contratei essa|esta|nenhuma? compra|divida", "nao e minha|meu", "nao e meu nao", "usaram|usou|clonaram meu|o cpf|nome",
			"usado meu cpf|nome", "nao vou pagar isso|isto|nada", "nao existe"),
		r(IntentDispute, 3, "indevida|indevido|indevidamente", "cobranca abusiva|errada|duplicada", "juros abusivos", "errado|errada|incorreto",
			"cobrando a mais|mais|duas_vezes", "prescreveu|prescrita|prescrito", "cancelei|cancelamos", "contestar|contesto",
			"absurdo|absurda", "nao e minha", "nunca tive", "cobranca dupla"),
		// hardship
		r(IntentHardship, 4, "desempregado|desempregada|desemprego", "perdi|perdemos meu|o|a emprego|trabalho|servico", "fui demitido|demitida|mandado_embora|mandada_embora",
			"demitido|demitida", "nao tenho|temos dinheiro|grana|condicao|condicoes|renda", "nao tenho como|da_pra pagar", "parei de trabalhar"),
		r(IntentHardship, 3, "sem dinheiro|grana|emprego|trabalho|renda|condicao|condicoes|salario", "nao consigo|conseguimos|posso|da pagar", "nao da",
			"dificuldade|dificuldades", "dificil", "apertado|apertada|apertada", "salario atrasou|atrasado", "estou liso|lisa|quebrado|quebrada|duro|dura",
			"nao tenho como", "desesperado|desesperada", "nao aguento mais", "nao sei mais o que fazer", "crise", "salario minimo", "doente|internado|internada|quimio|cancer",
			"faleceu|falecido|falecida|morreu|falecimento|luto", "auxilio|bolsa_familia", "passando necessidade|fome", "sai|saí do emprego|trabalho"),
		r(IntentHardship, 1, "situacao|aluguel|filhos|contas|cabeca"),
		// ask_human
		r(IntentAskHuman, 3, "atendente|atendentes|humano|humana|gerente|supervisor|supervisora|operador|operadora|responsavel",
			"falar com alguem|uma_pessoa|gente|voces", "pessoa de verdade|real", "alguem de verdade", "me liga|ligue|ligar", "pode me ligar",
			"me liguem", "atendimento humano", "telefone * ligar|contato", "resolver com uma pessoa"),
		r(IntentAskHuman, 2, "robo|bot|robozinho", "telefone", "pessoa", "falar com"),
		// opt_out
		r(IntentOptOut, 6, ptStop+" de * "+ptSend+" * "+ptContact, ptStop+" de * "+ptBother, ptStop+" com * "+ptContact,
			ptStop+" as|os|essas|esses * "+ptContact, ptStop+" de * cobrar por aqui", ptStop+" de * receber * "+ptContact,
			"nao quero * receber * "+ptContact+"|nada|isso", "nao quero * "+ptContact, "nao quero * ser contatado|contatada|cobrado|cobrada|incomodado|incomodada",
			"nao me|nos "+ptSend+"|ligue|liguem|ligar|procure|procurem|escreva|escrevam|chame|chamem|perturbe|perturbem|incomode|incomodem|cobre|cobrem",
			"me tira|tire|tirem|remove|remova|removam|exclui|exclua|excluam|descadastra|descadastre|descadastrem * lista|numero|contato|cadastro|base",
			"remove|remova|removam|exclui|exclua|excluam|apaga|apague|apaguem|tira|tire|tirem meu|o|esse numero|telefone|contato|celular",
			"me deixa|deixe|deixem em paz", "chega de * "+ptContact, "descadastrar|descadastra|descadastre|descadastro|descadastrem|descadastramento",
			"se continuar|continuarem|continuam|insistir|insistirem * ligando|mandando|cobrando|ligar|mandar|mensagem|mensagens|ligacao|ligacoes",
			"se me ligar|ligarem|mandarem de_novo|mais",
			"cancelar|cancela as|essas? mensagens|notificacoes", "me esquece|esquecam|esqueca", "nao "+ptSend+" mais nada|mensagem|mensagens", "bloquear|bloqueia|bloqueiem * numero|mensagens",
			"sair da|dessa lista", "nao entre|entrem mais em contato"),
		r(IntentOptOut, 3, ptStop+" de * "+ptSend, ptStop+" de * cobrar", ptStop+" com isso", "chega", "pare|parem", "pode|podem parar"),
		// wrong_person
		r(IntentWrongPerson, 4, "numero errado|trocado|equivocado", "pessoa errada|errado", "nao sou eu", "nao sou a|o", "nao sou", "nao conheco * pessoa|ninguem|nenhum|nenhuma|fulano|fulana|ela|ele",
			"nao conheco", "nao mora|trabalha * aqui", "troquei|mudei de numero|chip", "numero novo", "engano", "erraram|errou|errando|errada * numero|pessoa",
			"nunca ouvi falar", "aqui nao tem", "nao tem nenhum|nenhuma", "outra pessoa", "esse numero nao e|era", "nao e aqui", "era de outra pessoa"),
		r(IntentWrongPerson, 2, "chip|enganado|enganada", "numero de outra"),
		// debt_info
		r(IntentDebtInfo, 3, "quanto * devo|devendo|deve|esta_devendo", "qual o|e_o valor", "valor da|dessa divida|parcela|conta", "do que e|se_trata",
			"se trata", "que|qual divida|cobranca|conta e|seria essa|esta", "que|qual divida|cobranca", "vencimento|vence|venceu", "quando vence", "de quando",
			"quantas parcelas", "me explica|explique|explicar", "explica", "de qual|que loja|empresa|compra", "por que|porque * cobrado|cobrada|cobrando|devendo",
			"valor atualizado", "nome * sujo|negativado|negativada|serasa|spc", "saldo devedor", "quanto ta|esta|fica|da", "detalhes|referente|origem",
			"total com juros", "qual o total"),
		r(IntentDebtInfo, 1, "quanto|valor|divida"),
		// scam_concern
		r(IntentScam, 4, "golpe|golpes|golpista|golpistas|fraude|falso|falsa|picaretagem", "e verdade|real|confiavel|seguro", "como vou|posso saber|ter_certeza", "como sei|saber",
			"quem e|fala|esta_falando|ta_falando|seria", "quem e voce|voces", "que empresa e essa|esta", "qual empresa", "site oficial", "cnpj",
			"desconfiado|desconfiada|desconfio|suspeito"),
		r(IntentScam, 3, "clicar|clico|abrir em|o? link|links", "link|links").keep(),
		r(IntentScam, 3, "confiavel", "verdade mesmo"),
		// affirm
		r(IntentAffirm, 1.5, "sim|isso|ok|okay|okey|certo|claro|fechado|combinado|aceito|beleza|perfeito|show|positivo|bora|uhum|aham|yes|blz",
			"pode ser|mandar|fazer", "ta|esta bom|bem|certo|otimo", "isso mesmo", "com certeza", "sou eu", "pode sim", "quero sim", "demorou", "manda ai"),
		r(IntentAffirm, 1, "quero|pode"),
		// deny
		r(IntentDeny, 1, "nao"),
		r(IntentDeny, 2, "nao quero|obrigado_nao", "agora nao", "nenhuma|nenhum", "nao precisa"),
		r(IntentDeny, 3, "nao obrigado|obrigada|valeu", "negativo", "nem pensar", "de jeito nenhum", "nao nao"),
		// thanks_bye
		r(IntentThanksBye, 3, "obrigado|obrigada|valeu|agradeco|grato|grata|tchau|tchauzinho|falou|abraco|abracos|bjs|beijos",
			"ate mais|logo|breve|a_proxima", "deus abencoe|te_abencoe", "muito obrigado|obrigada", "boa noite e obrigado"),
	},
	flags: []rule{
		// distress: strong cues raise the flag; weak ones (distressCue) are
		// evidence the model weighs ("trabalho no hospital", "celular morreu")
		fl(FlagDistress, "faleceu|falecimento|obito|velorio|enterro|enterrei|sepultamento|sepultei|viuva|viuvo",
			"meu|minha|o|a|nosso|nossa pai|mae|filho|filha|marido|esposa|esposo|mulher|irmao|irma|avo|vo|neto|neta|bebe|namorado|namorada|tio|tia|sogro|sogra|painho|mainha|companheiro|companheira|menino|menina * morreu|faleceu|partiu|morto|morta|falecido|falecida",
			"morreu|faleceu|perdi|enterrei|perdemos meu|minha|o|a|nosso|nossa? pai|mae|filho|filha|marido|esposa|esposo|mulher|irmao|irma|avo|vo|neto|neta|bebe|namorado|namorada|tio|tia|sogro|sogra|painho|mainha|companheiro|companheira|menino|menina", "nasceu morto|morta",
			"me matar|mata|suicidar", "mim matar", "quero|queria|vontade_de|penso_em|pensando_em morrer|sumir|desaparecer|me_matar",
			"tirar minha propria? vida", "acabar com minha vida|tudo", "nao quero mais viver|acordar", "melhor eu morrer|sumir",
			"melhor nao estar|existir aqui?", "dormir e nao acordar", "suicidio|suicidou|suicida", "me cortei|corto|cortar",
			"tomei|tomar uma? cartela|remedios", "juntei os remedios", "sumir de vez|pra_sempre|do_mapa", "dar um fim nisso|em_tudo|na_vida",
			"despedida", "nao vao precisar me cobrar", "fazer uma loucura", "pra que continuar vivendo",
			"cancer|quimio|quimioterapia|radioterapia|leucemia|tumor|metastase|hemodialise|dialise|transplante|avc|infarto|intubado|intubada|entubado|entubada|coma|paliativo|paliativos|tuberculose|hiv|alzheimer|derrame",
			"uti|cti|internado|internada|internacao|hospitalizado|hospitalizada", "to|estou|ta|esta|tou no|num hospital|pronto_socorro",
			"surto|psiquiatrica|psiquiatrico", "depressao|depressiva|depressivo", "crise de panico|ansiedade",
			"passando|passamos fome", "sem comida|comer", "nada pra|para comer", "nao tem|tenho o_que|comida|nada pra|para? comer",
			"nem arroz|comida|leite", "cesta basica", "inseguranca alimentar", "fome em casa", "tem fome", "com fome",
			"desesperado|desesperada|desespero", "nao aguento mais", "sem saida", "nao tem saida", "sem esperanca", "fundo do poco",
			"cansei de viver|lutar", "nao tenho mais forcas", "choro todo dia|todos_os_dias", "nao sei mais o que fazer", "no meu limite",
			"violencia domestica", "me bate|bateu|espancou|agride|agrediu|ameaca|ameacou", "apanhei|apanho", "agredida|agredido|espancada",
			"medida protetiva", "casa abrigo", "delegacia da mulher", "abusa|abusou de mim", "ameacou de morte",
			"despejado|despejada|despejo|despejados", "sem casa|teto", "morando|dormindo na rua|no_carro", "perdi|perdemos a|minha|nossa casa",
			"enchente|incendio|deslizamento"),
		// requests to stop contact the intent lexicon reads weakly or not
		// at all (formal and LGPD wording, blocking, a stop beside another request)
		fl(FlagStopContact, "nao liguem|ligue|ligar|mande|mandem|procurem|contatem|escrevam mais", "nao me liga|ligue|liguem|ligar|mande|mandem|procure|procurem|contatem|chame|incomodem",
			"nao precisa|precisam mais mandar|ligar", "nao adianta ligar|mandar", "nao autorizo|autorizamos", "revogo|revogar|revogacao * consentimento",
			"cessem|cessar|cessacao|cesse * contato|contatos|ligacoes|comunicacao|comunicacoes|cobrancas|mensagens", "abstenham * contato|contatos",
			"exclusao|excluido|excluida|excluir|eliminacao|anonimizacao|apagado|apagar * numero|dados|cadastro|telefone",
			"apaguem|apague|exclua|excluam|tirem|tira|tire|remova|removam ele|meu_numero|o_numero|esse_numero|este_numero|meu_telefone|meus_dados",
			"vou bloquear|bloquea", "vou te|vos|vcs|voces bloquear", "bloqueei|bloqueado|bloqueados vcs|voces|esse_numero|o_numero",
			"oposicao ao recebimento", "nao desejo|quero receber", "nao deve|devem mais ser utilizado|usado|contatar", "nao quero mais que * me procurem|liguem|mandem",
			"se ligarem|ligar|mandarem|me_ligarem|continuarem_ligando de_novo|mais|novamente|outra_vez", "novas ligacoes|contatos|mensagens",
			"nao param|para de ligar|mandar|me_ligar", "parem|pare|para de ligar|mandar_mensagem|mandar_msg|me_ligar|me_mandar|me_procurar|me_incomodar|me_perturbar|encher",
			"chega de me? ligar|ligacao|ligacoes|mensagem|mensagens|msg", "nao me procurem|contatem mais", "me deixem|deixa|deixe em paz"),
		fl("", "bloquearam|bloqueado|bloqueada|bloquearem|bloquear meu|o|a cartao|conta|cpf|nome|pix|celular|app",
			"bloquear numeros|numero estranhos|estranho", "parar de receber o boleto", "nao autorizo o debito|desconto",
			"cessem as cobrancas de|dos", "nao precisa|para mais|de mandar boleto|boletos|o_boleto|esse_boleto"),
		fl(distressCue, "morreu|morte|luto|morto|morta|hospital|cirurgia|doente|doenca|ansiedade|panico|fome|morrer|matar|sumir|desisti|desistir"),
		// figurative look-alikes: matched first (longest), they raise nothing
		fl("", "morrendo|morri|morta|morto de rir|vergonha|cansaco|cansada|cansado|sono|calor|frio|fome|tedio|medo",
			"nao aguento mais * ligacao|ligacoes|mensagem|mensagens|voces|robo|isso|cobranca|cobrancas|juros",
			"celular|bateria|telefone|notebook|carro|moto|planta morreu", "sem saida pra|para pagar", "nao vejo saida pra|para pagar",
			"sair do vermelho", "sumir com essa divida", "acabar com essa divida", "matar esse|a boleto|divida|conta",
			"desejo|deseja|desejamos|desejando|desejar", "quase morri|morro", "de susto", "quase tive|me_deu|deu um infarto|treco",
			"de plantao", "sou enfermeira|enfermeiro|medica|medico", "me bateu um|uma", "time apanhou", "casa propria",
			"vc|voce me mata", "para|pare de desespero", "nao aguento mais * boleto|boletos|app|aplicativo|site|link|espera",
			"suicidio financeiro", "visitando", "ela|ele ta|esta bem"),
		fl(FlagAbusive, "idiota|idiotas|otario|otarios|imbecil|imbecis|babaca|babacas|lixo|lixos|merda|porra|caralho|puta|putas|arrombado|arrombados|arrombada",
			"filho|filhos|filha da puta", "puta que pariu", "vai se foder|fuder|ferrar", "vai tomar no cu", "tomar no cu", "se foder|fuder", "foda se|fodase",
			"safado|safados|safada|ladrao|ladroes|ladra|vagabundo|vagabundos|vagabunda|desgraca|desgracado|desgracados|desgracada|corno|cuzao|canalha|canalhas",
			"cala a|essa boca", "urubu|urubus|sanguessuga|sanguessugas|verme|vermes|pilantra|pilantras|escroto|escrotos|fdp|fdps|bosta|retardado|retardados"),
		fl(FlagLegalThreat, "procon|advogado|advogada|advogados|processar|processo|justica|juiz|juiza|juizado|delegacia|policia|tribunal",
			"reclame_aqui|reclameaqui", "boletim de ocorrencia", "pequenas causas", "danos morais", "denunciar|denuncia", "banco_central|bacen",
			"ministerio publico", "acao judicial", "consumidor gov", "defensoria"),
	},
	dates: []rule{
		dt(dateNone, 0, "segunda|terca|quarta|quinta|sexta|primeira via|parcela|opcao|vez|prestacao", "de manha"),
		dt(dateNone, 0, "agora nao", "ate agora", "por agora", "agora|agorinha nao|sem|tenho|to|estou|ta"),
		dt(dateRel, 0, "hoje|hj", "hoje mesmo", "agora a tarde|noite", "agora|agorinha", "agora mesmo", "agorinha mesmo",
			"acabei|acabamos de", "daqui a|a_pouco pouco|pouquinho", "daqui pouco|pouquinho", "mais tarde", "ja ja", "logo mais"),
		dt(dateRel, 1, "amanha|amanhan|amanh|amnh"),
		dt(dateRel, 2, "depois de|d amanha"),
		dt(dateRel, -1, "ontem|ontm|onti"),
		dt(dateRel, -2, "anteontem|antes_de_ontem"),
		dt(dateNextMonday, 0, "semana que vem", "sem que vem", "proxima semana", "semana seguinte"),
		dt(dateEndMonth, 0, "fim|final|finalzinho do|de|deste|desse mes", "fim|final do mes", "ultimo dia do mes"),
		dt(dateEndNextMonth, 0, "fim|final do|de mes que vem", "fim|final do proximo mes"),
		dt(dateNextMonth, 0, "mes que vem", "proximo mes", "inicio|comeco do|de mes_que_vem|proximo_mes", "inicio|comeco do mes"),
		dt(dateWeekend, 0, "fim_de_semana|final_de_semana|fds"),
	},
	weekdays: [7]string{"domingo|dom", "segunda|seg|segnda", "terca|terc", "quarta|qrta", "quinta|qnta", "sexta|sex|sxta", "sabado|sab"},
	nextWd:   []string{"% que vem", "% feira que vem", "proxima|proximo %", "% da semana que vem", "% da proxima semana"},
	lastWd:   []string{"% passada|passado", "% feira passada"},
	nums: map[string]int{"um": 1, "uma": 1, "primeiro": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
		"sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12, "treze": 13, "quatorze": 14, "catorze": 14,
		"quinze": 15, "dezesseis": 16, "dezessete": 17, "dezoito": 18, "dezenove": 19, "vinte": 20, "trinta": 30,
		"quarenta": 40, "cinquenta": 50, "cem": 100, "duzentos": 200, "trezentos": 300, "quinhentos": 500, "mil": 1000},
	months: map[string]int{"janeiro": 1, "jan": 1, "fevereiro": 2, "fev": 2, "marco": 3, "mar": 3, "abril": 4, "abr": 4,
		"maio": 5, "mai": 5, "junho": 6, "jun": 6, "julho": 7, "jul": 7, "agosto": 8, "ago": 8, "setembro": 9, "set": 9,
		"outubro": 10, "out": 10, "novembro": 11, "nov": 11, "dezembro": 12, "dez": 12},
	dayMark:  "dia",
	ordinal:  "o a",
	units:    map[string]int{"dia": 1, "dias": 1, "semana": 7, "semanas": 7},
	inPrefix: "daqui em dentro",
	numw: numberWords{
		instUnit:   "x vezes vez parcelas parcelinhas prestacoes mensalidades",
		splitVerb:  "dividir divide dividido dividida parcelar parcela parcelado parcelada parcelo",
		splitPrep:  "em",
		monthUnit:  "meses",
		currency:   "reais real conto contos pila pilas mango mangos",
		per:        "por ao",
		month:      "mes",
		monthly:    "mensais mensal",
		amountPre:  "pagar pago consigo posso dar dou pagaria oferecer ofereco entrada uns umas so apenas somente pagando depositar deposito",
		entry:      "entrada",
		timePre:    "as",
		notDay:     "h hs hr hrs horas hora mil por porcento",
		optionWord: "opcao opcoes opc op alternativa numero n",
		ordinals:   map[string]int{"primeira": 1, "segunda": 2, "terceira": 3, "quarta": 4, "quinta": 5},
	},
}
