package asaastest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/payments"
)

func call(t *testing.T, s *Server, method, path, key, body string) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, s.APIURL()+path, r)
	if key != "" {
		req.Header.Set("access_token", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func codes(m map[string]any) []string {
	var out []string
	items, _ := m["errors"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["code"].(string))
	}
	return out
}

// The fake answers as the Asaas reference says: 401 without the key, 403
// for a GET with a body (docs.asaas.com/docs/http-response-codes), and 400
// with {"errors":[{"code","description"}]} naming each invalid field.
func TestFakeRefusesAsAsaasDoes(t *testing.T) {
	s := New(t, "k")
	s.SetToday(func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) })
	if st, m := call(t, s, "GET", "/customers", "", ""); st != 401 || len(codes(m)) != 1 {
		t.Errorf("no key: %d %v", st, m)
	}
	if st, _ := call(t, s, "GET", "/customers", "wrong", ""); st != 401 {
		t.Errorf("wrong key: %d", st)
	}
	if st, _ := call(t, s, "GET", "/customers", "k", `{"x":1}`); st != 403 {
		t.Errorf("GET with a body: %d", st)
	}
	if st, m := call(t, s, "POST", "/customers", "k", `{"cpfCnpj":"11111111111"}`); st != 400 || strings.Join(codes(m), ",") != "invalid_name,invalid_cpfCnpj" {
		t.Errorf("bad customer: %d %v", st, m)
	}
	st, m := call(t, s, "POST", "/payments", "k", `{"billingType":"CARNE","dueDate":"2026-12-01"}`)
	if st != 400 || strings.Join(codes(m), ",") != "invalid_customer,invalid_billingType,invalid_value,invalid_dueDate" {
		t.Errorf("bad payment: %d %v", st, m)
	}
	if st, m := call(t, s, "POST", "/payments", "k", `{"customer":"cus_x","billingType":"PIX","value":10,"dueDate":"2026-12-20","dueDat":"typo"}`); st != 400 || codes(m)[0] != "invalid_request" {
		t.Errorf("unknown field: %d %v", st, m)
	}
	if st, _ := call(t, s, "GET", "/payments/pay_404", "k", ""); st != 404 {
		t.Errorf("unknown payment: %d", st)
	}
	if n := len(s.Calls()); n != 7 {
		t.Errorf("%d calls recorded, want 7", n)
	}
}

func TestFakeBoletoLinhaChecks(t *testing.T) {
	s := New(t, "k")
	s.SetToday(func() time.Time { return time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC) })
	_, cus := call(t, s, "POST", "/customers", "k", `{"name":"Maria","cpfCnpj":"52998224725"}`)
	_, p := call(t, s, "POST", "/payments", "k", `{"customer":"`+cus["id"].(string)+`","billingType":"BOLETO","value":99.9,"dueDate":"2026-12-20","externalReference":"X1"}`)
	id := p["id"].(string)
	st, f := call(t, s, "GET", "/payments/"+id+"/identificationField", "k", "")
	if st != 200 {
		t.Fatalf("identificationField: %d %v", st, f)
	}
	b, err := payments.ParseBoleto(f["identificationField"].(string), time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err != nil || b.AmountCents != 9990 || b.DueDate.Format(time.DateOnly) != "2026-12-20" {
		t.Errorf("linha %v: %+v %v", f["identificationField"], b, err)
	}
	if bc, _ := payments.LinhaToBarcode(f["identificationField"].(string)); bc != f["barCode"] || f["nossoNumero"] != p["nossoNumero"] {
		t.Errorf("barCode %v / nossoNumero %v disagree", f["barCode"], f["nossoNumero"])
	}
	_, q := call(t, s, "GET", "/payments/"+id+"/pixQrCode", "k", "")
	if px, err := payments.ParsePix(q["payload"].(string)); err != nil || px.AmountCents != 9990 || q["encodedImage"] == "" || q["expirationDate"] != "2027-12-20 00:00:00" {
		t.Errorf("pixQrCode %v: %+v %v", q["payload"], px, err)
	}
}
