package payments

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestLocalProvider(t *testing.T) {
	var prov PaymentProvider = &Local{
		Account: Account{Bank: "341", Agency: "1234", Account: "12345", Carteira: "109", BeneficiaryName: "Loja Exemplo", CNPJ: "12345678000195"},
		PixKey:  "12345678000195", PixCity: "São Paulo",
	}
	ctx := context.Background()
	c, err := prov.IssueBoleto(ctx, BoletoRequest{NossoNumero: "55", AmountCents: 9990, DueDate: day("2026-12-10"), PayerName: "Ana", PayerCPF: "12345678909", IssuedOn: day("2026-12-01"), WithPDF: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Boleto == nil || !bytes.HasPrefix(c.PDF, []byte("%PDF")) || c.AmountCents != 9990 {
		t.Fatalf("%+v", c)
	}
	px, err := prov.IssuePix(ctx, PixRequest{TxID: "ACORDO1P1", AmountCents: 9990, QRSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := ParsePix(px.PixPayload); err != nil || p.Name != "LOJA EXEMPLO" || p.TxID != "ACORDO1P1" || len(px.QRPNG) == 0 {
		t.Fatalf("%+v %v", p, err)
	}
	st, err := prov.LookupPayment(ctx, c.ID)
	if err != nil || st.Status != PaymentPending {
		t.Fatalf("%+v %v", st, err)
	}
	if err := prov.(*Local).MarkPaid(c.ID, 9990, day("2026-12-09")); err != nil {
		t.Fatal(err)
	}
	if st, _ := prov.LookupPayment(ctx, c.ID); st.Status != PaymentPaid || st.PaidCents != 9990 {
		t.Errorf("%+v", st)
	}
	if _, err := prov.LookupPayment(ctx, "boleto:nope"); !errors.Is(err, ErrUnknownCharge) {
		t.Errorf("got %v", err)
	}
}
