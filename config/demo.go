package config

import "github.com/quita-bot/quita/dialogs"

// DemoCreditorID is the id of the demo creditor.
const DemoCreditorID = "loja-exemplo"

// DemoFile is the creditor file used when QUITA_CONFIG is not set.
func DemoFile() File {
	return File{Creditors: []Creditor{{Creditor: dialogs.Creditor{
		ID: DemoCreditorID, Name: "Loja Exemplo", CNPJ: "12.345.678/0001-95",
		Address: "Rua das Flores, 100, São Paulo - SP", Phone: "+551130000000", Site: "https://loja-exemplo.com.br",
		Verification: "cpf3", BusinessHours: "seg a sex, 9h às 18h", PromiseHorizonDays: 30,
		TipURL: "https://www.bcb.gov.br/cidadaniafinanceira",
	}}}}
}
