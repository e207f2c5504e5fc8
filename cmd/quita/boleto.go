package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/quita-bot/quita/payments"
)

func init() {
	register(command{name: "boleto", summary: "generate a boleto (JSON, optional PDF) or check a linha digitável", run: func(_ context.Context, args []string) error {
		return runBoleto(args, os.Stdout, os.Stderr, time.Now())
	}})
}

// boletoOut is the JSON `quita boleto` prints; its field names are a contract.
type boletoOut struct {
	Bank  string `json:"bank"`
	Code  string `json:"barcode"`
	Linha string `json:"linha_digitavel"`
	Due   string `json:"due_date"`
	Value string `json:"amount"`
}

// boletoParsedOut is the JSON `quita boleto --parse` prints.
type boletoParsedOut struct {
	Bank       string            `json:"bank"`
	BankName   string            `json:"bank_name,omitempty"`
	Barcode    string            `json:"barcode"`
	Linha      string            `json:"linha_digitavel"`
	Due        *string           `json:"due_date"` // null: no due date (factor 0000)
	Factor     int               `json:"factor"`
	Amount     string            `json:"amount"`
	CampoLivre string            `json:"campo_livre"`
	Fields     map[string]string `json:"fields,omitempty"`
	Warning    string            `json:"warning,omitempty"`
}

func runBoleto(args []string, stdout, stderr io.Writer, now time.Time) error {
	fs := flag.NewFlagSet("boleto", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		acct                        payments.Account
		nossoNumero, amount, due    string
		pdfPath, parse, ref         string
		payerName, payerCPF, docNum string
	)
	fs.StringVar(&acct.Bank, "bank", "", "bank code: 001, 033, 104, 237 or 341")
	fs.StringVar(&acct.Agency, "agency", "", "agência, without its digit")
	fs.StringVar(&acct.Account, "account", "", "conta, without its digit")
	fs.StringVar(&acct.Carteira, "carteira", "", "carteira (wallet)")
	fs.StringVar(&acct.Convenio, "convenio", "", "convênio (Banco do Brasil: 7 digits)")
	fs.StringVar(&acct.BeneficiaryCode, "beneficiary-code", "", "código do beneficiário (Caixa: 6 digits, Santander: 7)")
	fs.StringVar(&nossoNumero, "nosso-numero", "", "nosso número, without its check digit")
	fs.StringVar(&amount, "amount", "", "amount in reais: 150.00 or 1.250,50")
	fs.StringVar(&due, "due", "", "due date, YYYY-MM-DD")
	fs.StringVar(&pdfPath, "pdf", "", "also write the boleto as a PDF to this file")
	fs.StringVar(&acct.BeneficiaryName, "beneficiary-name", "", "beneficiary's name, for the PDF")
	fs.StringVar(&acct.CNPJ, "cnpj", "", "beneficiary's CNPJ, for the PDF")
	fs.StringVar(&acct.Address, "address", "", "beneficiary's address, for the PDF")
	fs.StringVar(&payerName, "payer-name", "", "payer's name, for the PDF")
	fs.StringVar(&payerCPF, "payer-cpf", "", "payer's CPF, printed masked in the PDF")
	fs.StringVar(&docNum, "document", "", "document (invoice) number, for the PDF")
	fs.StringVar(&parse, "parse", "", "check and decode a linha digitável or barcode instead")
	fs.StringVar(&ref, "ref", "", "with --parse: the date the due-date factor is read near (default today), YYYY-MM-DD")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage:
  quita boleto --bank 341 --agency 1234 --account 12345 --carteira 109 --nosso-numero 12345678 --amount 150.00 --due 2026-12-10 [--pdf out.pdf]
  quita boleto --parse "34191.09008 00015.710296 30132.800001 9 43950000002980"

Prints {"bank","barcode","linha_digitavel","due_date","amount"} as JSON, or with --parse
the decoded fields; a wrong check digit is an error that names it (exit 1).

What each bank needs:
`+payments.BankHelp()+`
Flags:
`)
		fs.PrintDefaults()
	}
	if help, err := parseFlags(fs, args); help || err != nil {
		return err
	}
	if parse != "" {
		refDate := now
		if ref != "" {
			d, err := time.Parse(time.DateOnly, ref)
			if err != nil {
				return fmt.Errorf("--ref %q: use YYYY-MM-DD", ref)
			}
			refDate = d
		}
		p, err := payments.ParseBoleto(parse, refDate)
		if err != nil {
			return err
		}
		out := boletoParsedOut{Bank: p.Bank, BankName: p.BankName, Barcode: p.Barcode, Linha: p.Linha, Factor: p.Factor,
			Amount: payments.FormatAmount(p.AmountCents), CampoLivre: p.CampoLivre, Fields: p.Fields, Warning: p.Warning}
		if !p.DueDate.IsZero() {
			s := p.DueDate.Format(time.DateOnly)
			out.Due = &s
		}
		return emitJSON(stdout, out)
	}
	if acct.Bank == "" || nossoNumero == "" || amount == "" || due == "" {
		return errors.New("--bank, --nosso-numero, --amount and --due are required (see quita boleto -h)")
	}
	cents, err := payments.ParseAmount(amount)
	if err != nil {
		return fmt.Errorf("--amount: %w", err)
	}
	dueDate, err := time.Parse(time.DateOnly, due)
	if err != nil {
		return fmt.Errorf("--due %q: use YYYY-MM-DD", due)
	}
	b, err := payments.NewBoleto(acct, nossoNumero, cents, dueDate)
	if err != nil {
		return err
	}
	if pdfPath != "" {
		pdf, err := payments.BoletoPDF(payments.BoletoDocument{
			Boleto: b, Beneficiary: acct, PayerName: payerName, PayerCPF: payerCPF,
			DocumentNumber: docNum, DocumentDate: now, ProcessingDate: now,
		})
		if err != nil {
			return err
		}
		if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
			return fmt.Errorf("--pdf: %w", err)
		}
	}
	return emitJSON(stdout, boletoOut{Bank: b.Bank, Code: b.Barcode, Linha: b.Linha, Due: b.DueDate.Format(time.DateOnly), Value: payments.FormatAmount(b.AmountCents)})
}

// emitJSON prints v as one line of JSON.
func emitJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
