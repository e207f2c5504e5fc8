package asaas_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/asaas"
	"github.com/quita-bot/quita/billing/asaas/asaastest"
	"github.com/quita-bot/quita/payments"
)

const testKey = "$aact_test_Zk9s3cr3tK3y_never_shown"

var today = time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)

func setup(t *testing.T) (*asaastest.Server, *asaas.Client) {
	t.Helper()
	fake := asaastest.New(t, testKey)
	fake.SetToday(func() time.Time { return today })
	c, err := asaas.New(asaas.Config{APIURL: fake.APIURL(), APIKey: testKey}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fake, c
}

func request(kind payments.ChargeKind, chargeID string) payments.ChargeRequest {
	return payments.ChargeRequest{
		ChargeID: chargeID, CreditorID: "loja", DebtID: "debt-1", Kind: kind,
		AmountCents: 15050, DueDate: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC),
		FinePercent: 2, MonthlyInterest: 1, Description: "Fatura 123",
		Payer:    payments.Payer{Name: "Maria da Silva", CPF: "529.982.247-25", Email: "maria@example.com", Phone: "+5511987654321"},
		IssuedOn: today,
	}
}

func jsonOf(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %s: %v", b, err)
	}
	return m
}

func sameJSON(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	g, _ := json.Marshal(jsonOf(t, got))
	w, _ := json.Marshal(jsonOf(t, []byte(want)))
	if string(g) != string(w) {
		t.Errorf("%s on the wire:\n got %s\nwant %s", what, g, w)
	}
}

func TestIssueCreatesCustomerOnceThenFindsIt(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	if _, err := c.Issue(ctx, request(payments.KindBoleto, "CHG0000000000000000000000001")); err != nil {
		t.Fatal(err)
	}
	posts := fake.CallsTo("POST", "/customers")
	if len(posts) != 1 {
		t.Fatalf("POST /customers %d times, want 1", len(posts))
	}
	sameJSON(t, "POST /customers", posts[0].Body,
		`{"name":"Maria da Silva","cpfCnpj":"52998224725","email":"maria@example.com","mobilePhone":"11987654321"}`)
	if got := fake.CallsTo("GET", "/customers")[0].Query.Get("cpfCnpj"); got != "52998224725" {
		t.Errorf("GET /customers?cpfCnpj=%q, want the CPF's digits", got)
	}

	// A new process (no memory of the customer) finds it by CPF.
	c2, _ := asaas.New(asaas.Config{APIURL: fake.APIURL(), APIKey: testKey}, nil)
	if _, err := c2.Issue(ctx, request(payments.KindPix, "CHG0000000000000000000000002")); err != nil {
		t.Fatal(err)
	}
	if n := len(fake.CallsTo("POST", "/customers")); n != 1 {
		t.Errorf("POST /customers %d times after a second charge, want 1 (found by cpfCnpj)", n)
	}
	if cs := fake.Customers(); len(cs) != 1 {
		t.Errorf("%d customers at Asaas, want 1", len(cs))
	}
	ps := fake.Payments()
	if len(ps) != 2 || ps[0].Customer != ps[1].Customer {
		t.Errorf("payments %+v: want two for one customer", ps)
	}
}

