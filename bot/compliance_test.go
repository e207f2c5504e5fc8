package bot

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

func TestWindows(t *testing.T) {
	g := &Compliance{Store: redistest.New(t).Store(), Default: PresetBR}
	ctx := context.Background()
	for _, tc := range []struct {
		name, phone, at string
		allow           bool
		reason, retry   string
	}{
		{"SP weekday morning", "+5511987650001", "2026-11-24 08:00", true, "window", ""},
		{"SP before 8", "+5511987650001", "2026-11-24 07:59", false, "window", "2026-11-24 08:00"},
		{"SP after 20", "+5511987650001", "2026-11-24 20:00", false, "window", "2026-11-25 08:00"},
		{"SP Saturday 13:59", "+5511987650001", "2026-11-28 13:59", true, "window", ""},
		{"SP Saturday 14:00", "+5511987650001", "2026-11-28 14:00", false, "window", "2026-11-30 08:00"},
		{"Sunday", "+5511987650001", "2026-11-29 10:00", false, "sunday", "2026-11-30 08:00"},
		{"Consciência Negra", "+5511987650001", "2026-11-20 10:00", false, "holiday", "2026-11-21 08:00"},
		{"Christmas", "+5511987650001", "2026-12-25 10:00", false, "holiday", "2026-12-26 08:00"},
		{"Tiradentes", "+5511987650001", "2027-04-21 10:00", false, "holiday", "2027-04-22 08:00"},
		{"RJ 08:30", "+5521987650001", "2026-11-24 08:30", false, "state_RJ", "2026-11-24 09:00"},
		{"RJ 19:00", "+5521987650001", "2026-11-24 19:00", false, "state_RJ", "2026-11-25 09:00"},
		{"RJ Saturday", "+5521987650001", "2026-11-28 10:00", false, "state_RJ", "2026-11-30 09:00"},
		{"ES 19:00", "+5527987650001", "2026-11-24 19:00", false, "state_ES", "2026-11-25 08:00"},
		{"PR 18:00", "+5541987650001", "2026-11-24 18:00", false, "state_PR", "2026-11-25 08:00"},
		{"PR Saturday 13:00", "+5541987650001", "2026-11-28 13:00", false, "state_PR", "2026-11-30 08:00"},
		{"AL Saturday 13:00", "+5582987650001", "2026-11-28 13:00", true, "window", ""},
		{"AM 19:00 Manaus", "+5592987650001", "2026-11-24 20:00", false, "state_AM", "2026-11-25 09:00"}, // 19:00 in Manaus
		{"MG like SP", "+5531987650001", "2026-11-24 19:59", true, "window", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := g.Decide(ctx, Subject{Phone: tc.phone}, local(tc.at))
			if err != nil {
				t.Fatal(err)
			}
			retry := ""
			if !d.RetryAt.IsZero() {
				retry = d.RetryAt.In(saoPaulo).Format("2006-01-02 15:04")
			}
			if d.Allow != tc.allow || d.Reason != tc.reason || retry != tc.retry {
				t.Fatalf("Decide = allow %v reason %q retry %q; want %v %q %q", d.Allow, d.Reason, retry, tc.allow, tc.reason, tc.retry)
			}
		})
	}
}

