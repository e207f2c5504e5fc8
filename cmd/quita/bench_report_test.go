package main

import (
	"context"
	"os"
	"strings"
	"testing"
)

// TestBenchAppendsToTheHistory: without --out, a run is appended to
// docs/benchmarks/history.md (made if missing), never to BENCHMARKS.md,
// which is the hand-written report; --out - only prints.
func TestBenchAppendsToTheHistory(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx := context.Background()
	for range 2 {
		if err := benchDialogs(ctx, []string{"--benchtime", "1ms", "--corpus", "none.tsv"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := benchDialogs(ctx, []string{"--benchtime", "1ms", "--corpus", "none.tsv", "--out", "-"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("docs/benchmarks/history.md")
	if err != nil {
		t.Fatalf("the run was not appended to docs/benchmarks/history.md: %v", err)
	}
	if n := strings.Count(string(b), "\n### Dialogs — "); n != 2 {
		t.Fatalf("docs/benchmarks/history.md holds %d dialogs runs, want the 2 without --out -:\n%s", n, b)
	}
	if _, err := os.Stat("BENCHMARKS.md"); !os.IsNotExist(err) {
		t.Fatalf("BENCHMARKS.md was written (%v): it is the report, not the notebook", err)
	}
}
