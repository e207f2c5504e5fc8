package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/payments"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
	"github.com/quita-bot/quita/storage/redistest"
)

// seedRecovery archives two debts of loja: one reminded twice (D-3/a by
// WhatsApp R$0.04, D+1/b by SMS R$0.14) and paid R$100 by a charge two
// days after D+1; one reminded once (D-3/a, R$0.04) and never paid.
func seedRecovery(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	db, err := archive.Open(ctx, url, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	b := &archive.Batch{}
	for i, d := range []dialogs.Debt{{ID: "d1", AmountCents: 10000}, {ID: "d2", AmountCents: 30000}} {
		d.CreditorID, d.DebtorID, d.Status = "loja", "p"+d.ID, dialogs.DebtOpen
		b.Debts = append(b.Debts, archive.DebtRow{Debt: d})
		conv := "+551190000000" + string(rune('1'+i))
		b.Conversations = append(b.Conversations, archive.ConversationRow{ID: conv, DebtorID: d.DebtorID, LastAt: at})
		steps := []storage.Message{{Step: "D-3", Variant: "a", Channel: "whatsapp", At: at, CostMicros: 40000}}
		if d.ID == "d1" {
			steps = append(steps, storage.Message{Step: "D+1", Variant: "b", Channel: "sms", At: at.Add(4 * 24 * time.Hour), CostMicros: 140000})
		}
		for n, m := range steps {
			m.ID, m.Conversation, m.Direction, m.Origin, m.Status, m.DebtID, m.CostCurrency, m.Text =
				conv+string(rune('a'+n)), conv, storage.Out, "reminder", "delivered", d.ID, "BRL", "Olá"
			raw, _ := json.Marshal(m)
			b.Messages = append(b.Messages, archive.MessageRow{Seq: n, Raw: string(raw), Msg: m})
		}
	}
	b.Payments = []storage.PaymentRecord{{ID: "asaas:pay_1:received", ChargeID: "c1", DebtID: "d1", Provider: "asaas",
		Event: payments.PaymentReceived, Kind: "pix", AmountCents: 10000, At: at.Add(6 * 24 * time.Hour)}}
	if err := db.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
}

func TestReportRecoveryCommand(t *testing.T) {
	for _, d := range []archive.Dialect{archive.SQLite, archive.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			url := archivetest.URL(t, d)
			seedRecovery(t, url)
			t.Setenv("QUITA_ARCHIVE_URL", url)
			run := func(args ...string) (string, error) {
				var out, errb bytes.Buffer
				err := reportMain(context.Background(), append([]string{"recovery"}, args...), &out, &errb)
				return out.String(), err
			}
			out, err := run()
			if err != nil {
				t.Fatal(err)
			}
			// 2 contacted, R$400 owed, R$100 back (25%), 6 days to pay,
			// R$0.22 spent: R$0.11 a debt, R$0.0022 per real.
			total := lineOf(out, "total")
			for _, want := range []string{" 2 ", "R$ 400,00", "R$ 100,00", "25.0%", "6.0", "BRL 0.2200", "BRL 0.1100", "BRL 0.0022"} {
				if !strings.Contains(total, want) {
					t.Errorf("total line %q lacks %q\n%s", total, want, out)
				}
			}
			out, err = run("--by", "step")
			if err != nil {
				t.Fatal(err)
			}
			d3, d1 := lineOf(out, "D-3"), lineOf(out, "D+1")
			if !strings.Contains(d3, "R$ 400,00") || !strings.Contains(d3, "0.0%") || !strings.Contains(d3, "BRL 0.0800") {
				t.Errorf("D-3 row %q\n%s", d3, out)
			}
			if !strings.Contains(d1, "R$ 100,00") || !strings.Contains(d1, "100.0%") || !strings.Contains(d1, "2.0") || !strings.Contains(d1, "BRL 0.1400") {
				t.Errorf("D+1 row %q\n%s", d1, out)
			}
			if strings.Index(out, "D-3") > strings.Index(out, "D+1") {
				t.Errorf("steps out of cadence order:\n%s", out)
			}
			out, err = run("--by", "week", "--json")
			var rep archive.RecoveryReport
			if err != nil || json.Unmarshal([]byte(out), &rep) != nil || len(rep.Rows) != 1 || rep.Rows[0].Group != "2026-03-02" || rep.Rows[0].RecoveredCents != 10000 {
				t.Errorf("by week JSON: %v %s", err, out)
			}
			if out, _ := run("--since", "2026-03-05", "--creditor", "loja"); !strings.Contains(lineOf(out, "total"), " 1 ") {
				t.Errorf("since 5 March only d1's D+1 counts:\n%s", out)
			}
			for _, bad := range []struct{ args, want string }{
				{"--by month", `--by "month": group by step, variant, channel or week`},
				{"--since 01/03/2026", `--since "01/03/2026": write a date as YYYY-MM-DD`},
				{"--creditor acme", `--creditor "acme": the archive holds no debts of it; its creditors are loja`},
				{"--bogus", "flag provided but not defined: -bogus"},
				{"extra", `unexpected argument "extra"`},
			} {
				if _, err := run(strings.Fields(bad.args)...); err == nil || !strings.Contains(err.Error(), bad.want) {
					t.Errorf("%s: err %v, want %q", bad.args, err, bad.want)
				}
			}
		})
	}
}

