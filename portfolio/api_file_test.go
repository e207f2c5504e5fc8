package portfolio

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/quita-bot/quita/storage/redistest"
)

// multipartBody is a form with the file field and the other fields.
func multipartBody(t *testing.T, name string, file []byte, fields map[string]string) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(file)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), &buf
}

// TestAPIFileUpload: POST /api/v1/debts takes a file as a multipart form
// or as the body, previews it with dry_run (writing nothing), and answers
// the import's summary as for JSON.
func TestAPIFileUpload(t *testing.T) {
	st := redistest.New(t).Store()
	ctx := context.Background()
	app := fiber.New()
	(&API{Store: st, Token: "s3cret", Importer: testImporter(st)}).Register(app)
	call := func(ct string, body io.Reader, query string) (int, map[string]any) {
		t.Helper()
		req := httptest.NewRequest("POST", "/api/v1/debts"+query, body)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		raw, _ := io.ReadAll(resp.Body)
		if err := json.Unmarshal(raw, &m); err != nil {
			m = map[string]any{"error": string(raw)} // fiber's own error page: quita serve answers {"error": …}
		}
		return resp.StatusCode, m
	}
	bad := append(bytes.Clone(joaoCSV), "loja-exemplo;Z\xe9;123;1;NF-78;0;amanh\xe3;\r\n"...)
	ct, body := multipartBody(t, "inadimplentes.csv", bad, map[string]string{"dry_run": "true"})
	code, preview := call(ct, body, "")
	rows := preview["preview"].([]any)
	if code != 200 || preview["rows"].(float64) != 2 || preview["failed"].(float64) != 1 || len(preview["errors"].([]any)) != 4 || len(rows) != 2 {
		t.Fatalf("dry run: %d %v", code, preview)
	}
	first := rows[0].(map[string]any)["values"].(map[string]any)
	if first["debtor_name"] != "João Conceição" || first["cpf"] != "529.982.247-25" || first["phone"] != "+55 11 98765-4321" ||
		first["amount"] != "R$ 1.234,56" || first["due_date"] != "30/11/2026" {
		t.Fatalf("the first row as read: %v", first)
	}
	if second := rows[1].(map[string]any); second["values"].(map[string]any)["due_date"] != "amanhã" || len(second["errors"].([]any)) != 4 {
		t.Fatalf("the refused row as in the file: %v", second)
	}
	if notes := preview["notes"].([]any); len(notes) != 2 || !strings.HasPrefix(notes[0].(string), "the file is not UTF-8") {
		t.Fatalf("notes %v", notes)
	}
	if _, err := st.DebtByInvoice(ctx, "loja-exemplo", "NF-77"); err == nil {
		t.Fatal("a dry run wrote a debt")
	}
	ct, body = multipartBody(t, "inadimplentes.csv", bad, nil)
	if code, sum := call(ct, body, ""); code != 422 || sum["created"].(float64) != 1 || sum["failed"].(float64) != 1 || sum["debt_ids"] != nil {
		t.Fatalf("import: %d %v", code, sum)
	}
	// An .xlsx as the body, with its sheet in the query.
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"credor", "nome", "cpf", "telefone", "fatura", "valor", "vencimento"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"loja-exemplo", "Bia", "111.444.777-35", int64(11987650002), "NF-79", 99.9, 46356})
	xlsx, _ := f.WriteToBuffer()
	if code, sum := call(XLSXContentType, xlsx, "?sheet=Sheet1"); code != 200 || sum["created"].(float64) != 1 {
		t.Fatalf("xlsx body: %d %v", code, sum)
	}
	if code, sum := call("text/csv", strings.NewReader("nome,valor\nAna,10\n"), ""); code != 422 || len(sum["errors"].([]any)) != 5 {
		t.Fatalf("a header without the required columns: %d %v", code, sum)
	}
	for _, c := range []struct {
		ct, body, query, want string
		code                  int
	}{
		{"text/csv", "", "", "the file is empty", 400},
		{"text/csv", "a", "?encoding=ebcdic", `encoding: encoding "ebcdic": use utf-8 or windows-1252`, 400},
		{"text/csv", "a", "?sheet=Clientes", "--sheet is for .xlsx workbooks; this is a CSV file", 422},
		{"multipart/form-data; boundary=x", "--x--\r\n", "", `send the spreadsheet in the multipart field "file"`, 400},
	} {
		if code, m := call(c.ct, strings.NewReader(c.body), c.query); code != c.code || m["error"] != c.want {
			t.Errorf("%s %q: %d %v, want %d %s", c.ct, c.query, code, m, c.code, c.want)
		}
	}
}
