package payments

import (
	"fmt"
	"sort"
	"strings"
)

// Account is the beneficiary's (cedente's) bank account and identity, as
// printed on the boleto. Which numbers a bank needs is in BankHelp.
type Account struct {
	Bank     string `json:"bank" yaml:"bank"`                   // 3-digit FEBRABAN code
	Agency   string `json:"agency,omitempty" yaml:"agency"`     // agência, without its digit
	Account  string `json:"account,omitempty" yaml:"account"`   // conta, without its digit
	Carteira string `json:"carteira,omitempty" yaml:"carteira"` // wallet / modality
	Convenio string `json:"convenio,omitempty" yaml:"convenio"` // Banco do Brasil convênio
	// AgencyDigit, AccountDigit and Variacao are what a CNAB 240 remessa
	// also needs (header fields 09.0, 11.0; BB's variação da carteira in 07.0).
	AgencyDigit     string `json:"agency_digit,omitempty" yaml:"agency_digit"`         // DV da agência ("X" allowed)
	AccountDigit    string `json:"account_digit,omitempty" yaml:"account_digit"`       // DV da conta ("X" allowed)
	Variacao        string `json:"variacao,omitempty" yaml:"variacao"`                 // Banco do Brasil: variação da carteira (3 digits, e.g. 019)
	BeneficiaryCode string `json:"beneficiary_code,omitempty" yaml:"beneficiary_code"` // código do beneficiário (Caixa, Santander)
	BeneficiaryName string `json:"beneficiary_name,omitempty" yaml:"beneficiary_name"` // razão social
	CNPJ            string `json:"cnpj,omitempty" yaml:"cnpj"`                         // digits or formatted
	Address         string `json:"address,omitempty" yaml:"address"`                   // CDC art. 42-A
	// Example marks a made-up account (the demo's, the example file's): the
	// configuration refuses it everywhere outside embedded demo mode.
	Example bool `json:"example,omitempty" yaml:"example"`
}

// bankSpec is one bank's campo livre layout.
type bankSpec struct {
	Code  string
	Digit string // the bank code's own check digit, printed as 341-7
	Name  string
	Help  string // the flags/fields this bank needs
	// campo builds the 25-digit campo livre, the nosso número as printed and
	// the "agência / código do beneficiário" box.
	campo func(a Account, nn string) (campoLivre, nossoNumero, agencyCode string, err error)
	// decode reads a campo livre back, checking the bank's own digits.
	decode func(cl string) (map[string]string, error)
}

var banks = map[string]bankSpec{
	"001": {Code: "001", Digit: "9", Name: "Banco do Brasil",
		Help:  "--convenio (7 digits), --carteira (2 digits, e.g. 17 or 18), --nosso-numero (up to 10 digits); --agency/--account are printed only",
		campo: bbCampo, decode: bbDecode},
	"341": {Code: "341", Digit: "7", Name: "Itaú",
		Help:  "--agency (4 digits), --account (5 digits, no digit), --carteira (3 digits, e.g. 109), --nosso-numero (up to 8 digits)",
		campo: itauCampo, decode: itauDecode},
	"237": {Code: "237", Digit: "2", Name: "Bradesco",
		Help:  "--agency (4 digits), --account (up to 7 digits, no digit), --carteira (2 digits, e.g. 09), --nosso-numero (up to 11 digits)",
		campo: bradescoCampo, decode: bradescoDecode},
	"104": {Code: "104", Digit: "0", Name: "Caixa Econômica Federal",
		Help:  "SIGCB: --beneficiary-code (6 digits), --carteira (1 registrada, default; 2 sem registro), --nosso-numero (up to 15 digits); --agency is printed only",
		campo: caixaCampo, decode: caixaDecode},
	"033": {Code: "033", Digit: "7", Name: "Santander",
		Help:  "--beneficiary-code (7 digits, código do beneficiário), --carteira (3 digits, default 101), --nosso-numero (up to 12 digits); --agency is printed only",
		campo: santanderCampo, decode: santanderDecode},
}

// BankName returns the name of a bank we know, or "" for others.
func BankName(code string) string { return banks[code].Name }

// BankHelp describes, bank by bank, which account numbers NewBoleto needs.
func BankHelp() string {
	codes := make([]string, 0, len(banks))
	for c := range banks {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	var b strings.Builder
	for _, c := range codes {
		fmt.Fprintf(&b, "  %s %s: %s\n", c, banks[c].Name, banks[c].Help)
	}
	return b.String()
}

// digitsN checks that s is at most n digits and left-pads it with zeros.
func digitsN(field, s string, n int) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%s is required", field)
	}
	if !isDigits(s) {
		return "", fmt.Errorf("%s %q must be digits only", field, s)
	}
	if len(s) > n {
		return "", fmt.Errorf("%s %q has more than %d digits", field, s, n)
	}
	return strings.Repeat("0", n-len(s)) + s, nil
}

