package cnab

// The records' fields, positions as FEBRABAN's "Layout Padrão CNAB 240"
// v10.11 prints them (§2.2 for the file header and trailer, §3.2.2
// "Títulos em Cobrança" for the rest). Fields the remessa leaves blank or
// zero are written as their filler; the reader checks the ones it uses.

// Control fields every record starts with (G001, G002, G003).
var (
	ctlBank   = field{"01", "Código do Banco na Compensação", 1, 3, num, false}
	ctlLot    = field{"02", "Lote de Serviço", 4, 7, num, false}
	ctlRecord = field{"03", "Tipo de Registro", 8, 8, num, false}
)

// Registro Header de Arquivo (§2.2).
var (
	fh04CNAB       = field{"04.0", "Uso Exclusivo FEBRABAN/CNAB", 9, 17, alpha, false}
	fh05InscType   = field{"05.0", "Tipo de Inscrição da Empresa", 18, 18, num, false}
	fh06InscNumber = field{"06.0", "Número de Inscrição da Empresa", 19, 32, num, false}
	fh07Convenio   = field{"07.0", "Código do Convênio no Banco", 33, 52, alpha, false}
	fh08Agency     = field{"08.0", "Agência Mantenedora da Conta", 53, 57, num, false}
	fh09AgencyDV   = field{"09.0", "Dígito Verificador da Agência", 58, 58, alpha, false}
	fh10Account    = field{"10.0", "Número da Conta Corrente", 59, 70, num, false}
	fh11AccountDV  = field{"11.0", "Dígito Verificador da Conta", 71, 71, alpha, false}
	fh12AgAcctDV   = field{"12.0", "Dígito Verificador da Ag/Conta", 72, 72, alpha, false}
	fh13Name       = field{"13.0", "Nome da Empresa", 73, 102, alpha, true}
	fh14BankName   = field{"14.0", "Nome do Banco", 103, 132, alpha, true}
	fh15CNAB       = field{"15.0", "Uso Exclusivo FEBRABAN/CNAB", 133, 142, alpha, false}
	fh16Code       = field{"16.0", "Código Remessa / Retorno", 143, 143, num, false}
	fh17Date       = field{"17.0", "Data de Geração do Arquivo", 144, 151, num, false}
	fh18Time       = field{"18.0", "Hora de Geração do Arquivo", 152, 157, num, false}
	fh19Sequence   = field{"19.0", "Número Seqüencial do Arquivo", 158, 163, num, false}
	fh20Version    = field{"20.0", "Nº da Versão do Layout do Arquivo", 164, 166, num, false}
	fh21Density    = field{"21.0", "Densidade de Gravação do Arquivo", 167, 171, num, false}
)

// Registro Trailer de Arquivo (§2.2).
var (
	ft05Lots    = field{"05.9", "Quantidade de Lotes do Arquivo", 18, 23, num, false}
	ft06Records = field{"06.9", "Quantidade de Registros do Arquivo", 24, 29, num, false}
	ft07Concil  = field{"07.9", "Qtde de Contas p/ Conc. (Lotes)", 30, 35, num, false}
)

// Registro Header de Lote, Títulos em Cobrança (§3.2.2).
var (
	bh04Operation  = field{"04.1", "Tipo de Operação", 9, 9, alpha, false}
	bh05Service    = field{"05.1", "Tipo de Serviço", 10, 11, num, false}
	bh07Version    = field{"07.1", "Nº da Versão do Layout do Lote", 14, 16, num, false}
	bh09InscType   = field{"09.1", "Tipo de Inscrição da Empresa", 18, 18, num, false}
	bh10InscNumber = field{"10.1", "Nº de Inscrição da Empresa", 19, 33, num, false}
	bh11Convenio   = field{"11.1", "Código do Convênio no Banco", 34, 53, alpha, false}
	bh12Agency     = field{"12.1", "Agência Mantenedora da Conta", 54, 58, num, false}
	bh13AgencyDV   = field{"13.1", "Dígito Verificador da Agência", 59, 59, alpha, false}
	bh14Account    = field{"14.1", "Número da Conta Corrente", 60, 71, num, false}
	bh15AccountDV  = field{"15.1", "Dígito Verificador da Conta", 72, 72, alpha, false}
	bh16AgAcctDV   = field{"16.1", "Dígito Verificador da Ag/Conta", 73, 73, alpha, false}
	bh17Name       = field{"17.1", "Nome da Empresa", 74, 103, alpha, true}
	bh18Message1   = field{"18.1", "Mensagem 1", 104, 143, alpha, true}
	bh19Message2   = field{"19.1", "Mensagem 2", 144, 183, alpha, true}
	bh20Number     = field{"20.1", "Número Remessa/Retorno", 184, 191, num, false}
	bh21Date       = field{"21.1", "Data de Gravação Remessa/Retorno", 192, 199, num, false}
	bh22CreditDate = field{"22.1", "Data do Crédito", 200, 207, num, false}
)

