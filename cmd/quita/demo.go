package main

import (
	"context"
	"time"

	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
)

func init() { mounts = append(mounts, loadDemo) }

// demoPortfolio is the demo creditor's debtors: fictitious people with valid
// CPF check digits, a first delay, a habitual one and a Spanish speaker.
func demoPortfolio(today time.Time) ([]dialogs.Debtor, []dialogs.Debt) {
	day := func(offset int) string { return today.AddDate(0, 0, offset).Format(time.DateOnly) }
	debtors := []dialogs.Debtor{
		{ID: "demo-ana", Name: "Ana Souza", CPF: "52998224725", BirthDate: "1988-04-12", Phones: []string{"+5511987650001"},
			Language: "pt", TimeZone: "America/Sao_Paulo", Channel: "whatsapp"},
		{ID: "demo-bruno", Name: "Bruno Lima", CPF: "11144477735", BirthDate: "1979-09-30", Phones: []string{"+5511987650002"},
			Language: "pt", TimeZone: "America/Sao_Paulo", Channel: "sms", Delays: 3},
		{ID: "demo-carmen", Name: "Carmen Ruiz", CPF: "12345678909", BirthDate: "1992-01-05", Phones: []string{"+5521987650003"},
			Language: "es", TimeZone: "America/Sao_Paulo", Channel: "whatsapp"},
	}
	debts := []dialogs.Debt{
		{ID: "demo-ana-1", CreditorID: config.DemoCreditorID, DebtorID: "demo-ana", Invoice: "NF-1001", Description: "Geladeira Frost Free, parcela 3/10",
			AmountCents: 35990, DueDate: day(-12), PurchaseDate: day(-100), PaymentMethod: "boleto", Status: dialogs.DebtOpen},
		{ID: "demo-bruno-1", CreditorID: config.DemoCreditorID, DebtorID: "demo-bruno", Invoice: "NF-2042", Description: "Notebook, parcela 5/12",
			AmountCents: 128050, DueDate: day(-45), PurchaseDate: day(-200), PaymentMethod: "boleto", Status: dialogs.DebtOpen},
		{ID: "demo-carmen-1", CreditorID: config.DemoCreditorID, DebtorID: "demo-carmen", Invoice: "NF-3310", Description: "Sofá 3 lugares",
			AmountCents: 89900, DueDate: day(3), PurchaseDate: day(-27), PaymentMethod: "pix", Status: dialogs.DebtOpen},
	}
	return debtors, debts
}

// loadDemo writes the demo portfolio once (QUITA_DEMO, on in embedded mode);
// a restart keeps what the demo changed.
func loadDemo(ctx context.Context, s *service) error {
	if !s.cfg.Demo {
		return nil
	}
	debtors, debts := demoPortfolio(time.Now())
	loaded := 0
	for _, d := range debtors {
		if _, err := s.store.Debtor(ctx, d.ID); err == nil {
			continue // already there from an earlier run
		}
		if err := s.store.SaveDebtor(ctx, d); err != nil {
			return err
		}
		loaded++
		for _, debt := range debts {
			if debt.DebtorID == d.ID {
				if err := s.store.SaveDebt(ctx, debt); err != nil {
					return err
				}
			}
		}
	}
	s.log.Info("demo data ready", "creditor", config.DemoCreditorID, "debtors", len(debtors), "newly_loaded", loaded)
	return nil
}
