package archive_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/archive"
	"github.com/quita-bot/quita/storage/archive/archivetest"
)

const (
	subjCPF   = "52998224725"
	subjPhone = "+5511987650001"
	subjName  = "Maria Aparecida Souza"
)

// tableText is every row of every archive table, as text.
func tableText(t *testing.T, db *archive.DB) string {
	t.Helper()
	var b strings.Builder
	for _, tb := range archive.Tables {
		rows, err := db.SQL().QueryContext(context.Background(), `SELECT * FROM `+tb)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s.%v\n", tb, v)
			}
		}
		rows.Close()
	}
	return b.String()
}

func TestSubjectExportThenEraseKeepsTheOptOutRefused(t *testing.T) {
	archivetest.Each(t, func(t *testing.T, db *archive.DB) {
		ctx := context.Background()
		p := newPipeline(t)
		st := p.st
		h, err := storage.NewSubjectHasher([]byte("test-subject-key-0123456789"))
		if err != nil {
			t.Fatal(err)
		}
		st.SetSubjectHasher(h)
		if err := st.SaveDebtor(ctx, dialogs.Debtor{ID: "p1", Name: subjName, CPF: subjCPF, Phones: []string{subjPhone}, Email: "maria@example.com.br"}); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveDebt(ctx, dialogs.Debt{ID: "d1", CreditorID: "acme", DebtorID: "p1", Invoice: "F-1", AmountCents: 12345, DueDate: "2026-11-01"}); err != nil {
			t.Fatal(err)
		}
		p.step(subjPhone, 2, dialogs.Action{Kind: dialogs.ActOptOut, Channel: channels.SMS, Reason: "pare de mandar, sou a " + subjName})
		if err := st.RecordOptOut(ctx, storage.OptOutRecord{Channel: channels.SMS, Phone: subjPhone, At: p.clock, Message: "pare"}); err != nil {
			t.Fatal(err)
		}
		p.drain(&archive.Archiver{Store: st, Sink: db})
		subjects := &archive.Subjects{Store: st, DB: db, Hasher: h}

		exp, err := subjects.Export(ctx, "529.982.247-25", "test:dpo")
		if err != nil {
			t.Fatal(err)
		}
		doc, _ := json.Marshal(exp)
		for _, want := range []string{subjName, "maria@example.com.br", `"amount_cents":12345`, "mensagem 0 de " + subjPhone, "pare de mandar", "initiated_contact"} {
			if !strings.Contains(string(doc), want) {
				t.Errorf("export lacks %q", want)
			}
		}
		if n := len(exp.Archive["messages"]); n != 2 {
			t.Errorf("export has %d archived messages, want 2", n)
		}

		gate := bot.OptOutGate{Store: st}
		later := storage.Outbound{Outbound: channels.Outbound{ID: "x", Channel: channels.SMS, To: subjPhone, ConversationID: subjPhone}, EnqueuedAt: p.clock.Add(time.Hour)}
		if d, err := gate.Check(ctx, later, time.Now()); err != nil || d.Allow {
			t.Fatalf("before the erasure the gate allowed an opted-out number: %+v %v", d, err)
		}

		if _, err := subjects.Erase(ctx, subjCPF, "test:dpo"); err != nil {
			t.Fatal(err)
		}
		// Redis: no name, phone, CPF, transcript; the debt stays.
		if _, err := st.DebtorByCPF(ctx, subjCPF); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("the CPF still finds a debtor: %v", err)
		}
		if _, err := st.DebtorByPhone(ctx, subjPhone); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("the phone still finds a debtor: %v", err)
		}
		if d, err := st.Debtor(ctx, "p1"); err != nil || d.Name != storage.ErasedName || d.CPF != "" || len(d.Phones) != 0 || d.Email != "" {
			t.Errorf("debtor after erasure: %+v %v", d, err)
		}
		if d, err := st.Debt(ctx, "d1"); err != nil || d.AmountCents != 12345 {
			t.Errorf("the debt must stay for the retention period: %+v %v", d, err)
		}
		if tr, _ := st.Transcript(ctx, subjPhone, 0); len(tr) != 0 {
			t.Errorf("Redis still holds the transcript: %+v", tr)
		}
		// The archive: nothing personal left anywhere; the amount stays.
		all := tableText(t, db)
		for _, pii := range []string{subjName, subjPhone, subjCPF, "maria@example.com.br", "mensagem 0", "pare de mandar"} {
			if strings.Contains(all, pii) {
				t.Errorf("the archive still holds %q", pii)
			}
		}
		var cents int64
		db.SQL().QueryRowContext(ctx, `SELECT amount_cents FROM debts WHERE id = 'd1'`).Scan(&cents)
		if cents != 12345 {
			t.Errorf("archived debt amount %d", cents)
		}
		// The gate still refuses the number: by its keyed hash.
		if d, err := gate.Check(ctx, later, time.Now()); err != nil || d.Allow || d.Reason != "opt_out" {
			t.Fatalf("after the erasure the gate allowed the opted-out number: %+v %v", d, err)
		}
		states, err := st.SendStates(ctx, []storage.Outbound{later})
		if err != nil || !states[0].OptedOut {
			t.Fatalf("the sender's read of the opt-out missed the erased number: %+v %v", states, err)
		}
		// …and only by it: without the key the hashed record is not found.
		if _, ok, _ := storage.New(p.r.Client, p.r.Prefix).OptedOut(ctx, channels.SMS, subjPhone); ok {
			t.Fatal("the plain opt-out record survived the erasure")
		}
		// Both requests are audited; the person can no longer be found.
		var audits int
		db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM subject_audit WHERE cpf_hash = $1 AND actor = 'test:dpo'`, h.Hash(subjCPF)).Scan(&audits)
		if audits != 2 {
			t.Errorf("%d audit rows, want export and erasure", audits)
		}
		if _, err := subjects.Export(ctx, subjCPF, "test:dpo"); !errors.Is(err, archive.ErrNoSubject) {
			t.Errorf("export after erasure: %v", err)
		}
	})
}