// Registro Trailer de Lote, Títulos em Cobrança (§3.2.2).
var (
	bt05Records      = field{"05.5", "Quantidade de Registros no Lote", 18, 23, num, false}
	bt06SimpleCount  = field{"06.5", "Quantidade de Títulos em Cobrança (Simples)", 24, 29, num, false}
	bt07SimpleTotal  = field{"07.5", "Valor Total dos Títulos em Carteiras (Simples)", 30, 46, num, false}
	bt08LinkedCount  = field{"08.5", "Quantidade de Títulos em Cobrança (Vinculada)", 47, 52, num, false}
	bt09LinkedTotal  = field{"09.5", "Valor Total dos Títulos em Carteiras (Vinculada)", 53, 69, num, false}
	bt10PledgedCount = field{"10.5", "Quantidade de Títulos em Cobrança (Caucionada)", 70, 75, num, false}
	bt11PledgedTotal = field{"11.5", "Valor Total dos Títulos em Carteiras (Caucionada)", 76, 92, num, false}
	bt12DiscCount    = field{"12.5", "Quantidade de Títulos em Cobrança (Descontada)", 93, 98, num, false}
	bt13DiscTotal    = field{"13.5", "Valor Total dos Títulos em Carteiras (Descontada)", 99, 115, num, false}
)

// Fields common to every detail record (G038, G039, C004/C044).
var (
	dSequence = field{"04.3", "Nº Sequencial do Registro no Lote", 9, 13, num, false}
	dSegment  = field{"05.3", "Cód. Segmento do Registro Detalhe", 14, 14, alpha, false}
	dMovement = field{"07.3", "Código de Movimento", 16, 17, num, false}
)

