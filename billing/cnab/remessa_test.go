package cnab

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

var testBeneficiary = Beneficiary{
	Name: "Loja Exemplo Comércio Ltda", Document: "11.222.333/0001-81",
	Agency: "1234", AgencyDigit: "3", Account: "567890", AccountDigit: "x",
	Convenio: "1234567", Carteira: "17", Variacao: "019",
}

func testTitles() []Title {
	return []Title{
		{
			NossoNumero: "12345670000000001", Document: "NF-1001", CompanyRef: "QT0001",
			IssuedOn: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC),
			AmountCents: 15990, FinePercent: 2, MonthlyInterest: 1,
			Payer: Payer{Name: "José da Conceição Araújo", Document: "123.456.789-09", Address: "Rua das Laranjeiras, 100, ap 12",
				District: "Jardim São Paulo", CEP: "02045-000", City: "São Paulo", State: "sp"},
		},
		{
			NossoNumero: "12345670000000002", Document: "NF-1002",
			IssuedOn: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), DueDate: time.Date(2026, 3, 25, 0, 0, 0, 0, time.UTC),
			AmountCents: 8000, DiscountCents: 500,
			Payer: Payer{Name: "Comercial Ñandú Ltda", Document: "45.723.174/0001-10", Address: "Av. Brasil 2000",
				CEP: "20040002", City: "Rio de Janeiro", State: "RJ"},
		},
	}
}

func testRemessa() Remessa {
	b, _ := BankFor("001")
	return Remessa{Bank: b, Beneficiary: testBeneficiary, Sequence: 7,
		GeneratedAt: time.Date(2026, 3, 11, 14, 5, 9, 0, time.UTC), Titles: testTitles()}
}

// want is one field's expected content: line (1-based), positions from-to
// as FEBRABAN v10.11 prints them, and the characters.
type want struct {
	line     int
	from, to int
	value    string
	what     string
}