func TestIssueSendsDocumentedPaymentFields(t *testing.T) {
	fake, c := setup(t)
	req := request(payments.KindBoleto, "CHG0000000000000000000000003")
	req.DiscountCents = 1000
	ch, err := c.Issue(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	posts := fake.CallsTo("POST", "/payments")
	if len(posts) != 1 {
		t.Fatalf("POST /payments %d times", len(posts))
	}
	cus := fake.Customers()[0].ID
	// PaymentSaveRequestDTO: value is what is due before the discount, so
	// that the debtor pays AmountCents (150.50) on time.
	sameJSON(t, "POST /payments", posts[0].Body, `{"customer":"`+cus+`","billingType":"BOLETO","value":160.5,
		"dueDate":"2026-12-20","description":"Fatura 123","externalReference":"CHG0000000000000000000000003",
		"discount":{"value":10,"dueDateLimitDays":0,"type":"FIXED"},"interest":{"value":1},"fine":{"value":2,"type":"PERCENTAGE"}}`)
	for _, call := range fake.Calls() {
		if call.Header.Get("access_token") != testKey || call.Header.Get("User-Agent") != asaas.UserAgent {
			t.Errorf("%s %s: access_token/User-Agent headers missing", call.Method, call.Path)
		}
		if call.Method == "GET" && len(call.Body) > 0 {
			t.Errorf("GET %s carried a body", call.Path)
		}
	}
	p, _ := fake.Payment(ch.ProviderID)
	if ch.Provider != "asaas" || !strings.HasPrefix(ch.ProviderID, "pay_") || ch.State != payments.ChargeRegistered ||
		ch.AmountCents != 15050 || ch.PDFURL == "" || ch.PDFURL != *p.BankSlipURL || ch.DueDate.Format(time.DateOnly) != "2026-12-20" {
		t.Errorf("charge %+v", ch)
	}
}

func TestIssueIsIdempotentByExternalReference(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	req := request(payments.KindHybrid, "CHG0000000000000000000000004")
	first, err := c.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if first.ProviderID != again.ProviderID || first.Linha != again.Linha || first.PixPayload != again.PixPayload {
		t.Errorf("second issue %+v differs from the first %+v", again, first)
	}
	if n := len(fake.CallsTo("POST", "/payments")); n != 1 {
		t.Errorf("POST /payments %d times for one charge id, want 1", n)
	}
	if q := fake.CallsTo("GET", "/payments")[0].Query.Get("externalReference"); q != req.ChargeID {
		t.Errorf("looked up externalReference %q", q)
	}
	// A cancelled charge is not reused: issuing it again registers a new one.
	if err := c.Cancel(ctx, first.ProviderID); err != nil {
		t.Fatal(err)
	}
	third, err := c.Issue(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if third.ProviderID == first.ProviderID {
		t.Error("a deleted payment was reused")
	}
}

func TestHybridGivesLinhaAndPixPayload(t *testing.T) {
	fake, c := setup(t)
	ch, err := c.Issue(context.Background(), request(payments.KindHybrid, "CHG0000000000000000000000005"))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Kind != payments.KindHybrid || ch.Linha == "" || ch.PixPayload == "" {
		t.Fatalf("hybrid charge %+v: want both a linha and a PIX payload", ch)
	}
	parsed, err := payments.ParseBoleto(ch.Linha, today)
	if err != nil {
		t.Fatalf("linha %s: %v", ch.Linha, err)
	}
	bc, _ := payments.LinhaToBarcode(ch.Linha)
	if parsed.AmountCents != 15050 || bc != ch.Barcode {
		t.Errorf("linha %s reads %+v, barcode %s vs %s", ch.Linha, parsed, bc, ch.Barcode)
	}
	pix, err := payments.ParsePix(ch.PixPayload)
	if err != nil || pix.AmountCents != 15050 {
		t.Errorf("PIX payload %s: %+v %v", ch.PixPayload, pix, err)
	}
	if len(fake.CallsTo("GET", "/payments/"+ch.ProviderID+"/identificationField")) != 1 ||
		len(fake.CallsTo("GET", "/payments/"+ch.ProviderID+"/pixQrCode")) != 1 {
		t.Error("want one identificationField and one pixQrCode call")
	}
}

func TestKindsAskOnlyForTheirDocuments(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	b, err := c.Issue(ctx, request(payments.KindBoleto, "CHG0000000000000000000000006"))
	if err != nil {
		t.Fatal(err)
	}
	if b.Linha == "" || b.PixPayload != "" || len(fake.CallsTo("GET", "/payments/"+b.ProviderID+"/pixQrCode")) != 0 {
		t.Errorf("boleto %+v: a linha and no PIX call", b)
	}
	p, err := c.Issue(ctx, request(payments.KindPix, "CHG0000000000000000000000007"))
	if err != nil {
		t.Fatal(err)
	}
	if p.PixPayload == "" || p.Linha != "" || len(fake.CallsTo("GET", "/payments/"+p.ProviderID+"/identificationField")) != 0 {
		t.Errorf("pix %+v: a payload and no identificationField call", p)
	}
	if got := jsonOf(t, fake.CallsTo("POST", "/payments")[1].Body)["billingType"]; got != "PIX" {
		t.Errorf("billingType %v for a PIX", got)
	}
}

func TestHybridWithoutPixKeyIsABoleto(t *testing.T) {
	fake, c := setup(t)
	fake.WithoutPixKey()
	ch, err := c.Issue(context.Background(), request(payments.KindHybrid, "CHG0000000000000000000000008"))
	if err != nil {
		t.Fatal(err)
	}
	if ch.Kind != payments.KindBoleto || ch.Linha == "" || ch.PixPayload != "" {
		t.Errorf("charge %+v: want a plain boleto", ch)
	}
}

func TestIssueRefusesWhatAsaasWould(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	req := request(payments.KindBoleto, "CHG0000000000000000000000009")
	req.Payer.CPF = ""
	if _, err := c.Issue(ctx, req); err == nil || !strings.Contains(err.Error(), "CPF") {
		t.Errorf("no CPF: %v", err)
	}
	if len(fake.Calls()) != 0 {
		t.Error("a request that cannot succeed reached Asaas")
	}
	req = request(payments.KindBoleto, "CHG0000000000000000000000010")
	req.DueDate = today.AddDate(0, 0, -3)
	_, err := c.Issue(ctx, req)
	var ae *asaas.APIError
	if !errors.As(err, &ae) || ae.Status != 400 || !ae.HasCode("invalid_dueDate") {
		t.Fatalf("past due date: %v", err)
	}
	if !strings.Contains(err.Error(), "invalid_dueDate") || !strings.Contains(err.Error(), "POST /payments") {
		t.Errorf("error %q: want Asaas's code and the call", err)
	}
}

func TestCancel(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	ch, err := c.Issue(ctx, request(payments.KindBoleto, "CHG0000000000000000000000011"))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx, ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	if p, _ := fake.Payment(ch.ProviderID); !p.Deleted {
		t.Error("payment not deleted at Asaas")
	}
	if len(fake.CallsTo("DELETE", "/payments/"+ch.ProviderID)) != 1 {
		t.Error("no DELETE /payments/{id}")
	}
	if err := c.Cancel(ctx, ch.ProviderID); err != nil {
		t.Errorf("cancelling twice: %v", err)
	}
	if err := c.Cancel(ctx, "pay_999999999999"); err != nil {
		t.Errorf("cancelling one Asaas does not have: %v", err)
	}
	st, err := c.Lookup(ctx, ch.ProviderID)
	if err != nil || st.State != payments.ChargeCancelled {
		t.Errorf("lookup after cancel: %+v %v", st, err)
	}
	paid, _ := c.Issue(ctx, request(payments.KindBoleto, "CHG0000000000000000000000012"))
	if _, err := fake.MarkPaid(paid.ProviderID); err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(ctx, paid.ProviderID); err == nil {
		t.Error("cancelling a paid payment succeeded")
	}
}

func TestLookupStates(t *testing.T) {
	fake, c := setup(t)
	ctx := context.Background()
	ch, err := c.Issue(ctx, request(payments.KindPix, "CHG0000000000000000000000013"))
	if err != nil {
		t.Fatal(err)
	}
	state := func(want string, wantPayments int) payments.ChargeStatus {
		t.Helper()
		st, err := c.Lookup(ctx, ch.ProviderID)
		if err != nil || st.State != want || len(st.Payments) != wantPayments || st.ProviderID != ch.ProviderID {
			t.Fatalf("lookup: %+v %v, want %s with %d payments", st, err, want, wantPayments)
		}
		return st
	}
	state(payments.ChargeRegistered, 0)
	if _, err := fake.MarkOverdue(ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	state(payments.ChargeOverdue, 0)
	if _, err := fake.MarkPaidValue(ch.ProviderID, 15351); err != nil { // late, with interest and fine
		t.Fatal(err)
	}
	st := state(payments.ChargePaid, 1)
	want := payments.Payment{ID: ch.ProviderID, Provider: "asaas", ChargeID: ch.ChargeID, ProviderID: ch.ProviderID,
		Event: payments.PaymentReceived, AmountCents: 15351}
	got := st.Payments[0]
	if got.At.IsZero() || got.At.In(time.FixedZone("", -3*3600)).Format(time.DateOnly) != "2026-12-07" {
		t.Errorf("paid at %v", got.At)
	}
	got.At = time.Time{}
	if got != want {
		t.Errorf("payment %+v, want %+v", got, want)
	}
	if _, err := fake.Refund(ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	st = state(payments.ChargeRefunded, 2)
	if st.Payments[0].Event != payments.PaymentReceived || st.Payments[1].Event != payments.PaymentRefunded || st.Payments[1].AmountCents != 15351 {
		t.Errorf("refunded: %+v", st.Payments)
	}
	if _, err := c.Lookup(ctx, "pay_999999999999"); !errors.Is(err, payments.ErrUnknownCharge) {
		t.Errorf("unknown payment: %v", err)
	}
}

func TestConfirmedCountsAsPaid(t *testing.T) {
	fake, c := setup(t)
	ch, _ := c.Issue(context.Background(), request(payments.KindPix, "CHG0000000000000000000000014"))
	if _, err := fake.MarkConfirmed(ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	st, err := c.Lookup(context.Background(), ch.ProviderID)
	if err != nil || st.State != payments.ChargePaid || len(st.Payments) != 1 || st.Payments[0].AmountCents != 15050 {
		t.Errorf("confirmed: %+v %v", st, err)
	}
}
