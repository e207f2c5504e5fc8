package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/portfolio"
)

func withPortfolio(o *Options) {
	st := o.Store
	o.Portfolio = &PortfolioOptions{Creditors: []string{"loja-exemplo"}, Importer: func() *portfolio.Importer {
		return &portfolio.Importer{Store: st, Creditors: func(id string) bool { return id == "loja-exemplo" }}
	}}
}

// upload posts a multipart form with a file, as the upload page's form does.
func (e *env) upload(cookies []*http.Cookie, csrf, name string, file []byte, fields map[string]string) (*http.Response, string) {
	e.t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("csrf", csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if name != "" {
		part, _ := w.CreateFormFile("file", name)
		part.Write(file)
	}
	w.Close()
	req := httptest.NewRequest("POST", "/console/admin/import", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := e.app.Test(req, 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// carteira is a Windows-1252 CSV of 25 debts, the 4th and the 22nd refused.
func carteira() []byte {
	var b strings.Builder
	b.WriteString("credor;nome;cpf;telefone;fatura;valor;vencimento\r\n")
	for i := 1; i <= 25; i++ {
		amount := "100,00"
		if i == 4 || i == 22 {
			amount = "cem reais"
		}
		fmt.Fprintf(&b, "loja-exemplo;Jo\xe3o %d;%s;1198765%04d;NF-%d;%s;30/12/2026\r\n", i, portfolio.CPFFor(700+i), i, i, amount)
	}
	return []byte(b.String())
}

var uploadPath = regexp.MustCompile(`^/console/admin/import/([0-9a-f]{32})$`)

// TestUploadPreviewConfirmProgress: an admin sends a file, sees the first
// 20 rows as read and every error with nothing written, confirms, and the
// progress reaches 100% with the summary; a second confirmation imports
// nothing twice; the status sheet downloads.
func TestUploadPreviewConfirmProgress(t *testing.T) {
	e := newEnv(t, withPortfolio)
	ctx := context.Background()
	ana, anaCSRF := e.login("ana@quita.test", "senha-da-ana")
	if resp, _ := e.do(request{method: "GET", path: "/console/admin/import", cookies: ana}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an agent on the upload page: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.upload(ana, anaCSRF, "c.csv", carteira(), nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("an agent uploading: %d, want 403", resp.StatusCode)
	}
	root, csrf := e.login("root@quita.test", "senha-do-root")
	if resp, page := e.do(request{method: "GET", path: "/console/admin/import", cookies: root}); resp.StatusCode != 200 ||
		!strings.Contains(page, `id="upload-form"`) || !strings.Contains(page, `<option>loja-exemplo</option>`) || !strings.Contains(page, `href="/console/admin/import">Planilha</a>`) {
		t.Fatalf("upload page: %d %s", resp.StatusCode, page)
	}
	resp, _ := e.upload(root, csrf, "carteira.csv", carteira(), nil)
	m := uploadPath.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("upload: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	page := "/console/admin/import/" + m[1]
	_, preview := e.do(request{method: "GET", path: page, cookies: root})
	for _, want := range []string{
		"the file is not UTF-8: read as Windows-1252",
		"25 linhas lidas: <strong>23 serão importadas</strong>, <strong class=\"bad-text\">2 com erros não serão</strong>. Nada foi gravado ainda.",
		`<td>5</td><td title="amount">valor</td><td>&#34;cem reais&#34; is not an amount such as 1234.56 or 1.234,56</td>`,
		`<td>23</td><td title="amount">valor</td>`,
		"Primeiras 20 linhas, como o quita as leu",
		"<td>João 1</td>", "<td>R$ 100,00</td>", "<td>30/12/2026</td>", "<td>&#43;55 11 98765-0001</td>",
		`<td class="bad">cem reais</td>`,
		`id="confirm">Importar 23 linhas</button>`,
	} {
		if !strings.Contains(preview, want) {
			t.Fatalf("preview lacks %q:\n%s", want, preview)
		}
	}
	if n := strings.Count(preview, `<tr class="ok">`) + strings.Count(preview, `<tr class="refused">`); n != 20 {
		t.Fatalf("%d preview rows, want 20", n)
	}
	if _, err := e.store.DebtByInvoice(ctx, "loja-exemplo", "NF-1"); err == nil {
		t.Fatal("a debt was written before the confirmation")
	}
	confirm := func() {
		t.Helper()
		resp, _ := e.do(request{method: "POST", path: page, cookies: root, form: url.Values{"csrf": {csrf}}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page {
			t.Fatalf("confirm: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	confirm()
	var p struct {
		State       string
		Done, Total int
		Percent     int
	}
	deadline := time.Now().Add(10 * time.Second)
	for p.State != "done" {
		_, body := e.do(request{method: "GET", path: page + "/progress", cookies: root})
		if err := json.Unmarshal([]byte(body), &p); err != nil || time.Now().After(deadline) {
			t.Fatalf("progress %q %v", body, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if p.Done != 23 || p.Total != 23 || p.Percent != 100 {
		t.Fatalf("progress at the end: %+v, want 23 of 23, 100%%", p)
	}
	_, done := e.do(request{method: "GET", path: page, cookies: root})
	if !strings.Contains(done, `<progress id="bar" max="100" value="100">`) ||
		!strings.Contains(done, "25 linhas: 23 dívidas criadas, 0 atualizadas, 2 recusadas.") || !strings.Contains(done, "Linhas recusadas") {
		t.Fatalf("result page:\n%s", done)
	}
	debtor, err := e.store.DebtorByCPF(ctx, portfolio.CPFFor(701))
	if err != nil || debtor.Name != "João 1" {
		t.Fatalf("João 1: %+v %v", debtor, err)
	}
	confirm() // a second click: nothing runs again
	if _, again := e.do(request{method: "GET", path: page, cookies: root}); !strings.Contains(again, "23 dívidas criadas, 0 atualizadas") {
		t.Fatalf("after a second confirmation:\n%s", again)
	}
	resp, sheet := e.do(request{method: "GET", path: "/console/admin/export?format=csv&creditor=loja-exemplo", cookies: root})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="situacao-`) ||
		!strings.HasPrefix(sheet, "\ufeffcredor;nome;cpf;") || strings.Count(sheet, "\r\n") != 24 || !strings.Contains(sheet, ";João 1;") {
		t.Fatalf("export: %d %v\n%s", resp.StatusCode, resp.Header, sheet)
	}
	if resp, _ := e.do(request{method: "GET", path: "/console/admin/export?format=pdf", cookies: root}); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("export as pdf: %d", resp.StatusCode)
	}
}

// TestUploadErrors: what the page says about a file it cannot import.
func TestUploadErrors(t *testing.T) {
	e := newEnv(t, withPortfolio)
	root, csrf := e.login("root@quita.test", "senha-do-root")
	for _, c := range []struct {
		name   string
		file   []byte
		fields map[string]string
		want   []string
	}{
		{"", nil, nil, []string{"choose a CSV or XLSX file"}},
		{"a.csv", []byte("nome;valor\nAna;10\n"), nil, []string{"O cabeçalho de a.csv não pôde ser lido: nada foi importado.",
			`<td>1</td><td title="creditor">credor</td><td>required column missing from the header: name it creditor or credor, or map yours with --map &#34;Your header=creditor&#34;`}},
		{"a.xls", []byte("x"), nil, []string{"a.xls is an old Excel workbook (.xls): save it as .xlsx (Excel workbook) or as CSV and import that"}},
		{"a.csv", []byte("x"), map[string]string{"map": "Loja"}, []string{`map &#34;Loja&#34;: write pairs such as`, `value="Loja"`}},
	} {
		resp, page := e.upload(root, csrf, c.name, c.file, c.fields)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", c.name, resp.StatusCode)
		}
		for _, w := range c.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the page lacks %q:\n%s", c.name, w, page)
			}
		}
	}
	if resp, page := e.do(request{method: "GET", path: "/console/admin/import/" + strings.Repeat("0", 32), cookies: root}); resp.StatusCode != 404 ||
		!strings.Contains(page, "Esse envio expirou") {
		t.Fatalf("an expired upload: %d", resp.StatusCode)
	}
	// Without Portfolio options the pages do not exist.
	plain := newEnv(t)
	root, _ = plain.login("root@quita.test", "senha-do-root")
	if resp, _ := plain.do(request{method: "GET", path: "/console/admin/import", cookies: root}); resp.StatusCode != 404 {
		t.Fatalf("upload page without a portfolio: %d, want 404", resp.StatusCode)
	}
}