// The fixture: every field of the remessa, built from the layout's tables
// (§2.2 and §3.2.2) and BB's notes, independently of the writer's field
// table. Blank fillers are checked too.
var remessaFixture = []want{
	// Header de arquivo (line 1).
	{1, 1, 3, "001", "01.0 banco"}, {1, 4, 7, "0000", "02.0 lote"}, {1, 8, 8, "0", "03.0 registro"},
	{1, 9, 17, "         ", "04.0 CNAB"}, {1, 18, 18, "2", "05.0 tipo inscrição (CNPJ)"},
	{1, 19, 32, "11222333000181", "06.0 CNPJ"}, {1, 33, 52, "001234567" + "0014" + "17" + "019" + "  ", "07.0 convênio BB1-BB5"},
	{1, 53, 57, "01234", "08.0 agência"}, {1, 58, 58, "3", "09.0 DV agência"}, {1, 59, 70, "000000567890", "10.0 conta"},
	{1, 71, 71, "X", "11.0 DV conta (X upper case)"}, {1, 72, 72, " ", "12.0 DV ag/conta"},
	{1, 73, 102, "LOJA EXEMPLO COMERCIO LTDA    ", "13.0 nome"}, {1, 103, 132, "BANCO DO BRASIL S.A.          ", "14.0 banco"},
	{1, 133, 142, "          ", "15.0 CNAB"}, {1, 143, 143, "1", "16.0 remessa"}, {1, 144, 151, "11032026", "17.0 data"},
	{1, 152, 157, "140509", "18.0 hora"}, {1, 158, 163, "000007", "19.0 NSA"}, {1, 164, 166, "084", "20.0 versão (BB)"},
	{1, 167, 171, "00000", "21.0 densidade"}, {1, 172, 240, strings.Repeat(" ", 69), "22.0-24.0 reservado/CNAB"},
	// Header de lote (line 2).
	{2, 1, 8, "00100011", "01.1-03.1"}, {2, 9, 9, "R", "04.1 operação"}, {2, 10, 11, "01", "05.1 cobrança"},
	{2, 12, 13, "  ", "06.1"}, {2, 14, 16, "043", "07.1 versão lote (BB)"}, {2, 17, 17, " ", "08.1"},
	{2, 18, 18, "2", "09.1"}, {2, 19, 33, "011222333000181", "10.1 CNPJ 15 dígitos"},
	{2, 34, 53, "001234567" + "0014" + "17" + "019" + "  ", "11.1 convênio"}, {2, 54, 58, "01234", "12.1"}, {2, 59, 59, "3", "13.1"},
	{2, 60, 71, "000000567890", "14.1"}, {2, 72, 72, "X", "15.1"}, {2, 73, 73, " ", "16.1"},
	{2, 74, 103, "LOJA EXEMPLO COMERCIO LTDA    ", "17.1"}, {2, 104, 183, strings.Repeat(" ", 80), "18.1-19.1 mensagens"},
	{2, 184, 191, "00000007", "20.1 número remessa"}, {2, 192, 199, "11032026", "21.1 gravação"},
	{2, 200, 207, "00000000", "22.1 crédito"}, {2, 208, 240, strings.Repeat(" ", 33), "23.1"},
	// Segmento P, title 1 (line 3).
	{3, 1, 8, "00100013", "01.3P-03.3P"}, {3, 9, 13, "00001", "04.3P sequencial"}, {3, 14, 14, "P", "05.3P"},
	{3, 15, 15, " ", "06.3P"}, {3, 16, 17, "01", "07.3P entrada de títulos"}, {3, 18, 22, "01234", "08.3P"},
	{3, 23, 23, "3", "09.3P"}, {3, 24, 35, "000000567890", "10.3P"}, {3, 36, 36, "X", "11.3P"}, {3, 37, 37, " ", "12.3P"},
	{3, 38, 57, "12345670000000001   ", "13.3P nosso número 17 dígitos à esquerda"}, {3, 58, 58, "7", "14.3P carteira 17 simples"},
	{3, 59, 59, "1", "15.3P registrada"}, {3, 60, 60, "1", "16.3P tradicional"}, {3, 61, 61, "2", "17.3P cliente emite"},
	{3, 62, 62, "2", "18.3P cliente distribui"}, {3, 63, 77, "NF-1001        ", "19.3P número do documento"},
	{3, 78, 85, "20032026", "20.3P vencimento"}, {3, 86, 100, "000000000015990", "21.3P valor"},
	{3, 101, 105, "00000", "22.3P agência cobradora"}, {3, 106, 106, " ", "23.3P"}, {3, 107, 108, "02", "24.3P DM"},
	{3, 109, 109, "N", "25.3P aceite"}, {3, 110, 117, "10032026", "26.3P emissão"}, {3, 118, 118, "2", "27.3P juros taxa mensal"},
	{3, 119, 126, "21032026", "28.3P juros a partir de"}, {3, 127, 141, "000000000000100", "29.3P 1,00% a.m."},
	{3, 142, 142, "0", "30.3P sem desconto"}, {3, 143, 150, "00000000", "31.3P"}, {3, 151, 165, "000000000000000", "32.3P"},
	{3, 166, 180, "000000000000000", "33.3P IOF"}, {3, 181, 195, "000000000000000", "34.3P abatimento"},
	{3, 196, 220, "QT0001                   ", "35.3P uso da empresa"}, {3, 221, 221, "3", "36.3P não protestar"},
	{3, 222, 223, "00", "37.3P"}, {3, 224, 224, "0", "38.3P (BB: zeros)"}, {3, 225, 227, "000", "39.3P"},
	{3, 228, 229, "09", "40.3P real"}, {3, 230, 239, "0000000000", "41.3P"}, {3, 240, 240, " ", "42.3P"},
	// Segmento Q, title 1 (line 4).
	{4, 1, 17, "0010001300002Q 01", "01.3Q-07.3Q"}, {4, 18, 18, "1", "08.3Q CPF"}, {4, 19, 33, "000012345678909", "09.3Q"},
	{4, 34, 73, "JOSE DA CONCEICAO ARAUJO                ", "10.3Q nome sem acentos"},
	{4, 74, 113, "RUA DAS LARANJEIRAS, 100, AP 12         ", "11.3Q endereço"}, {4, 114, 128, "JARDIM SAO PAUL", "12.3Q bairro (15)"},
	{4, 129, 133, "02045", "13.3Q CEP"}, {4, 134, 136, "000", "14.3Q sufixo"}, {4, 137, 151, "SAO PAULO      ", "15.3Q cidade"},
	{4, 152, 153, "SP", "16.3Q UF"}, {4, 154, 154, "0", "17.3Q"}, {4, 155, 169, "000000000000000", "18.3Q"},
	{4, 170, 209, strings.Repeat(" ", 40), "19.3Q"}, {4, 210, 212, "000", "20.3Q"}, {4, 213, 240, strings.Repeat(" ", 28), "21.3Q-22.3Q"},
	// Segmento R, title 1 (line 5): the 2% fine.
	{5, 1, 17, "0010001300003R 01", "01.3R-07.3R"}, {5, 18, 65, strings.Repeat("0", 48), "08.3R-13.3R descontos 2 e 3"},
	{5, 66, 66, "2", "14.3R multa percentual"}, {5, 67, 74, "21032026", "15.3R data da multa"},
	{5, 75, 89, "000000000000200", "16.3R 2,00%"}, {5, 90, 199, strings.Repeat(" ", 110), "17.3R-20.3R"},
	{5, 200, 215, strings.Repeat("0", 16), "21.3R-23.3R"}, {5, 216, 216, " ", "24.3R"}, {5, 217, 228, strings.Repeat("0", 12), "25.3R"},
	{5, 229, 230, "  ", "26.3R-27.3R"}, {5, 231, 231, "0", "28.3R"}, {5, 232, 240, strings.Repeat(" ", 9), "29.3R"},
	// Title 2: P and Q only (no fine), a discount, isento de juros.
	{6, 9, 17, "00004P 01", "04.3P-07.3P"}, {6, 38, 57, "12345670000000002   ", "13.3P"},
	{6, 86, 100, "000000000008000", "21.3P"}, {6, 118, 141, "3" + strings.Repeat("0", 23), "27.3P-29.3P isento"},
	{6, 142, 165, "1" + "25032026" + "000000000000500", "30.3P-32.3P desconto R$ 5,00 até o vencimento"},
	{6, 196, 220, strings.Repeat(" ", 25), "35.3P"},
	{7, 9, 17, "00005Q 01", "04.3Q-07.3Q"}, {7, 18, 33, "2045723174000110", "08.3Q-09.3Q CNPJ"},
	{7, 34, 73, "COMERCIAL NANDU LTDA                    ", "10.3Q"}, {7, 114, 136, strings.Repeat(" ", 15) + "20040002", "12.3Q-14.3Q"},
	// Trailer de lote (line 8): 7 records (header, 5 details, trailer); 2 títulos, R$ 239,90.
	{8, 1, 8, "00100015", "01.5-03.5"}, {8, 9, 17, "         ", "04.5"}, {8, 18, 23, "000007", "05.5"},
	{8, 24, 29, "000002", "06.5 títulos simples"}, {8, 30, 46, "00000000000023990", "07.5 valor simples"},
	{8, 47, 115, strings.Repeat("0", 69), "08.5-13.5"}, {8, 116, 240, strings.Repeat(" ", 125), "14.5-15.5"},
	// Trailer de arquivo (line 9).
	{9, 1, 8, "00199999", "01.9-03.9"}, {9, 9, 17, "         ", "04.9"}, {9, 18, 23, "000001", "05.9 lotes"},
	{9, 24, 29, "000009", "06.9 registros"}, {9, 30, 35, "000000", "07.9"}, {9, 36, 240, strings.Repeat(" ", 205), "08.9"},
}

