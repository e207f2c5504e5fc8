package portfolio

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// joaoCSV is the file Excel in Brazil saves as "CSV (separado por
// vírgulas)": semicolons, CRLF, Windows-1252 (0xE3 is "ã", 0xE7 "ç", 0xF5
// "õ": https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT),
// with the Portuguese header of the issue.
var joaoCSV = []byte("credor;nome;cpf;telefone;fatura;valor;vencimento;Observa\xe7\xf5es\r\n" +
	"loja-exemplo;Jo\xe3o Concei\xe7\xe3o;529.982.247-25;(11) 98765-4321;NF-77;1.234,56;30/11/2026;cliente antigo\r\n")

func testImporter(st *storage.Store) *Importer {
	return &Importer{Store: st, Creditors: creditorsOnly("loja-exemplo"), FirstReminder: firstAt}
}

// importBytes reads an upload as the console and the API do, and imports it.
func importBytes(t *testing.T, st *storage.Store, data []byte, name string, o ReadOptions) (Summary, []string) {
	t.Helper()
	return importWith(t, testImporter(st), data, name, o)
}

func importWith(t *testing.T, im *Importer, data []byte, name string, o ReadOptions) (Summary, []string) {
	t.Helper()
	f, herrs, err := OpenBytes(data, name, o)
	if err != nil || f == nil {
		t.Fatalf("open %s: %v %+v", name, err, herrs)
	}
	defer f.Close()
	sum, err := im.ImportSeq(context.Background(), f.Rows(), f.Total(), f.Errors, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sum, f.Notes()
}

func TestWindows1252CSVIsReadAsSuch(t *testing.T) {
	st := redistest.New(t).Store()
	sum, notes := importBytes(t, st, joaoCSV, "inadimplentes.csv", ReadOptions{})
	if sum.Created != 1 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	want := []string{
		"the file is not UTF-8: read as Windows-1252, as Excel saves CSV in Brazil (--encoding utf-8 or windows-1252 to force one)",
		`columns not read (quita does not know them): "Observações"; to read one, map it: --map "Observações=description"`,
	}
	if !slices.Equal(notes, want) {
		t.Fatalf("notes %q\nwant %q", notes, want)
	}
	d, err := st.DebtorByCPF(context.Background(), "52998224725")
	if err != nil || d.Name != "João Conceição" || d.Phones[0] != "+5511987654321" {
		t.Fatalf("debtor %+v %v, want João Conceição", d, err)
	}
	id, _ := st.DebtByInvoice(context.Background(), "loja-exemplo", "NF-77")
	if debt, err := st.Debt(context.Background(), id); err != nil || debt.AmountCents != 123456 || debt.DueDate != "2026-11-30" {
		t.Fatalf("debt %+v %v", debt, err)
	}
}

// TestForcedEncodings: --encoding utf-8 on a Windows-1252 file refuses the
// rows whose bytes are not UTF-8 (nothing invalid is stored), and a byte
// that is no character in Windows-1252 is refused too.
func TestForcedEncodings(t *testing.T) {
	st := redistest.New(t).Store()
	sum, notes := importBytes(t, st, joaoCSV, "x.csv", ReadOptions{Encoding: EncodingUTF8})
	if sum.Created != 0 || sum.Failed != 1 || len(notes) != 1 {
		t.Fatalf("forced utf-8: %+v %q", sum, notes)
	}
	want := FieldError{Line: 2, Field: "debtor_name", Message: "is not UTF-8 text: the file is in another encoding; import it with --encoding windows-1252"}
	if len(sum.Errors) != 1 || sum.Errors[0] != want {
		t.Fatalf("errors %+v\nwant %+v", sum.Errors, want)
	}
	if _, err := st.DebtorByCPF(context.Background(), "52998224725"); err == nil {
		t.Fatal("a row with invalid UTF-8 was stored")
	}
	undefined := bytes.Replace(joaoCSV, []byte("Jo\xe3o"), []byte("Jo\x81o"), 1) // 0x81 is UNDEFINED in CP1252.TXT
	sum, _ = importBytes(t, st, undefined, "x.csv", ReadOptions{})
	want = FieldError{Line: 2, Field: "debtor_name", Message: "has bytes that are no character in the file's encoding: check it with --encoding utf-8 or windows-1252"}
	if sum.Failed != 1 || len(sum.Errors) != 1 || sum.Errors[0] != want {
		t.Fatalf("undefined byte: %+v", sum)
	}
	// A UTF-8 file (with a BOM, as Excel's "CSV UTF-8") is read as UTF-8
	// with no note; forced to Windows-1252 it reads as mojibake, as asked.
	utf8File := append([]byte("\ufeff"), bytes.ReplaceAll(joaoCSV, []byte("Jo\xe3o Concei\xe7\xe3o"), []byte("João Conceição"))...)
	utf8File = bytes.Replace(utf8File, []byte("Observa\xe7\xf5es"), []byte("Observações"), 1)
	f, _, err := OpenBytes(utf8File, "x.csv", ReadOptions{})
	if err != nil || len(f.Notes()) != 1 || f.Columns()[0] != "creditor" {
		t.Fatalf("UTF-8 with BOM: %v %q %v", err, f.Notes(), f.Columns())
	}
	rows := slices.Collect(f.Rows())
	if len(rows) != 1 || rows[0].DebtorName != "João Conceição" {
		t.Fatalf("rows %+v", rows)
	}
	f, _, _ = OpenBytes(utf8File[3:], "x.csv", ReadOptions{Encoding: EncodingWindows1252})
	if rows := slices.Collect(f.Rows()); rows[0].DebtorName != "JoÃ£o ConceiÃ§Ã£o" {
		t.Fatalf("forced windows-1252 on UTF-8: %q", rows[0].DebtorName)
	}
	if _, _, err := OpenBytes([]byte{0xff, 0xfe, 'c', 0}, "x.csv", ReadOptions{}); err == nil ||
		err.Error() != `the file is UTF-16 (Excel's "Unicode Text"): save it as "CSV UTF-8" or "CSV (separado por vírgulas)" instead` {
		t.Fatalf("UTF-16: %v", err)
	}
}

// TestScanCSVAcrossChunks: a character cut by a read's end is checked
// whole, and lines are counted across reads.
func TestScanCSVAcrossChunks(t *testing.T) {
	for _, pad := range []int{1<<16 - 1, 1<<16 - 2, 1<<16 + 1} {
		data := append(bytes.Repeat([]byte("a"), pad), "ção\nx\n"...)
		s, err := ScanCSV(bytes.NewReader(data))
		if err != nil || !s.UTF8 || s.Lines != 1 {
			t.Fatalf("pad %d: %+v %v", pad, s, err)
		}
		data[len(data)-5] = 0xe7 // "ç" in Windows-1252
		if s, _ := ScanCSV(bytes.NewReader(data)); s.UTF8 {
			t.Fatalf("pad %d: Windows-1252 read as UTF-8", pad)
		}
	}
}

func TestPortugueseHeaders(t *testing.T) {
	st := redistest.New(t).Store()
	// The header of the issue, then every alias with its case and accents
	// changed.
	csv := "credor,nome,cpf,telefone,fatura,valor,vencimento\nloja-exemplo,Ana Souza,529.982.247-25,11987650001,NF-1,\"359,90\",2026-11-23\n"
	if sum, _ := importBytes(t, st, []byte(csv), "a.csv", ReadOptions{}); sum.Created != 1 || sum.Failed != 0 {
		t.Fatalf("issue header: %+v", sum)
	}
	csv = "CREDOR;Cliente;CPF;Celular;Telefone 2;E-MAIL;Canal;Idioma;Fuso Horário;Nota Fiscal;Descricao;Valor;Data de Vencimento;" +
		"Data da Compra;Forma de Pagamento;Nosso Numero;Data de Nascimento;VIP;Atrasos;Endereço;Bairro;CEP;Município;UF\n" +
		"loja-exemplo;Bruno Lima;111.444.777-35;21987650002;1130000000;bruno@example.com;sms;pt;America/Sao_Paulo;NF-2;Sofá;1.280,50;04/12/2026;" +
		"10/08/2026;boleto;00012345;12/04/1988;sim;2;Av. Brasil, 2000;Centro;20040-002;Rio de Janeiro;rj\n"
	f, _, err := OpenBytes([]byte(csv), "b.csv", ReadOptions{})
	if err != nil || !slices.Equal(f.Columns(), Columns) {
		t.Fatalf("columns %v %v, want all", f.Columns(), err)
	}
	rows := slices.Collect(f.Rows())
	want := Row{Line: 2, Creditor: "loja-exemplo", DebtorName: "Bruno Lima", CPF: "111.444.777-35", Phone: "21987650002", Phone2: "1130000000",
		Email: "bruno@example.com", Channel: "sms", Language: "pt", TimeZone: "America/Sao_Paulo", Invoice: "NF-2", Description: "Sofá",
		Amount: "1.280,50", DueDate: "04/12/2026", PurchaseDate: "10/08/2026", PaymentMethod: "boleto", NossoNumero: "00012345",
		BirthDate: "12/04/1988", VIP: "sim", Delays: "2", Address: "Av. Brasil, 2000", District: "Centro", CEP: "20040-002", City: "Rio de Janeiro", State: "rj"}
	if len(rows) != 1 || fmt.Sprint(rows[0]) != fmt.Sprint(want) {
		t.Fatalf("rows %+v\nwant %+v", rows, want)
	}
}

// TestHeaderMessages: what a header that cannot be read says, word for word.
func TestHeaderMessages(t *testing.T) {
	m, err := ParseMap("Nome do Cliente=debtor_name, Valor em aberto=valor,Observações=-")
	if err != nil || len(m) != 3 || m["nomedocliente"] != "debtor_name" || m["valoremaberto"] != "amount" || m["observacoes"] != skipColumn {
		t.Fatalf("ParseMap = %v %v", m, err)
	}
	for in, want := range map[string]string{
		"Nome do Cliente":         `map "Nome do Cliente": write pairs such as "Nome do Cliente=debtor_name,Valor em aberto=amount"`,
		"=amount":                 `map "=amount": write pairs such as "Nome do Cliente=debtor_name,Valor em aberto=amount"`,
		"Nome do Cliente=apelido": `map "Nome do Cliente=apelido": "apelido" is not a column; the columns are ` + strings.Join(Columns, ", ") + ` (or - to skip the header)`,
		"Situação=status":         `map "Situação=status": "status" is not a column; the columns are ` + strings.Join(Columns, ", ") + ` (or - to skip the header)`,
	} {
		if _, err := ParseMap(in); err == nil || err.Error() != want {
			t.Errorf("ParseMap(%q) = %v\nwant %s", in, err, want)
		}
	}
	cases := []struct {
		name, csv string
		m         Mapping
		errs      []FieldError
		notes     []string
	}{
		{name: "due date missing", csv: "credor,nome,cpf,telefone,fatura,valor\n",
			errs: []FieldError{{1, "due_date", `required column missing from the header: name it due_date, vencimento or data de vencimento, or map yours with --map "Your header=due_date" (case and accents do not matter)`}}},
		{name: "two amounts", csv: "credor,nome,cpf,telefone,fatura,valor,amount,vencimento\n",
			errs: []FieldError{{1, "amount", `columns "valor" and "amount" both name amount: keep one, or map the other with --map "amount=…" (- skips it)`}}},
		{name: "a second phone is phone2", csv: "credor,nome,cpf,telefone,celular,fatura,valor,vencimento\n",
			notes: []string{`column "celular" is read as phone2 ("telefone" is phone)`}},
		{name: "mapped", csv: "Loja,Nome do Cliente,CPF,Fone,Fatura,Valor em aberto,Vencimento,Vendedor\n",
			m: Mapping{"loja": "creditor", "nomedocliente": "debtor_name", "fone": "phone", "valoremaberto": "amount", "vendedor": skipColumn}},
		{name: "unknown columns", csv: "credor,nome,cpf,telefone,fatura,valor,vencimento,Observações,Vendedor\n",
			notes: []string{`columns not read (quita does not know them): "Observações", "Vendedor"; to read one, map it: --map "Observações=description"`}},
		{name: "a title above", csv: "PLANILHA DE INADIMPLENTES 2026,,,,,,\n,,,,,,\ncredor,nome,cpf,telefone,fatura,valor,vencimento\n",
			notes: []string{"the header is line 3; the lines above it are not read"}},
		{name: "an export's state", csv: "credor;nome;cpf;telefone;fatura;valor;vencimento;situação;último contato;próximo lembrete\n"},
	}
	for _, c := range cases {
		r, errs := ReadCSV(strings.NewReader(c.csv), c.m)
		if fmt.Sprint(errs) != fmt.Sprint(c.errs) {
			t.Errorf("%s: errors %+v\nwant %+v", c.name, errs, c.errs)
			continue
		}
		if r != nil && !slices.Equal(r.Notes(), c.notes) {
			t.Errorf("%s: notes %q\nwant %q", c.name, r.Notes(), c.notes)
		}
	}
}

// workbook writes an .xlsx with excelize: sheets in order, each built by its function.
func workbook(t *testing.T, date1904 bool, sheets map[string]func(f *excelize.File, sheet string), order ...string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range order {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		sheets[name](f, name)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func setRow(t *testing.T, f *excelize.File, sheet string, row int, cells ...any) {
	t.Helper()
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
		t.Fatal(err)
	}
}

// TestXLSXImport: an .xlsx as a shop keeps it: a summary sheet first, a
// title above the header, CPFs and phones typed as numbers, dates as
// dates, numbers and text, amounts as numbers and as Brazilian text.
func TestXLSXImport(t *testing.T) {
	st := redistest.New(t).Store()
	ctx := context.Background()
	zeroCPF := CPFFor(12345678)                                                 // 012345678…: as a number, 10 digits
	twoZeros := CPFFor(1234567)                                                 // 001234567…: 9 digits
	badPad := zeroCPF[:10] + string('0'+(zeroCPF[10]-'0'+1)%10)                 // one check digit off
	n := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v } // the number Excel keeps
	due := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	data := workbook(t, false, map[string]func(*excelize.File, string){
		"Resumo": func(f *excelize.File, s string) { setRow(t, f, s, 1, "Total em aberto", 12345.67) },
		"Devedores": func(f *excelize.File, s string) {
			setRow(t, f, s, 1, "Planilha de inadimplentes")
			setRow(t, f, s, 3, "Credor", "Nome", "CPF", "Celular", "Fatura", "Valor", "Vencimento", "Data da compra")
			// A date cell (time.Time), a serial typed as a number (Excel's
			// own example: 2008-01-01 is 39448, support.microsoft.com
			// "DATE function"), text dd/mm/aaaa and ISO.
			setRow(t, f, s, 4, "loja-exemplo", "Ana", n(zeroCPF), int64(11987650001), "NF-1", 1234.56, due, 39448)
			setRow(t, f, s, 5, "loja-exemplo", "Bia", n(twoZeros), int64(5511987650002), 1002, "1.234,56", "30/11/2026", "2026-08-10")
			setRow(t, f, s, 6, "loja-exemplo", "Caio", "111.444.777-35", "(11) 98765-0003", "NF-3", 359.89999999999998, 46356.75, nil)
			// row 7 is empty
			setRow(t, f, s, 8, "loja-exemplo", "Dani", n(badPad), int64(14155552671), "NF-4", 10.005, "31/02/2026", "ontem")
			setRow(t, f, s, 9, "loja-exemplo", "Edu", "52998224725", int64(987650005), "NF-5", nil, "", nil)
		},
	}, "Resumo", "Devedores")

	if _, _, err := OpenBytes(data, "inadimplentes.xlsx", ReadOptions{Sheet: "Clientes"}); err == nil ||
		err.Error() != `the workbook has no sheet "Clientes"; its sheets are "Resumo", "Devedores"` {
		t.Fatalf("missing sheet: %v", err)
	}
	if _, herrs, _ := OpenBytes(data, "inadimplentes.xlsx", ReadOptions{}); len(herrs) == 0 || herrs[0].Field != "creditor" {
		t.Fatalf("the first sheet (Resumo) has no header: %+v", herrs)
	}
	if _, _, err := OpenBytes(data, "inadimplentes.xlsx", ReadOptions{Sheet: "Devedores", Encoding: EncodingUTF8}); err == nil ||
		err.Error() != "--encoding is for CSV files (an .xlsx is always Unicode)" {
		t.Fatalf("--encoding on xlsx: %v", err)
	}
	f, _, err := OpenBytes(data, "inadimplentes.xlsx", ReadOptions{Sheet: "devedores"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"the header is row 3; the rows above it are not read"}; !slices.Equal(f.Notes(), want) || f.Total() != 6 {
		t.Fatalf("notes %q total %d", f.Notes(), f.Total())
	}
	f.Close()
	sum, _ := importBytes(t, st, data, "inadimplentes.xlsx", ReadOptions{Sheet: "Devedores"})
	var got []string
	for _, e := range sum.Errors {
		got = append(got, fmt.Sprintf("%d %s: %s", e.Line, e.Field, e.Message))
	}
	want := []string{
		fmt.Sprintf(`8 cpf: "%d" is not a valid CPF, not even with the leading zeros a spreadsheet drops from a number: format the column as text and type the CPF again`, n(badPad)),
		"8 phone: 14155552671 is a number in the sheet (its + and leading zeros are lost) and is not a Brazilian number with area code: format the column as text and type it as +55 11 98765-0001 (or +country code for another country)",
		"8 amount: 10.005 has more than two decimals: write the amount in reais and cents, such as 1234.56 or 1.234,56",
		`8 due_date: "31/02/2026" is not a date such as 2026-11-30 or 30/11/2026`,
		`8 purchase_date: "ontem" is not a date such as 2026-11-30 or 30/11/2026`,
		"9 phone: 987650005 is a number in the sheet (its + and leading zeros are lost) and is not a Brazilian number with area code: format the column as text and type it as +55 11 98765-0001 (or +country code for another country)",
		"9 amount: required",
		"9 due_date: required",
	}
	if !slices.Equal(got, want) {
		t.Fatalf("errors\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if sum.Created != 3 || sum.Failed != 2 || sum.Rows != 5 {
		t.Fatalf("summary %+v", sum)
	}
	check := func(invoice, cpf, phone string, cents int64, due, purchase string) {
		t.Helper()
		id, err := st.DebtByInvoice(ctx, "loja-exemplo", invoice)
		if err != nil {
			t.Fatalf("%s: %v", invoice, err)
		}
		d, _ := st.Debt(ctx, id)
		debtor, _ := st.Debtor(ctx, d.DebtorID)
		if debtor.CPF != cpf || debtor.Phones[0] != phone || d.AmountCents != cents || d.DueDate != due || d.PurchaseDate != purchase {
			t.Fatalf("%s: %+v %+v", invoice, d, debtor)
		}
	}
	check("NF-1", zeroCPF, "+5511987650001", 123456, "2026-11-30", "2008-01-01")
	check("1002", twoZeros, "+5511987650002", 123456, "2026-11-30", "2026-08-10")
	check("NF-3", "11144477735", "+5511987650003", 35990, "2026-11-30", "")
}

// TestXLSXDate1904: a workbook in the 1904 date system (old Excel for
// Mac) reads its serials from 1904: July 5, 2011 is 40729 in the 1900
// system and 39267 in the 1904 one (support.microsoft.com, "Date systems
// in Excel").
func TestXLSXDate1904(t *testing.T) {
	for _, c := range []struct {
		date1904 bool
		serial   int
	}{{false, 40729}, {true, 39267}} {
		data := workbook(t, c.date1904, map[string]func(*excelize.File, string){"Planilha1": func(f *excelize.File, s string) {
			setRow(t, f, s, 1, "credor", "nome", "cpf", "telefone", "fatura", "valor", "vencimento")
			setRow(t, f, s, 2, "loja-exemplo", "Ana", "52998224725", "11987650001", "NF-1", 10, c.serial)
		}}, "Planilha1")
		f, _, err := OpenBytes(data, "p.xlsx", ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rows := slices.Collect(f.Rows())
		if len(rows) != 1 || rows[0].DueDate != "2011-07-05" {
			t.Fatalf("date1904=%v: %+v", c.date1904, rows)
		}
	}
}

func TestUnreadableFiles(t *testing.T) {
	for name, want := range map[string]string{
		"planilha.xls": "planilha.xls is an old Excel workbook (.xls): save it as .xlsx (Excel workbook) or as CSV and import that",
		"planilha.ods": "planilha.ods is an OpenDocument spreadsheet (.ods): save it as .xlsx or CSV and import that",
	} {
		if _, _, err := OpenBytes([]byte("x"), name, ReadOptions{}); err == nil || err.Error() != want {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, _, err := OpenBytes(joaoCSV, "a.csv", ReadOptions{Sheet: "Devedores"}); err == nil || err.Error() != "--sheet is for .xlsx workbooks; this is a CSV file" {
		t.Errorf("--sheet on CSV: %v", err)
	}
	if _, _, err := OpenBytes([]byte("PK\x03\x04broken"), "a.xlsx", ReadOptions{}); err == nil || !strings.HasPrefix(err.Error(), "a.xlsx is not an .xlsx workbook: ") {
		t.Errorf("broken xlsx: %v", err)
	}
	if _, err := ParseEncoding("utf-16"); err == nil || err.Error() != `encoding "utf-16": use utf-8 or windows-1252` {
		t.Errorf("ParseEncoding: %v", err)
	}
}

// TestRepairs: which numbers are restored, and which are refused.
func TestRepairs(t *testing.T) {
	for in, want := range map[string]string{
		"11987650001": "+5511987650001", "1134567890": "+551134567890", "5511987650001": "+5511987650001",
		"551134567890": "+551134567890", "21876500001": "", "5187650001": "+555187650001",
		"14155552671": "", "987650001": "", "1087650001": "", "5510987650001": "", "442079460958": "",
	} {
		got, err := restorePhone(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("restorePhone(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
	valid := CPFFor(12345678)
	for in, want := range map[string]string{valid[1:]: valid, valid: valid, "529.982.247-25": "52998224725", "1234567": ""} {
		got, msg := readCPF(in)
		if (msg == "") != (want != "") || want != "" && got != want {
			t.Errorf("readCPF(%s) = %q, %q; want %q", in, got, msg, want)
		}
	}
	for f, want := range map[float64]string{359.89999999999998: "359.90", 1234.56: "1234.56", 10: "10.00", 0.1 + 0.2: "0.30", 10.005: ""} {
		if got, ok := amountText(f); got != want || ok != (want != "") {
			t.Errorf("amountText(%v) = %q %v, want %q", f, got, ok, want)
		}
	}
}
