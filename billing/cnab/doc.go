// Package cnab writes CNAB 240 remessa files that register quita's locally
// computed boletos at the creditor's bank, and reads the bank's retorno
// files (entries confirmed or rejected, liquidations, write-offs). It does
// no I/O beyond the io.Reader and io.Writer it is given.
//
// Built from FEBRABAN, "Layout Padrão de Arquivos CNAB 240 — Intercâmbio de
// Informações entre Bancos e Empresas", versão 10.11 (31/07/2023):
// §2.2 (header and trailer of the file), §3.2.2 "Títulos em Cobrança"
// (batch header, segments P, Q, R, T, U, batch trailer) and §4 (field
// descriptions C004, C006–C010, C015, C018, C021, C026, C028, C044, C047,
// G005, G019, G030, G065, G069, G073). Field ids in comments and errors
// (e.g. "13.3P") are the manual's.
//
// The bank variant is Banco do Brasil's, from "Particularidades BB —
// Leiaute CNAB 240", julho/2011 (CbrVer04BB): the 20-character convênio
// field "9999999990014CCVVV  ", the nosso número of a 7-digit convênio
// (convênio + 10-digit sequence, left-aligned), carteira 17 ↦ código da
// carteira '7', and the layout versions it accepts (file 084, batch 043).
// The positions of every record are FEBRABAN's; the variant only fills
// fields the standard leaves to each bank.
package cnab
