package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPlanCommand(t *testing.T) {
	var out, errb bytes.Buffer
	now := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) // Friday: first due 3 business days later, Wednesday 9th
	if err := runPlan([]string{"--amount", "1200.00", "--days-overdue", "45", "--installments", "6"}, &out, &errb, now); err != nil {
		t.Fatal(err)
	}
	var rep planReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.FirstDue != "2026-12-09" || len(rep.Offers) != 12 || rep.Offers[0].Total != "1140.00" {
		t.Errorf("report %+v", rep)
	}
	if rep.Nearest == nil || rep.Nearest.Match != "exact" || rep.Nearest.Plan.Installments != 6 || rep.Nearest.Plan.Installment != "214.16" {
		t.Errorf("nearest %+v", rep.Nearest)
	}

	cfg := filepath.Join(t.TempDir(), "policy.yaml")
	_ = os.WriteFile(cfg, []byte("max_installments: 3\ndown_payment_percent: 10\n"), 0o644)
	out.Reset()
	if err := runPlan([]string{"--amount", "1200.00", "--config", cfg, "--monthly", "400"}, &out, &errb, now); err != nil {
		t.Fatal(err)
	}
	rep = planReport{}
	_ = json.Unmarshal(out.Bytes(), &rep)
	if len(rep.Offers) != 4 || rep.Offers[1].DownPayment != "120.00" || rep.Nearest.Plan.Installments != 3 {
		t.Errorf("report %+v", rep)
	}

	for _, args := range [][]string{{}, {"--amount", "abc"}, {"--amount", "10", "--installments", "2", "--monthly", "5"}, {"--amount", "10", "--config", "/nonexistent.yaml"}} {
		if err := runPlan(args, &out, &errb, now); err == nil {
			t.Errorf("%v: expected an error", args)
		}
	}
}