func TestRemessaFieldByField(t *testing.T) {
	var buf bytes.Buffer
	sum, err := testRemessa().Write(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Titles != 2 || sum.TotalCents != 23990 || sum.Records != 9 {
		t.Fatalf("summary %+v, want 2 titles, 23990 cents, 9 records", sum)
	}
	raw := buf.String()
	if !strings.HasSuffix(raw, "\r\n") || strings.Count(raw, "\r\n") != 9 {
		t.Fatalf("want 9 CRLF-terminated records, got %q", raw)
	}
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
	for i, l := range lines {
		if len(l) != 240 {
			t.Fatalf("line %d has %d characters", i+1, len(l))
		}
	}
	covered := make([][241]bool, len(lines)+1)
	for _, w := range remessaFixture {
		got := lines[w.line-1][w.from-1 : w.to]
		if got != w.value {
			t.Errorf("line %d positions %d-%d (%s) = %q, want %q", w.line, w.from, w.to, w.what, got, w.value)
		}
		for p := w.from; p <= w.to; p++ {
			covered[w.line][p] = true
		}
	}
	// The fixture covers every position of the headers, the first title and the trailers.
	for _, ln := range []int{1, 2, 3, 4, 5, 8, 9} {
		for p := 1; p <= 240; p++ {
			if !covered[ln][p] {
				t.Errorf("fixture does not check line %d position %d", ln, p)
			}
		}
	}
}

func TestRemessaRejectsBadFieldsWithLineAndField(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(r *Remessa)
		expect []string
	}{
		{"cpf", func(r *Remessa) { r.Titles[0].Payer.Document = "123" }, []string{"line 4, field 09.3Q"}},
		{"no address", func(r *Remessa) { r.Titles[1].Payer.Address = "" }, []string{"line 7, field 11.3Q", "motive 47"}},
		{"cep", func(r *Remessa) { r.Titles[0].Payer.CEP = "0204" }, []string{"line 4, field 13.3Q"}},
		{"uf", func(r *Remessa) { r.Titles[0].Payer.State = "XX" }, []string{"line 4, field 16.3Q"}},
		{"emoji in name", func(r *Remessa) { r.Titles[0].Payer.Name = "Ana 🙂" }, []string{"line 4, field 10.3Q", "cannot carry"}},
		{"document too long", func(r *Remessa) { r.Titles[1].Document = "FATURA-2026-000123" }, []string{"line 6, field 19.3P", "holds 15"}},
		{"nosso número", func(r *Remessa) { r.Titles[0].NossoNumero = "99999990000000001" }, []string{"line 3, field 13.3P", "convênio 1234567"}},
		{"fine over cap", func(r *Remessa) { r.Titles[0].FinePercent = 10 }, []string{"line 5, field 16.3R", "2% cap"}},
		{"amount", func(r *Remessa) { r.Titles[1].AmountCents = 0 }, []string{"line 6, field 21.3P"}},
		{"creditor cnpj", func(r *Remessa) { r.Beneficiary.Document = "1122" }, []string{"line 1, field 06.0"}},
		{"agency", func(r *Remessa) { r.Beneficiary.Agency = "12345678" }, []string{"line 1, field 08.0"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := testRemessa()
			c.edit(&r)
			var buf bytes.Buffer
			_, err := r.Write(&buf)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, e := range c.expect {
				if !strings.Contains(err.Error(), e) {
					t.Errorf("error %q does not say %q", err, e)
				}
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("error %v is not a *FieldError", err)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written despite the error", buf.Len())
			}
		})
	}
}