// lineOf is the first line of out that starts (after padding) with name.
func lineOf(out, name string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), name+" ") {
			return l
		}
	}
	return ""
}

// quita report variants shows each variant's spend from the archive:
// D-3/a reached both debts for R$0.08 in all (R$0.04 each, nothing back);
// D+1/b reached one for R$0.14 and brought R$100 back.
func TestReportVariantsCostColumn(t *testing.T) {
	r := redistest.New(t)
	url := archivetest.URL(t, archive.SQLite)
	seedRecovery(t, url)
	t.Setenv("QUITA_ARCHIVE_URL", url)
	t.Setenv("REDIS_URL", r.URL)
	t.Setenv("QUITA_REDIS_PREFIX", r.Prefix)
	ctx := context.Background()
	st := r.Store()
	for _, v := range [][2]string{{"D-3", "a"}, {"D-3", "a"}, {"D+1", "b"}} {
		if err := st.CountVariantSent(ctx, "loja", v[0], v[1]); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if err := reportMain(ctx, []string{"variants"}, &out, &errb); err != nil {
		t.Fatalf("%v %s", err, errb.String())
	}
	row := func(step string) string {
		for _, l := range strings.Split(out.String(), "\n") {
			if f := strings.Fields(l); len(f) > 2 && f[0] == "loja" && f[1] == step {
				return l
			}
		}
		return ""
	}
	d3, d1 := row("D-3"), row("D+1")
	if !strings.HasSuffix(strings.Join(strings.Fields(d3), " "), "BRL 0.0800 BRL 0.0400 —") {
		t.Errorf("D-3 row %q\n%s", d3, out.String())
	}
	if !strings.HasSuffix(strings.Join(strings.Fields(d1), " "), "BRL 0.1400 BRL 0.1400 BRL 0.0014") {
		t.Errorf("D+1 row %q\n%s", d1, out.String())
	}
}

// quita report sms: one row per language, encoding and kind, each counting
// every message twice (plain and accented values); the SMS forms never
// cost more than the WhatsApp text, and reminders fit one segment in gsm.
func TestReportSMSCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if err := reportMain(context.Background(), []string{"sms", "--json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var got struct{ Rows []smsRow }
	if err := json.Unmarshal(out.Bytes(), &got); err != nil || len(got.Rows) != 12 {
		t.Fatalf("%v: %d rows, want 3 languages × 2 encodings × 2 kinds", err, len(got.Rows))
	}
	for _, r := range got.Rows {
		if r.AfterTotal > r.BeforeTotal || r.Messages == 0 || r.Messages%2 != 0 {
			t.Errorf("%+v", r)
		}
		if r.Kind == "reminder" && r.Encoding == "gsm" && r.AfterMax != 1 {
			t.Errorf("%s gsm reminders reach %d segments", r.Lang, r.AfterMax)
		}
	}
	out.Reset()
	if err := reportMain(context.Background(), []string{"sms"}, &out, &errb); err != nil || !strings.Contains(out.String(), "pt-BR  unicode   reminder") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if err := reportMain(context.Background(), []string{"bogus"}, &out, &errb); err == nil || !strings.Contains(err.Error(), "variants, recovery and sms") {
		t.Fatalf("unknown report: %v", err)
	}
}

// The admin API serves the recovery report from the service's archive, and
// the variants report with its spend; bad queries are the caller's (400).
func TestRecoveryReportAdminAPI(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.AdminToken = "admin-token-for-tests"
	cfg.ArchiveURL = archivetest.URL(t, archive.SQLite)
	seedRecovery(t, cfg.ArchiveURL)
	s, _ := startService(t, cfg)
	if err := s.store.CountVariantSent(context.Background(), "loja", "D+1", "b"); err != nil {
		t.Fatal(err)
	}
	code, rep := adminCall(t, s, "GET", "/api/v1/reports/recovery?creditor=loja&by=step&since=2026-03-01", "")
	rows, _ := rep["rows"].([]any)
	total, _ := rep["total"].(map[string]any)
	if code != 200 || len(rows) != 2 || total["recovered_cents"] != float64(10000) || total["debts_contacted"] != float64(2) {
		t.Fatalf("recovery: %d %v", code, rep)
	}
	for _, bad := range []string{"by=month", "since=ontem", "creditor=acme"} {
		if code, rep := adminCall(t, s, "GET", "/api/v1/reports/recovery?"+bad, ""); code != 400 {
			t.Errorf("%s: %d %v, want 400", bad, code, rep)
		}
	}
	code, rep = adminCall(t, s, "GET", "/api/v1/reports/variants", "")
	vs, _ := rep["variants"].([]any)
	if code != 200 || len(vs) != 1 {
		t.Fatalf("variants: %d %v", code, rep)
	}
	cost, _ := vs[0].(map[string]any)["cost"].(map[string]any)
	if cost["spend_micros"] != float64(140000) || cost["debts_contacted"] != float64(1) {
		t.Fatalf("variant cost: %v", vs[0])
	}
}
