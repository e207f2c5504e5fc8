package bot

import (
	"context"
	"errors"
	"testing"
)

type fakeCosts map[string]map[string]VariantCost

func (f fakeCosts) VariantCosts(_ context.Context, creditor string) (map[string]VariantCost, error) {
	if creditor == "broken" {
		return nil, errors.New("archive down")
	}
	return f[creditor], nil
}

// Each variant gets the cost of its own creditor, step and variant; one
// the archive has no figures for costs nothing.
func TestAddVariantCosts(t *testing.T) {
	perReal := 0.0035
	src := fakeCosts{"loja": {"D+1/b": {Contacted: 4, RecoveredCents: 10000, SpendMicros: 350000, Currency: "BRL", SpendPerContactedMicros: 87500, SpendPerRealRecovered: &perReal}},
		"outra": {"D+1/b": {Contacted: 9, SpendMicros: 1}}}
	rep := Report{Variants: []VariantReport{{Creditor: "loja", Step: "D+1", Variant: "b"}, {Creditor: "loja", Step: "D+1", Variant: "a"}}}
	if err := AddVariantCosts(context.Background(), &rep, src); err != nil {
		t.Fatal(err)
	}
	b, a := rep.Variants[0].Cost, rep.Variants[1].Cost
	if b == nil || b.Contacted != 4 || b.SpendPerContactedMicros != 87500 || b.SpendPerRealRecovered == nil || *b.SpendPerRealRecovered != perReal {
		t.Errorf("D+1/b cost %+v", b)
	}
	if a == nil || a.Contacted != 0 || a.SpendMicros != 0 {
		t.Errorf("D+1/a cost %+v, want zero", a)
	}
	bad := Report{Variants: []VariantReport{{Creditor: "broken", Step: "D+1", Variant: "a"}}}
	if err := AddVariantCosts(context.Background(), &bad, src); err == nil {
		t.Error("an archive error was swallowed")
	}
}