func TestRemessaConvenioErrors(t *testing.T) {
	r := testRemessa()
	r.Beneficiary.Variacao = ""
	if _, err := r.Write(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "variacao") {
		t.Fatalf("err %v, want the missing variação named", err)
	}
	if _, err := BankFor("341"); err == nil || !strings.Contains(err.Error(), "Banco do Brasil (001)") {
		t.Fatalf("BankFor(341) err %v", err)
	}
}

func TestCheckTitleNamesFieldWithoutLine(t *testing.T) {
	b, _ := BankFor("001")
	ti := testTitles()[0]
	if err := CheckTitle(b, testBeneficiary, ti); err != nil {
		t.Fatalf("good title: %v", err)
	}
	ti.Payer.CEP = ""
	err := CheckTitle(b, testBeneficiary, ti)
	if err == nil || !strings.HasPrefix(err.Error(), "field 13.3Q CEP") {
		t.Fatalf("err %v, want it to start with the field", err)
	}
}

func TestNormalizeFoldsAccentsAndTruncatesText(t *testing.T) {
	rec := newRecord(1)
	rec.put(q10Name, "  Conceição   D'Ávila Müller Ñ ç "+strings.Repeat("x", 50))
	got := string(rec.buf[33:73])
	if !strings.HasPrefix(got, "CONCEICAO D'AVILA MULLER N C XXXX") || len(rec.errs) != 0 {
		t.Fatalf("got %q errs %v", got, rec.errs)
	}
	rec.put(p19Document, "ação")
	if string(rec.buf[62:77]) != "ACAO           " {
		t.Fatalf("document %q", rec.buf[62:77])
	}
}

// A superseded boleto goes as a pedido de baixa: segments P and Q with
// código de movimento 02 (C004), no segment R, counted in the trailers.
func TestRemessaWriteOff(t *testing.T) {
	r := testRemessa()
	r.Titles[0].Movement = MovRemessaWriteOff
	var buf bytes.Buffer
	sum, err := r.Write(&buf)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
	if len(lines) != 8 || sum.Records != 8 {
		t.Fatalf("%d records, want 8 (0, 1, P, Q, P, Q, 5, 9)", len(lines))
	}
	for i, want := range []string{"00001P 02", "00002Q 02", "00003P 01", "00004Q 01"} {
		if got := lines[2+i][8:17]; got != want {
			t.Errorf("line %d positions 9-17 = %q, want %q", 3+i, got, want)
		}
	}
	if lines[2][37:57] != "12345670000000001   " || lines[6][17:23] != "000006" || lines[7][23:29] != "000008" {
		t.Fatalf("write-off P %q / trailers %q %q", lines[2], lines[6], lines[7])
	}
	r.Titles[0].Movement = "31"
	if _, err := r.Write(&bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "line 3, field 07.3") {
		t.Fatalf("movement 31: %v", err)
	}
}

func TestCheckBeneficiary(t *testing.T) {
	b, _ := BankFor("001")
	if err := CheckBeneficiary(b, testBeneficiary); err != nil {
		t.Fatalf("good: %v", err)
	}
	ben := testBeneficiary
	ben.AgencyDigit, ben.Carteira = "", "18"
	err := CheckBeneficiary(b, ben)
	if err == nil || !strings.Contains(err.Error(), "carteira \"18\"") || !strings.Contains(err.Error(), "agency_digit") {
		t.Fatalf("err %v", err)
	}
}
