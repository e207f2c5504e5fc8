package cnab

import (
	"fmt"
	"strings"
)

// Bank is one bank's variant of the FEBRABAN layout: the fields the
// standard leaves to each bank (convênio, nosso número, carteira code) and
// the layout versions it accepts.
type Bank struct {
	Code         string // G001
	Name         string // G014, as the bank spells it
	FileVersion  string // G019
	BatchVersion string // G030
	convenio     func(Beneficiary) (string, error)
	nossoNumero  func(Beneficiary, string) (string, error)
	carteiraCode func(Beneficiary) (string, error)
}

// BankFor returns the variant of a bank whose CNAB 240 cobrança quita
// implements; other banks get an error saying which are supported.
func BankFor(code string) (Bank, error) {
	switch code {
	case "001":
		return bancoDoBrasil, nil
	}
	return Bank{}, fmt.Errorf("CNAB 240 remessa/retorno is implemented for Banco do Brasil (001) only, not bank %q: register these boletos through the bank's own channel, or use a billing provider (asaas, pix_api)", code)
}

// bancoDoBrasil follows "Particularidades BB — Leiaute CNAB 240",
// julho/2011: file layout 084 with batch layout 043 (07.1: "para utilizar
// 043 no lote o Header do arquivo deve conter 084").
var bancoDoBrasil = Bank{
	Code: "001", Name: "BANCO DO BRASIL S.A.", FileVersion: "084", BatchVersion: "043",
	convenio: bbConvenio, nossoNumero: bbNossoNumero, carteiraCode: bbCarteira,
}

// bbConvenio is fields 07.0/11.1 as BB divides them: convênio (9, zero
// padded), "0014" (cobrança cedente), carteira (2), variação (3), two blanks.
func bbConvenio(b Beneficiary) (string, error) {
	conv := strings.TrimSpace(b.Convenio)
	if conv == "" || len(conv) > 9 || digitsOf(conv) != conv {
		return "", fmt.Errorf("Banco do Brasil: convênio %q must be the digits of the cobrança contract (boleto: convenio)", b.Convenio)
	}
	cart := strings.TrimSpace(b.Carteira)
	if len(cart) != 2 || digitsOf(cart) != cart {
		return "", fmt.Errorf("Banco do Brasil: carteira %q must be 2 digits, e.g. 17 (boleto: carteira)", b.Carteira)
	}
	v := strings.TrimSpace(b.Variacao)
	if len(v) != 3 || digitsOf(v) != v {
		return "", fmt.Errorf("Banco do Brasil: variação da carteira %q must be 3 digits, e.g. 019, as in the cobrança contract (boleto: variacao)", b.Variacao)
	}
	return strings.Repeat("0", 9-len(conv)) + conv + "0014" + cart + v + "  ", nil
}

// bbNossoNumero is field 13.3P for a 7-digit convênio: the 17 digits the
// boleto prints (convênio + 10-digit sequence, no DV), left-aligned.
func bbNossoNumero(b Beneficiary, nn string) (string, error) {
	conv := strings.TrimSpace(b.Convenio)
	if len(conv) != 7 {
		return "", fmt.Errorf("Banco do Brasil: only 7-digit convênios are supported (nosso número of 17 digits), got %q", b.Convenio)
	}
	if len(nn) != 17 || digitsOf(nn) != nn || !strings.HasPrefix(nn, conv) {
		return "", fmt.Errorf("Banco do Brasil: nosso número %q must be the convênio %s followed by 10 digits", nn, conv)
	}
	return nn, nil
}

// bbCarteira is C006 as BB reads it (14.3P): 7 for carteira 17 simples, 1
// for carteiras 11 and 12 simples.
func bbCarteira(b Beneficiary) (string, error) {
	switch strings.TrimSpace(b.Carteira) {
	case "17":
		return "7", nil
	case "11", "12":
		return "1", nil
	}
	return "", fmt.Errorf("Banco do Brasil: carteira %q is not one quita registers (17, or 11/12 simples)", b.Carteira)
}
