package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/dialogs/nlu"
)

// TestClassifyCLIContract checks the JSON-lines contract of `quita classify`:
// one object per input line, entities keyed by name and absent when not found.
func TestClassifyCLIContract(t *testing.T) {
	sp, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 11, 26, 12, 0, 0, 0, sp)
	in := "pago sexta\nSTOP\nposso pagar 200 por mês em 6x\nopção 2\n"
	var out bytes.Buffer
	if err := classifyLines(context.Background(), strings.NewReader(in), &out, nlu.Options{Today: today}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []struct {
		intent   string
		entities map[string]any
	}{
		{"promise_to_pay", map[string]any{"date": "2026-11-27"}},
		{"opt_out", map[string]any{}},
		{"negotiate", map[string]any{"installments": 6.0, "amount": 200.0}},
		{"unknown", map[string]any{"option": 2.0}},
	}
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d: %s", len(lines), len(want), out.String())
	}
	for i, l := range lines {
		var got struct {
			Text       string         `json:"text"`
			Lang       string         `json:"lang"`
			Intent     string         `json:"intent"`
			Confidence float64        `json:"confidence"`
			Entities   map[string]any `json:"entities"`
			Flags      []string       `json:"flags"`
		}
		if err := json.Unmarshal([]byte(l), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v: %s", i+1, err, l)
		}
		if got.Intent != want[i].intent || got.Flags == nil || got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("line %d = %s, want intent %s with flags [] and confidence in [0,1]", i+1, l, want[i].intent)
		}
		if len(got.Entities) != len(want[i].entities) {
			t.Errorf("line %d entities = %v, want %v", i+1, got.Entities, want[i].entities)
		}
		for k, v := range want[i].entities {
			if got.Entities[k] != v {
				t.Errorf("line %d entity %s = %v, want %v", i+1, k, got.Entities[k], v)
			}
		}
	}
}