func digitChar(d int) string { return string(rune('0' + d)) }

// Banco do Brasil, convênio de 7 posições (carteiras 17/18): campo livre =
// 000000 + nosso número (convênio 7 + sequencial 10) + carteira 2. With a
// 7-digit convênio the nosso número has no check digit. (BB "Especificações
// do boleto", layout for 7-digit convênio.)
func bbCampo(a Account, nn string) (string, string, string, error) {
	conv := strings.TrimSpace(a.Convenio)
	if len(conv) != 7 || !isDigits(conv) {
		return "", "", "", fmt.Errorf("Banco do Brasil: convênio %q must be 7 digits (6- and 4-digit convênios use other layouts)", a.Convenio)
	}
	seq, err := digitsN("Banco do Brasil: nosso número", nn, 10)
	if err != nil {
		return "", "", "", err
	}
	cart, err := digitsN("Banco do Brasil: carteira", a.Carteira, 2)
	if err != nil {
		return "", "", "", err
	}
	return "000000" + conv + seq + cart, conv + seq, agencySlashAccount(a.Agency, a.Account), nil
}

func bbDecode(cl string) (map[string]string, error) {
	if cl[:6] != "000000" {
		return nil, fmt.Errorf("Banco do Brasil: campo livre is not the 7-digit convênio layout")
	}
	return map[string]string{"convenio": cl[6:13], "nosso_numero": cl[6:23], "carteira": cl[23:25]}, nil
}

// itauSimpleDAC lists the carteiras whose nosso-número DAC covers only
// carteira + nosso número (Itaú "Boleto de cobrança", DAC do nosso número).
var itauSimpleDAC = map[string]bool{"126": true, "131": true, "146": true, "150": true, "168": true}

func itauNossoDAC(ag, conta, cart, nn string) int {
	if itauSimpleDAC[cart] {
		return mod10(cart + nn)
	}
	return mod10(ag + conta + cart + nn)
}

// Itaú: campo livre = carteira 3 + nosso número 8 + DAC (modulo 10 of
// agência/conta/carteira/nosso número) + agência 4 + conta 5 + DAC (modulo 10
// of agência/conta) + 000.
func itauCampo(a Account, nn string) (string, string, string, error) {
	ag, err := digitsN("Itaú: agência", a.Agency, 4)
	if err != nil {
		return "", "", "", err
	}
	conta, err := digitsN("Itaú: conta", a.Account, 5)
	if err != nil {
		return "", "", "", err
	}
	cart, err := digitsN("Itaú: carteira", a.Carteira, 3)
	if err != nil {
		return "", "", "", err
	}
	n, err := digitsN("Itaú: nosso número", nn, 8)
	if err != nil {
		return "", "", "", err
	}
	dacNN, dacAC := itauNossoDAC(ag, conta, cart, n), mod10(ag+conta)
	cl := cart + n + digitChar(dacNN) + ag + conta + digitChar(dacAC) + "000"
	return cl, cart + "/" + n + "-" + digitChar(dacNN), ag + "/" + conta + "-" + digitChar(dacAC), nil
}

func itauDecode(cl string) (map[string]string, error) {
	cart, nn, ag, conta := cl[0:3], cl[3:11], cl[12:16], cl[16:21]
	if want := itauNossoDAC(ag, conta, cart, nn); int(cl[11]-'0') != want {
		return nil, fmt.Errorf("Itaú: nosso-número DAC is %c, expected %d", cl[11], want)
	}
	if want := mod10(ag + conta); int(cl[21]-'0') != want {
		return nil, fmt.Errorf("Itaú: agência/conta DAC is %c, expected %d", cl[21], want)
	}
	return map[string]string{"carteira": cart, "nosso_numero": nn + "-" + cl[11:12], "agency": ag, "account": conta + "-" + cl[21:22]}, nil
}

// bradescoNossoDV is modulo 11 base 7 over carteira + nosso número: remainder
// 0 gives 0, remainder 1 gives P, otherwise 11 − remainder.
func bradescoNossoDV(cart, nn string) string {
	switch r := mod11Sum(cart+nn, 7) % 11; r {
	case 0:
		return "0"
	case 1:
		return "P"
	default:
		return digitChar(11 - r)
	}
}

// Bradesco: campo livre = agência 4 + carteira 2 + nosso número 11 + conta 7 + 0.
func bradescoCampo(a Account, nn string) (string, string, string, error) {
	ag, err := digitsN("Bradesco: agência", a.Agency, 4)
	if err != nil {
		return "", "", "", err
	}
	cart, err := digitsN("Bradesco: carteira", a.Carteira, 2)
	if err != nil {
		return "", "", "", err
	}
	n, err := digitsN("Bradesco: nosso número", nn, 11)
	if err != nil {
		return "", "", "", err
	}
	conta, err := digitsN("Bradesco: conta", a.Account, 7)
	if err != nil {
		return "", "", "", err
	}
	return ag + cart + n + conta + "0", cart + "/" + n + "-" + bradescoNossoDV(cart, n), ag + "/" + conta, nil
}