// TestRegulationFBlocksEighthAttempt: under the US preset, 7 attempts on a
// debt in 7 days pass and the 8th waits until the first is 7 days old.
func TestRegulationFBlocksEighthAttempt(t *testing.T) {
	st := redistest.New(t).Store()
	ny := mustLoc("America/New_York")
	g := &Compliance{Store: st, Default: PresetBR, Subject: func(ctx context.Context, o storage.Outbound) (Subject, error) {
		return Subject{Phone: o.To, DebtID: "debt-1", TimeZone: "America/New_York"}, nil
	}}
	ctx := context.Background()
	first := time.Date(2026, 11, 2, 9, 0, 0, 0, ny) // a Monday
	attempts := []time.Time{}
	for day := 0; day < 3; day++ { // 3 a day (the daily cap), 8 attempts over three days
		for k := 0; k < 3; k++ {
			attempts = append(attempts, first.AddDate(0, 0, day).Add(time.Duration(k)*2*time.Hour))
		}
	}
	for i, at := range attempts[:8] {
		o := storage.Outbound{Outbound: channels.Outbound{ID: fmt.Sprintf("m%d", i), Channel: channels.SMS, To: "+12125550100",
			Text: "Hi", Origin: "reminder"}, EnqueuedAt: at}
		d, err := g.Check(ctx, o, at)
		if err != nil {
			t.Fatal(err)
		}
		if i < 7 && !d.Allow {
			t.Fatalf("attempt %d at %s refused: %s", i+1, at, d.Reason)
		}
		if i == 7 {
			if d.Allow || d.Reason != "reg_f_7in7" {
				t.Fatalf("8th attempt in 7 days: allow %v reason %q; want refused for reg_f_7in7", d.Allow, d.Reason)
			}
			if want := first.AddDate(0, 0, 7); !d.RetryAt.Equal(want) {
				t.Fatalf("8th attempt retry at %s, want %s (7 days after the first)", d.RetryAt, want)
			}
		}
	}
	// A reply inside the debtor's own conversation is not an attempt.
	reply := storage.Outbound{Outbound: channels.Outbound{ID: "r1", To: "+12125550100", Text: "Sure", Origin: "reply"}, Reply: true}
	if d, _ := g.Check(ctx, reply, attempts[7]); !d.Allow {
		t.Fatalf("reply refused: %s", d.Reason)
	}
	// Outside 08:00–21:00 local, even an allowed count waits.
	late := time.Date(2026, 11, 20, 21, 30, 0, 0, ny)
	if d, _ := g.Decide(ctx, Subject{Phone: "+12125550100", DebtID: "other", TimeZone: "America/New_York"}, late); d.Allow ||
		!d.RetryAt.Equal(time.Date(2026, 11, 21, 8, 0, 0, 0, ny)) {
		t.Fatalf("21:30 in New York: %+v", d)
	}
}

func TestFooterChannelAddsOptOutForUS(t *testing.T) {
	rec := &recordingChannel{name: channels.SMS, clock: time.Now}
	f := FooterChannel{Channel: rec, Gate: &Compliance{Default: PresetBR}}
	ctx := context.Background()
	f.Send(ctx, channels.Outbound{To: "+12125550100", Text: "Your payment is due Friday."})
	f.Send(ctx, channels.Outbound{To: "+5511987650001", Text: "Oi!"})
	got := rec.Sent()
	if got[0].Text != "Your payment is due Friday.\n\nReply STOP to opt out." || got[1].Text != "Oi!" {
		t.Fatalf("texts %q, %q", got[0].Text, got[1].Text)
	}
}

// A creditor's own footer applies to its conversations on any number; the
// conversation is looked up only when some policy could add a footer.
func TestFooterChannelCreditorPolicyAndLookups(t *testing.T) {
	withFooter := PresetBR
	withFooter.OptOutFooter = "Responda SAIR para não receber mais mensagens."
	tests := []struct {
		name        string
		creditors   map[string]Policy
		to, want    string
		wantLookups int
	}{
		{"no policy has a footer: no lookup", nil, "+5511987650001", "Oi!", 0},
		{"US number: lookup, US footer", nil, "+12125550100", "Oi!\n\nReply STOP to opt out.", 1},
		{"creditor footer on a BR number", map[string]Policy{"loja": withFooter}, "+5511987650001", "Oi!\n\n" + withFooter.OptOutFooter, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordingChannel{name: channels.SMS, clock: time.Now}
			lookups := 0
			f := FooterChannel{Channel: rec, Gate: &Compliance{Default: PresetBR, Creditors: tc.creditors},
				Creditor: func(context.Context, string) string { lookups++; return "loja" }}
			if _, err := f.Send(context.Background(), channels.Outbound{To: tc.to, Text: "Oi!"}); err != nil {
				t.Fatal(err)
			}
			if got := rec.Sent()[0].Text; got != tc.want || lookups != tc.wantLookups {
				t.Fatalf("text %q after %d lookups; want %q after %d", got, lookups, tc.want, tc.wantLookups)
			}
		})
	}
}

