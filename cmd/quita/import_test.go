package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/quita-bot/quita/storage/redistest"
)

func TestImportCommand(t *testing.T) {
	r := redistest.New(t)
	t.Setenv("REDIS_URL", r.URL)
	t.Setenv("QUITA_REDIS_PREFIX", r.Prefix)
	t.Setenv("QUITA_SECRET", "x")
	t.Setenv("QUITA_DATA_DIR", t.TempDir()) // report variants opens the archive there
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

// TestWindows1252ImportGreetsJoao: the CSV Excel saves in Brazil
// (Windows-1252, semicolons) imports with one line saying how it was read,
// and the bot greets the debtor by the name in the file: "Oi, João!".
func TestWindows1252ImportGreetsJoao(t *testing.T) {
	r := redistest.New(t)
	t.Setenv("REDIS_URL", r.URL)
	t.Setenv("QUITA_REDIS_PREFIX", r.Prefix)
	t.Setenv("QUITA_SECRET", "x")
	// 0xE3 is "ã", 0xE7 "ç" (https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT).
	path := filepath.Join(t.TempDir(), "inadimplentes.csv")
	if err := os.WriteFile(path, []byte("credor;nome;cpf;telefone;fatura;valor;vencimento\r\n"+
		"loja-exemplo;Jo\xe3o Concei\xe7\xe3o;111.444.777-35;(11) 95555-4321;NF-9001;1.234,56;30/12/2026\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if err := importMain(context.Background(), []string{path}, &out, &errb, time.Now); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if !strings.Contains(errb.String(), "the file is not UTF-8: read as Windows-1252, as Excel saves CSV in Brazil (--encoding utf-8 or windows-1252 to force one)\n") ||
		!strings.Contains(out.String(), "1 rows: 1 created") {
		t.Fatalf("stdout %q stderr %q", out.String(), errb.String())
	}
	s, _ := startService(t, testConfig(t, r.URL, r.Prefix))
	simulatorSay(t, s, "+5511955554321", "oi")
	tr := waitTranscript(t, s, "+5511955554321", 2)
	if len(tr) < 2 || tr[1].Direction != "out" || !strings.HasPrefix(tr[1].Text, "Oi, João! Aqui é Loja Exemplo") {
		t.Fatalf("transcript %+v, want a greeting of João", tr)
	}
}

// TestImportXLSXCommand: a workbook with flags after its name, a mapped
// header, and a sheet that is not the first.
func TestImportXLSXCommand(t *testing.T) {
	r := redistest.New(t)
	t.Setenv("REDIS_URL", r.URL)
	t.Setenv("QUITA_REDIS_PREFIX", r.Prefix)
	t.Setenv("QUITA_SECRET", "x")
	f := excelize.NewFile()
	if _, err := f.NewSheet("Clientes"); err != nil {
		t.Fatal(err)
	}
	for i, row := range [][]any{
		{"Loja", "Nome do Cliente", "CPF", "WhatsApp", "Nota", "Valor em aberto", "Vencimento"},
		{"loja-exemplo", "Ana Souza", 52998224725, 11987650001, "NF-1", 359.9, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)},
	} {
		if err := f.SetSheetRow("Clientes", "A"+strconv.Itoa(i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "planilha.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	now := func() time.Time { return time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC) }
	err := importMain(context.Background(), []string{path, "--sheet", "Clientes"}, &out, &errb, now)
	if err == nil || !strings.Contains(out.String(), `line 1: creditor: required column missing from the header: name it creditor or credor, or map yours with --map "Your header=creditor"`) {
		t.Fatalf("unmapped: %v %q", err, out.String())
	}
	out.Reset()
	err = importMain(context.Background(), []string{path, "--sheet", "Clientes", "--map", "Loja=creditor,Nome do Cliente=debtor_name,Valor em aberto=amount"}, &out, &errb, now)
	if err != nil || !strings.Contains(out.String(), "1 rows: 1 created, 0 updated, 0 refused") {
		t.Fatalf("mapped: %v %q %q", err, out.String(), errb.String())
	}
	id, err := r.Store().DebtByInvoice(context.Background(), "loja-exemplo", "NF-1")
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := r.Store().Debt(context.Background(), id); d.AmountCents != 35990 || d.DueDate != "2026-11-30" {
		t.Fatalf("debt %+v", d)
	}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{[]string{path, "--encoding", "latin-9"}, `encoding "latin-9": use utf-8 or windows-1252`},
		{[]string{path, "--encoding", "utf-8"}, "--encoding is for CSV files (an .xlsx is always Unicode)"},
		{[]string{path, "--sheet", "Devedores"}, `the workbook has no sheet "Devedores"; its sheets are "Sheet1", "Clientes"`},
		{[]string{path, "--map", "Loja"}, `map "Loja": write pairs such as "Nome do Cliente=debtor_name,Valor em aberto=amount"`},
		{[]string{path, "other.csv"}, "name one CSV or XLSX file"},
	} {
		if err := importMain(context.Background(), c.args, &out, &errb, now); err == nil || err.Error() != c.err {
			t.Errorf("%v: %v, want %s", c.args, err, c.err)
		}
	}
}

// TestExportCommand: quita export debts writes the status sheet to a file
// or to stdout, for one creditor or all, and says what is wrong.
func TestExportCommand(t *testing.T) {
	r := redistest.New(t)
	t.Setenv("REDIS_URL", r.URL)
	t.Setenv("QUITA_REDIS_PREFIX", r.Prefix)
	t.Setenv("QUITA_SECRET", "x")
	var out, errb bytes.Buffer
	now := func() time.Time { return time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC) }
	if err := importMain(context.Background(), []string{"../../portfolio/testdata/good.csv"}, &out, &errb, now); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := exportMain(context.Background(), []string{"debts", "--creditor", "loja-exemplo"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\r\n"), "\r\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "\ufeffcredor;nome;cpf;telefone;") ||
		lines[2] != "loja-exemplo;Bruno Lima;111.444.777-35;+55 21 98765-0002;+55 11 3000-0000;;sms;pt;;NF-2042;Notebook;1.280,50;04/12/2026;;boleto;;;sim;;;;;;;não contatado;;01/12/2026 10:00" {
		t.Fatalf("export:\n%s", out.String())
	}
	path := filepath.Join(t.TempDir(), "situacao.xlsx")
	errb.Reset()
	if err := exportMain(context.Background(), []string{"debts", "--out", path}, &out, &errb); err != nil || errb.String() != "3 debts written to "+path+"\n" {
		t.Fatalf("--out: %v %q", err, errb.String())
	}
	wb, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := wb.GetCellValue("Devedores", "B3"); v != "Bruno Lima" {
		t.Fatalf("B3 = %q", v)
	}
	wb.Close()
	out.Reset()
	if err := importMain(context.Background(), []string{path}, &out, &errb, now); err != nil || !strings.Contains(out.String(), "3 rows: 0 created, 3 updated, 0 refused") {
		t.Fatalf("the export imported again: %v %q", err, out.String())
	}
	for _, c := range []struct {
		args []string
		err  string
	}{
		{nil, "say what to export: quita export debts"},
		{[]string{"debts", "--format", "ods"}, `format "ods": use csv or xlsx`},
		{[]string{"debts", "--creditor", "loja-x"}, `unknown creditor "loja-x": add it to the QUITA_CONFIG file, or leave --creditor out`},
	} {
		if err := exportMain(context.Background(), c.args, &out, &errb); err == nil || err.Error() != c.err {
			t.Errorf("%v: %v, want %s", c.args, err, c.err)
		}
	}
}
