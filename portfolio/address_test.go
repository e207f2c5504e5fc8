package portfolio

import (
	"context"
	"strings"
	"testing"

	"github.com/quita-bot/quita/storage/redistest"
)

// The postal address a bank needs for a boleto is all of address, cep,
// city and state, or none; a partial one is refused field by field.
func TestAddressColumns(t *testing.T) {
	base := Row{Line: 2, Creditor: "loja-exemplo", DebtorName: "Ana", CPF: "529.982.247-25", Phone: "11987650001",
		Invoice: "NF-1", Amount: "10", DueDate: "2026-12-10"}
	if _, errs := Validate(base, nil); len(errs) != 0 {
		t.Fatalf("no address: %v", errs)
	}
	part := base
	part.CEP, part.State = "0204", "XX"
	_, errs := Validate(part, nil)
	var fields []string
	for _, e := range errs {
		fields = append(fields, e.Field)
	}
	if strings.Join(fields, ",") != "address,cep,city,state" {
		t.Fatalf("partial address errors %v", errs)
	}
	st := redistest.New(t).Store()
	csv := "credor;nome;cpf;telefone;fatura;valor;vencimento;endereço;bairro;cep;cidade;uf\n" +
		"loja-exemplo;Ana Souza;529.982.247-25;11987650001;NF-1;359,90;2026-11-23;Rua A, 10;Centro;01310-100;São Paulo;sp\n"
	sum, _ := importBytes(t, st, []byte(csv), "a.csv", ReadOptions{})
	if sum.Created != 1 {
		t.Fatalf("import: %+v", sum)
	}
	id, err := st.DebtByInvoice(context.Background(), "loja-exemplo", "NF-1")
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.Debt(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	debtor, err := st.Debtor(context.Background(), d.DebtorID)
	if err != nil || debtor.Address == nil || debtor.Address.Street != "Rua A, 10" || debtor.Address.CEP != "01310100" ||
		debtor.Address.City != "São Paulo" || debtor.Address.State != "SP" || debtor.Address.District != "Centro" {
		t.Fatalf("debtor %+v %v", debtor, err)
	}
}