func TestVariantsAssignmentAndWilson(t *testing.T) {
	if AssignVariant("ana", "D+1", []string{"a", "b"}) != AssignVariant("ana", "D+1", []string{"a", "b"}) {
		t.Fatal("assignment is not deterministic")
	}
	n := map[string]int{}
	for i := 0; i < 1000; i++ {
		n[AssignVariant(fmt.Sprint(i), "D+1", []string{"a", "b"})]++
	}
	if n["a"] < 400 || n["b"] < 400 {
		t.Fatalf("unbalanced split %v", n)
	}
	// Wilson 95% for 10/100: [0.0552, 0.1744] (published tables).
	lo, hi := Wilson(10, 100)
	if fmt.Sprintf("%.4f %.4f", lo, hi) != "0.0552 0.1744" {
		t.Fatalf("Wilson(10,100) = %.4f %.4f", lo, hi)
	}
}

// A message checked (and counted) once, then redelivered after a crash
// before it was sent, must not be held back by its own earlier attempt.
func TestComplianceDoesNotCountAMessageAgainstItself(t *testing.T) {
	r := redistest.New(t)
	st := r.Store()
	daily := PresetBR
	daily.DailyCap = 1
	g := &Compliance{Store: st, Default: daily,
		Subject: func(_ context.Context, o storage.Outbound) (Subject, error) {
			return Subject{Phone: o.To, DebtorID: "d1"}, nil
		}}
	now := time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC) // Thursday 11:00 in São Paulo
	first := storage.Outbound{Outbound: channels.Outbound{ID: "m1", To: "+5511987650001", Text: "lembrete"}}
	for i := 0; i < 2; i++ { // checked, crash, checked again
		d, err := g.Check(context.Background(), first, now)
		if err != nil || !d.Allow {
			t.Fatalf("check %d of the same message = %+v, %v; want allowed", i+1, d, err)
		}
	}
	second := first
	second.ID = "m2"
	if d, _ := g.Check(context.Background(), second, now); d.Allow || d.Reason != "daily_cap" {
		t.Fatalf("another message the same day = %+v, want deferred by the daily cap", d)
	}
}

// The thanks for a payment is a receipt: it goes at 22:30 on a Sunday and
// after the day's reminder used the daily cap, and it is not counted as an
// attempt, so the next morning's reminder is not held back by it.
func TestPaymentReceiptIsNotACollectionAttempt(t *testing.T) {
	st := redistest.New(t).Store()
	sp := mustLoc("America/Sao_Paulo")
	g := &Compliance{Store: st, Default: PresetBR, Subject: func(ctx context.Context, o storage.Outbound) (Subject, error) {
		return Subject{Phone: o.To, DebtID: "debt-1", TimeZone: "America/Sao_Paulo"}, nil
	}}
	ctx := context.Background()
	const phone = "+5511955550101"
	reminder := func(id string, at time.Time) Decision {
		d, err := g.Check(ctx, storage.Outbound{Outbound: channels.Outbound{ID: id, Channel: channels.SMS, To: phone, Text: "Oi", Origin: "reminder"}}, at)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	saturday := time.Date(2026, 11, 28, 9, 0, 0, 0, sp)
	if d := reminder("r1", saturday); !d.Allow {
		t.Fatalf("Saturday 09:00 reminder refused: %+v", d)
	}
	for _, at := range []time.Time{saturday.Add(time.Hour), time.Date(2026, 11, 29, 22, 30, 0, 0, sp)} {
		receipt := storage.Outbound{Outbound: channels.Outbound{ID: "p-" + at.Format("1504"), Channel: channels.SMS, To: phone,
			Text: "Recebemos o seu pagamento", Origin: OriginReceipt}}
		if d, err := g.Check(ctx, receipt, at); err != nil || !d.Allow {
			t.Fatalf("receipt at %s: %+v %v; want sent at once", at, d, err)
		}
	}
	contacts, err := st.ContactsSince(ctx, Subject{Phone: phone, DebtID: "debt-1"}.contactKey(), saturday.Add(-time.Hour))
	if err != nil || len(contacts) != 1 {
		t.Fatalf("contacts recorded %v %v: want only the reminder", contacts, err)
	}
	if d := reminder("r2", time.Date(2026, 11, 30, 9, 0, 0, 0, sp)); !d.Allow {
		t.Fatalf("Monday's reminder held back: %+v", d)
	}
}
