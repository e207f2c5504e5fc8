package cnab

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func readFixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func parse(t *testing.T, body string) *Retorno {
	t.Helper()
	r, err := ParseRetorno(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestRetornoEntradaConfirmada(t *testing.T) {
	r := parse(t, readFixture(t, "retorno_02_entrada_confirmada.ret"))
	if r.Bank != "001" || r.Document != "11222333000181" || r.Agency != "1234" || r.Account != "567890" ||
		r.Sequence != 1 || !r.GeneratedAt.Equal(day(2026, 3, 12)) || r.Records != 8 {
		t.Fatalf("header %+v", r)
	}
	if !strings.HasPrefix(r.Convenio, "0012345670014") {
		t.Fatalf("convênio %q", r.Convenio)
	}
	if len(r.Movements) != 2 {
		t.Fatalf("movements %+v", r.Movements)
	}
	m := r.Movements[0]
	if m.Code != MovEntryConfirmed || m.NossoNumero != "12345670000000001" || m.Document != "NF-1001" ||
		m.FaceCents != 15990 || m.FeeCents != 180 || len(m.Motives) != 0 || !m.DueDate.Equal(day(2026, 3, 20)) || m.Line != 3 {
		t.Fatalf("movement %+v", m)
	}
	if m.Name() != "entrada confirmada" || r.Movements[1].NossoNumero != "12345670000000002" || r.Movements[1].Line != 5 {
		t.Fatalf("second %+v", r.Movements[1])
	}
}

func TestRetornoEntradaRejeitadaWithMotives(t *testing.T) {
	m := parse(t, readFixture(t, "retorno_03_entrada_rejeitada.ret")).Movements[0]
	if m.Code != MovEntryRejected || len(m.Motives) != 2 || m.Motives[0] != "48" || m.Motives[1] != "47" {
		t.Fatalf("movement %+v", m)
	}
	if got := m.Reason(); got != "48 CEP inválido; 47 endereço do pagador não informado" {
		t.Fatalf("reason %q", got)
	}
}

func TestRetornoLiquidacao(t *testing.T) {
	m := parse(t, readFixture(t, "retorno_06_liquidacao.ret")).Movements[0]
	if m.Code != MovLiquidated || m.PaidCents != 16310 || m.NetCents != 16130 || m.AdditionsCents != 320 ||
		!m.CreditedOn.Equal(day(2026, 3, 13)) || !m.OccurredOn.Equal(day(2026, 3, 12)) {
		t.Fatalf("movement %+v", m)
	}
	if m.Reason() != "06 por meio eletrônico" {
		t.Fatalf("reason %q", m.Reason())
	}
}

func TestRetornoBaixaAndOthers(t *testing.T) {
	m := parse(t, readFixture(t, "retorno_09_baixa.ret")).Movements[0]
	if m.Code != MovWrittenOff || m.NossoNumero != "12345670000000002" || m.Reason() != "10 baixa comandada cliente arquivo" {
		t.Fatalf("baixa %+v %q", m, m.Reason())
	}
	ms := parse(t, readFixture(t, "retorno_outros.ret")).Movements
	if len(ms) != 3 || ms[0].Code != MovFees || ms[0].FeeCents != 250 || ms[1].Name() != "confirmação recebimento instrução alteração de vencimento" ||
		ms[2].Code != MovLiquidatedAfterOff || ms[2].PaidCents != 4500 || ms[2].Reason() != "61 via Pix" {
		t.Fatalf("others %+v", ms)
	}
}

func TestRetornoAcceptsLFAndTrailingEOFMark(t *testing.T) {
	body := strings.ReplaceAll(readFixture(t, "retorno_06_liquidacao.ret"), "\r\n", "\n") + "\x1a\n"
	if r := parse(t, body); len(r.Movements) != 1 {
		t.Fatalf("movements %+v", r.Movements)
	}
}

// edit replaces positions from-to (1-based) of a line (1-based) of a fixture.
func edit(body string, lineNo, from, to int, value string) string {
	lines := strings.Split(body, "\r\n")
	l := lines[lineNo-1]
	lines[lineNo-1] = l[:from-1] + value + l[to:]
	return strings.Join(lines, "\r\n")
}

func TestRetornoMalformedNamesLineAndField(t *testing.T) {
	good := readFixture(t, "retorno_06_liquidacao.ret") // 0, 1, T, U, 5, 9
	cases := []struct {
		name string
		body string
		want string
	}{
		{"short line", edit(good, 3, 240, 240, ""), "line 3, field record (positions 1-240): has 239 characters"},
		{"long line", edit(good, 2, 240, 240, "  "), "line 2, field record (positions 1-240): has 241 characters"},
		{"letters in a numeric field", edit(good, 4, 78, 92, "00000000001A310"), "line 4, field 12.3U Valor Pago pelo Pagador (positions 78-92): \"00000000001A310\" is not numeric"},
		{"bad date", edit(good, 4, 146, 153, "32132026"), "line 4, field 17.3U"},
		{"bad record type", edit(good, 3, 8, 8, "7"), "line 3, field 03 Tipo de Registro (positions 8-8): \"7\" is not a record type"},
		{"bad segment", edit(good, 4, 14, 14, "Z"), "line 4, field 05.3 Cód. Segmento"},
		{"wrong lot trailer count", edit(good, 5, 18, 23, "000005"), "line 5, field 05.5 Quantidade de Registros no Lote (positions 18-23): says 5 records, the lot has 4"},
		{"wrong file trailer count", edit(good, 6, 24, 29, "000007"), "line 6, field 06.9 Quantidade de Registros do Arquivo (positions 24-29): says 7 records, the file has 6"},
		{"wrong lot count", edit(good, 6, 18, 23, "000002"), "line 6, field 05.9"},
		{"remessa not retorno", edit(good, 1, 143, 143, "1"), "line 1, field 16.0"},
		{"remessa lot", edit(good, 2, 9, 9, "R"), "line 2, field 04.1"},
		{"sequence gap", edit(good, 4, 9, 13, "00003"), "line 4, field 04.3 Nº Sequencial do Registro no Lote (positions 9-13): 3, expected 2"},
		{"U code differs", edit(good, 4, 16, 17, "02"), "line 4, field 07.3 Código de Movimento"},
		{"other bank", edit(good, 3, 1, 3, "341"), "line 3, field 01 Código do Banco"},
		{"no trailer", strings.Join(strings.Split(good, "\r\n")[:5], "\r\n") + "\r\n", "line 5, field 03 Tipo de Registro (positions 8-8): the file ends without its trailer"},
		{"U without T", edit(good, 3, 14, 14, "U"), "line 3, field 05.3"},
		{"liquidation without amount", edit(good, 4, 78, 92, "000000000000000"), "line 4, field 12.3U"},
		{"blank nosso número", edit(good, 3, 38, 57, strings.Repeat(" ", 20)), "line 3, field 13.3T"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseRetorno(strings.NewReader(c.body))
			if err == nil {
				t.Fatal("want an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q\nwant it to contain %q", err, c.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Line == 0 {
				t.Fatalf("error %v is not a *FieldError with a line", err)
			}
		})
	}
	if _, err := ParseRetorno(strings.NewReader("")); err == nil {
		t.Fatal("an empty file parsed")
	}
}

// A remessa the writer produced is not a retorno: the reader says so at
// line 1, field 16.0, instead of importing it.
func TestRetornoRefusesARemessa(t *testing.T) {
	var sb strings.Builder
	if _, err := testRemessa().Write(&sb); err != nil {
		t.Fatal(err)
	}
	_, err := ParseRetorno(strings.NewReader(sb.String()))
	if err == nil || !strings.Contains(err.Error(), "line 1, field 16.0") {
		t.Fatalf("err %v", err)
	}
}
