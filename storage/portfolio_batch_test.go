package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage/redistest"
)

// A worker's batch looks up its conversations' debtors together: numbers
// to ids in one round trip, debtors and all their debts in two more.
func TestDebtorsWithDebtsLoadsABatch(t *testing.T) {
	r := redistest.New(t)
	st, ctx := r.Store(), context.Background()
	debtors := []dialogs.Debtor{
		{ID: "ana", Name: "Ana", CPF: "52998224725", Phones: []string{"+5511987650001"}},
		{ID: "bia", Name: "Bia", CPF: "11144477735", Phones: []string{"+5511987650002"}},
	}
	debts := []dialogs.Debt{
		{ID: "d1", DebtorID: "ana", CreditorID: "loja", Invoice: "NF-1", AmountCents: 1000},
		{ID: "d2", DebtorID: "ana", CreditorID: "loja", Invoice: "NF-2", AmountCents: 2000, Status: "paid"},
		{ID: "d3", DebtorID: "bia", CreditorID: "loja", Invoice: "NF-3", AmountCents: 3000},
	}
	for _, d := range debtors {
		if err := st.SaveDebtor(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range debts {
		if err := st.SaveDebt(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	ids, err := st.DebtorIDsByPhone(ctx, []string{"+5511987650002", "+5511900000000", "+5511987650001"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ids) != fmt.Sprint([]string{"bia", "", "ana"}) {
		t.Fatalf("ids = %q", ids)
	}
	recs, err := st.DebtorsWithDebts(ctx, append(ids, "nobody"))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]string, len(recs))
	for i, r := range recs {
		got[i] = fmt.Sprint(r.Found, " ", r.Debtor.Name)
		for _, d := range r.Debts {
			got[i] += fmt.Sprintf(" %s:%d:%s", d.Invoice, d.AmountCents, d.Status)
		}
	}
	want := []string{"true Bia NF-3:3000:open", "false ", "true Ana NF-1:1000:open NF-2:2000:paid", "false "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("records = %q\nwant      %q", got, want)
	}
}