func bradescoDecode(cl string) (map[string]string, error) {
	if cl[24] != '0' {
		return nil, fmt.Errorf("Bradesco: campo livre must end in 0")
	}
	cart, nn := cl[4:6], cl[6:17]
	return map[string]string{"agency": cl[0:4], "carteira": cart, "nosso_numero": nn + "-" + bradescoNossoDV(cart, nn), "account": cl[17:24]}, nil
}

// Caixa SIGCB: the nosso número has 17 digits, carteira (1 registrada, 2 sem
// registro) + 4 (issued by the beneficiary) + 15; campo livre = beneficiário 6
// + DV + NN[3–5] + NN[1] + NN[6–8] + NN[2] + NN[9–17] + DV of the 24 digits
// before it (Caixa "Código de barras SIGCB"). Every DV is modulo 11, weights
// 2–9, 11 − remainder, 0 when above 9.
func caixaCampo(a Account, nn string) (string, string, string, error) {
	code := a.BeneficiaryCode
	if code == "" {
		code = a.Convenio
	}
	ben, err := digitsN("Caixa: código do beneficiário", code, 6)
	if err != nil {
		return "", "", "", err
	}
	cart := strings.TrimSpace(a.Carteira)
	if cart == "" {
		cart = "1"
	}
	if cart != "1" && cart != "2" {
		return "", "", "", fmt.Errorf("Caixa: carteira %q must be 1 (registrada) or 2 (sem registro)", a.Carteira)
	}
	seq, err := digitsN("Caixa: nosso número", nn, 15)
	if err != nil {
		return "", "", "", err
	}
	full := cart + "4" + seq
	dvBen := digitChar(mod11ZeroHigh(ben))
	cl := ben + dvBen + full[2:5] + full[0:1] + full[5:8] + full[1:2] + full[8:17]
	cl += digitChar(mod11ZeroHigh(cl))
	agency := ""
	if a.Agency != "" {
		agency = a.Agency + "/"
	}
	return cl, full + "-" + digitChar(mod11ZeroHigh(full)), agency + ben + "-" + dvBen, nil
}

func caixaDecode(cl string) (map[string]string, error) {
	if want := mod11ZeroHigh(cl[0:6]); int(cl[6]-'0') != want {
		return nil, fmt.Errorf("Caixa: beneficiary-code digit is %c, expected %d", cl[6], want)
	}
	if want := mod11ZeroHigh(cl[:24]); int(cl[24]-'0') != want {
		return nil, fmt.Errorf("Caixa: campo livre digit is %c, expected %d", cl[24], want)
	}
	full := cl[10:11] + cl[14:15] + cl[7:10] + cl[11:14] + cl[15:24]
	return map[string]string{"beneficiary_code": cl[0:6] + "-" + cl[6:7], "nosso_numero": full + "-" + digitChar(mod11ZeroHigh(full)), "carteira": full[0:1]}, nil
}

// Santander: campo livre = 9 + código do beneficiário 7 + nosso número 12 +
// its DV (modulo 11, weights 2–9; remainders 0 and 1 give 0, 10 gives 1) +
// IOF 0 + carteira 3.
func santanderCampo(a Account, nn string) (string, string, string, error) {
	code := a.BeneficiaryCode
	if code == "" {
		code = a.Convenio
	}
	ben, err := digitsN("Santander: código do beneficiário", code, 7)
	if err != nil {
		return "", "", "", err
	}
	cart := strings.TrimSpace(a.Carteira)
	if cart == "" {
		cart = "101"
	}
	if cart, err = digitsN("Santander: carteira", cart, 3); err != nil {
		return "", "", "", err
	}
	n, err := digitsN("Santander: nosso número", nn, 12)
	if err != nil {
		return "", "", "", err
	}
	dv := digitChar(mod11ZeroHigh(n))
	agency := ""
	if a.Agency != "" {
		agency = a.Agency + "/"
	}
	return "9" + ben + n + dv + "0" + cart, n + "-" + dv, agency + ben, nil
}

func santanderDecode(cl string) (map[string]string, error) {
	if cl[0] != '9' {
		return nil, fmt.Errorf("Santander: campo livre must start with 9")
	}
	if want := mod11ZeroHigh(cl[8:20]); int(cl[20]-'0') != want {
		return nil, fmt.Errorf("Santander: nosso-número digit is %c, expected %d", cl[20], want)
	}
	return map[string]string{"beneficiary_code": cl[1:8], "nosso_numero": cl[8:20] + "-" + cl[20:21], "carteira": cl[22:25]}, nil
}

func agencySlashAccount(ag, conta string) string {
	switch {
	case ag == "" && conta == "":
		return ""
	case conta == "":
		return ag
	case ag == "":
		return conta
	}
	return ag + "/" + conta
}