// Registro Detalhe — Segmento P (Obrigatório - Remessa).
var (
	p08Agency        = field{"08.3P", "Agência Mantenedora da Conta", 18, 22, num, false}
	p09AgencyDV      = field{"09.3P", "Dígito Verificador da Agência", 23, 23, alpha, false}
	p10Account       = field{"10.3P", "Número da Conta Corrente", 24, 35, num, false}
	p11AccountDV     = field{"11.3P", "Dígito Verificador da Conta", 36, 36, alpha, false}
	p12AgAcctDV      = field{"12.3P", "Dígito Verificador da Ag/Conta", 37, 37, alpha, false}
	p13NossoNumero   = field{"13.3P", "Identificação do Título no Banco (Nosso Número)", 38, 57, alpha, false}
	p14Carteira      = field{"14.3P", "Código da Carteira", 58, 58, num, false}
	p15Registration  = field{"15.3P", "Forma de Cadastr. do Título no Banco", 59, 59, num, false}
	p16DocType       = field{"16.3P", "Tipo de Documento", 60, 60, alpha, false}
	p17Issuer        = field{"17.3P", "Identificação da Emissão do Boleto", 61, 61, num, false}
	p18Distribution  = field{"18.3P", "Identificação da Distribuição", 62, 62, alpha, false}
	p19Document      = field{"19.3P", "Número do Documento de Cobrança", 63, 77, alpha, false}
	p20Due           = field{"20.3P", "Data de Vencimento do Título", 78, 85, num, false}
	p21Amount        = field{"21.3P", "Valor Nominal do Título", 86, 100, num, false}
	p22CollAgency    = field{"22.3P", "Agência Encarregada da Cobrança", 101, 105, num, false}
	p23CollAgencyDV  = field{"23.3P", "Dígito Verificador da Agência", 106, 106, alpha, false}
	p24Kind          = field{"24.3P", "Espécie do Título", 107, 108, num, false}
	p25Accepted      = field{"25.3P", "Identific. de Título Aceito/Não Aceito", 109, 109, alpha, false}
	p26Issued        = field{"26.3P", "Data da Emissão do Título", 110, 117, num, false}
	p27InterestCode  = field{"27.3P", "Código do Juros de Mora", 118, 118, num, false}
	p28InterestDate  = field{"28.3P", "Data do Juros de Mora", 119, 126, num, false}
	p29Interest      = field{"29.3P", "Juros de Mora por Dia/Taxa", 127, 141, num, false}
	p30DiscountCode  = field{"30.3P", "Código do Desconto 1", 142, 142, num, false}
	p31DiscountDate  = field{"31.3P", "Data do Desconto 1", 143, 150, num, false}
	p32Discount      = field{"32.3P", "Valor/Percentual a ser Concedido", 151, 165, num, false}
	p33IOF           = field{"33.3P", "Valor do IOF a ser Recolhido", 166, 180, num, false}
	p34Abatement     = field{"34.3P", "Valor do Abatimento", 181, 195, num, false}
	p35CompanyRef    = field{"35.3P", "Identificação do Título na Empresa", 196, 220, alpha, false}
	p36ProtestCode   = field{"36.3P", "Código para Protesto", 221, 221, num, false}
	p37ProtestDays   = field{"37.3P", "Número de Dias para Protesto", 222, 223, num, false}
	p38WriteOffCode  = field{"38.3P", "Código para Baixa/Devolução", 224, 224, num, false}
	p39WriteOffDays  = field{"39.3P", "Número de Dias para Baixa/Devolução", 225, 227, alpha, false}
	p40Currency      = field{"40.3P", "Código da Moeda", 228, 229, num, false}
	p41Contract      = field{"41.3P", "Nº do Contrato da Operação de Créd.", 230, 239, num, false}
	p42PartialPolicy = field{"42.3P", "Uso livre banco/empresa", 240, 240, alpha, false}
)

// Registro Detalhe — Segmento Q (Obrigatório - Remessa).
var (
	q08InscType    = field{"08.3Q", "Tipo de Inscrição do Pagador", 18, 18, num, false}
	q09InscNumber  = field{"09.3Q", "Número de Inscrição do Pagador", 19, 33, num, false}
	q10Name        = field{"10.3Q", "Nome do Pagador", 34, 73, alpha, true}
	q11Address     = field{"11.3Q", "Endereço do Pagador", 74, 113, alpha, true}
	q12District    = field{"12.3Q", "Bairro", 114, 128, alpha, true}
	q13CEP         = field{"13.3Q", "CEP", 129, 133, num, false}
	q14CEPSuffix   = field{"14.3Q", "Sufixo do CEP", 134, 136, num, false}
	q15City        = field{"15.3Q", "Cidade", 137, 151, alpha, true}
	q16State       = field{"16.3Q", "Unidade da Federação", 152, 153, alpha, false}
	q17GuarType    = field{"17.3Q", "Tipo de Inscrição do Sacador/Avalista", 154, 154, num, false}
	q18GuarNumber  = field{"18.3Q", "Número de Inscrição do Sacador/Avalista", 155, 169, num, false}
	q19GuarName    = field{"19.3Q", "Nome do Sacador/Avalista", 170, 209, alpha, true}
	q20CorrBank    = field{"20.3Q", "Cód. Bco. Corresp. na Compensação", 210, 212, num, false}
	q21CorrNossoNr = field{"21.3Q", "Nosso Nº no Banco Correspondente", 213, 232, alpha, false}
)

