package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Each reminder's transcript message names its debt, cadence step and A/B
// variant (the archive's recovery report attributes outcomes and spend by
// them); an answer names none.
func TestReminderMessagesNameTheirDebtStepAndVariant(t *testing.T) {
	h := newSchedHarness(t, nil, local("2026-11-16 00:00"), SchedulerOptions{})
	h.addDebt(dialogs.Debtor{ID: "ana", Name: "Ana", CPF: "52998224725", Phones: []string{anaPhone}, TimeZone: "America/Sao_Paulo"},
		dialogs.Debt{ID: "ana1", Invoice: "NF-1", AmountCents: 10000, DueDate: "2026-11-23"})
	h.until(local("2026-11-23 10:30"), map[time.Time]func(){local("2026-11-23 10:15"): h.say(anaPhone, "oi")})
	msgs, err := h.store.Transcript(context.Background(), anaPhone, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		if m.Direction == storage.Out {
			got = append(got, fmt.Sprintf("%s debt=%s step=%s variant=%s", m.Origin, m.DebtID, m.Step, m.Variant))
		}
	}
	want := []string{
		"reminder debt=ana1 step=D-3 variant=" + AssignVariant("ana", "D-3", []string{"a", "b"}),
		"reminder debt=ana1 step=D0 variant=a",
		"reply debt= step= variant=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("outbound messages:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
