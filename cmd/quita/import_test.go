package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage/redistest"
)

func TestImportCommand(t *testing.T) {
	r := redistest.New(t)
	t.Setenv("REDIS_URL", r.URL)
	t.Setenv("QUITA_REDIS_PREFIX", r.Prefix)
	t.Setenv("QUITA_SECRET", "x")
	var out, errb bytes.Buffer
	now := func() time.Time { return time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC) }
	if err := importMain(context.Background(), []string{"../../portfolio/testdata/good.csv"}, &out, &errb, now); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "3 rows: 3 created, 0 updated, 0 refused") || !strings.Contains(errb.String(), "100%") {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
	out.Reset()
	err := importMain(context.Background(), []string{"../../portfolio/testdata/bad.csv"}, &out, &errb, now)
	if err == nil || !strings.Contains(out.String(), "line 3: cpf:") || !strings.Contains(out.String(), "6 refused") {
		t.Fatalf("bad file: err %v, stdout %q", err, out.String())
	}
	// A dry run reads the same file without writing: every line counted
	// once, the unsplittable ones (a broken quote, a missing field) too.
	out.Reset()
	if err := importMain(context.Background(), []string{"-dry-run", "../../portfolio/testdata/bad.csv"}, &out, &errb, now); err != nil ||
		!strings.Contains(out.String(), "7 rows checked, 6 with errors") {
		t.Fatalf("dry run: err %v, stdout %q", err, out.String())
	}
	// A header that misses required columns stops the import before any row.
	out.Reset()
	header := filepath.Join(t.TempDir(), "header.csv")
	if err := os.WriteFile(header, []byte("credor;nome\nloja-exemplo;Ana\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = importMain(context.Background(), []string{header}, &out, &errb, now)
	if err == nil || !strings.Contains(err.Error(), "header") || !strings.Contains(out.String(), "line 1: cpf: required column missing from the header: name it cpf, or map") {
		t.Fatalf("bad header: err %v, stdout %q", err, out.String())
	}
	out.Reset()
	if err := reportMain(context.Background(), []string{"variants"}, &out, &errb); err != nil || !strings.Contains(out.String(), "no reminders sent yet") {
		t.Fatalf("report: %v %q", err, out.String())
	}
}