// Registro Detalhe — Segmento R (Opcional - Remessa).
var (
	r08Discount2Code = field{"08.3R", "Código do Desconto 2", 18, 18, num, false}
	r09Discount2Date = field{"09.3R", "Data do Desconto 2", 19, 26, num, false}
	r10Discount2     = field{"10.3R", "Valor/Percentual a ser Concedido 2", 27, 41, num, false}
	r11Discount3Code = field{"11.3R", "Código do Desconto 3", 42, 42, num, false}
	r12Discount3Date = field{"12.3R", "Data do Desconto 3", 43, 50, num, false}
	r13Discount3     = field{"13.3R", "Valor/Percentual a ser Concedido 3", 51, 65, num, false}
	r14FineCode      = field{"14.3R", "Código da Multa", 66, 66, alpha, false}
	r15FineDate      = field{"15.3R", "Data da Multa", 67, 74, num, false}
	r16Fine          = field{"16.3R", "Valor/Percentual a Ser Aplicado", 75, 89, num, false}
	r17PayerInfo     = field{"17.3R", "Informação ao Pagador", 90, 99, alpha, true}
	r18Message3      = field{"18.3R", "Mensagem 3", 100, 139, alpha, true}
	r19Message4      = field{"19.3R", "Mensagem 4", 140, 179, alpha, true}
	r21PayerOccur    = field{"21.3R", "Cód. Ocor. do Pagador", 200, 207, num, false}
	r22DebitBank     = field{"22.3R", "Cód. do Banco na Conta do Débito", 208, 210, num, false}
	r23DebitAgency   = field{"23.3R", "Código da Agência do Débito", 211, 215, num, false}
	r25DebitAccount  = field{"25.3R", "Conta Corrente para Débito", 217, 228, num, false}
	r28DebitNotice   = field{"28.3R", "Aviso para Débito Automático", 231, 231, num, false}
)

// Registro Detalhe — Segmento T (Obrigatório - Retorno).
var (
	t13NossoNumero = field{"13.3T", "Identificação do Título (Nosso Número)", 38, 57, alpha, false}
	t14Carteira    = field{"14.3T", "Código da Carteira", 58, 58, num, false}
	t15Document    = field{"15.3T", "Número do Documento de Cobrança", 59, 73, alpha, false}
	t16Due         = field{"16.3T", "Data do Vencimento do Título", 74, 81, num, false}
	t17Amount      = field{"17.3T", "Valor Nominal do Título", 82, 96, num, false}
	t18PayingBank  = field{"18.3T", "Número do Banco Cobrador/Recebedor", 97, 99, num, false}
	t21CompanyRef  = field{"21.3T", "Identificação do Título na Empresa", 106, 130, alpha, false}
	t27Fee         = field{"27.3T", "Valor da Tarifa / Custas", 199, 213, num, false}
	t28Motives     = field{"28.3T", "Motivo da Ocorrência", 214, 223, alpha, false}
)

// Registro Detalhe — Segmento U (Obrigatório - Retorno).
var (
	u08Additions = field{"08.3U", "Juros / Multa / Encargos", 18, 32, num, false}
	u09Discount  = field{"09.3U", "Valor do Desconto Concedido", 33, 47, num, false}
	u10Abatement = field{"10.3U", "Valor do Abat. Concedido/Cancel.", 48, 62, num, false}
	u11IOF       = field{"11.3U", "Valor do IOF Recolhido", 63, 77, num, false}
	u12Paid      = field{"12.3U", "Valor Pago pelo Pagador", 78, 92, num, false}
	u13Net       = field{"13.3U", "Valor Líquido a ser Creditado", 93, 107, num, false}
	u14Expenses  = field{"14.3U", "Valor de Outras Despesas", 108, 122, num, false}
	u15Credits   = field{"15.3U", "Valor de Outros Créditos", 123, 137, num, false}
	u16Occurred  = field{"16.3U", "Data da Ocorrência", 138, 145, num, false}
	u17Credited  = field{"17.3U", "Data da Efetivação do Crédito", 146, 153, num, false}
)
