package asaas_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/quita-bot/quita/billing/asaas"
	"github.com/quita-bot/quita/payments"
)

func TestCheck(t *testing.T) {
	fake, c := setup(t)
	if err := c.Check(context.Background()); err != nil {
		t.Fatalf("good key: %v", err)
	}
	calls := fake.Calls()
	if len(calls) != 1 || calls[0].Method != "GET" || calls[0].Path != "/customers" || calls[0].Query.Get("limit") != "1" {
		t.Errorf("check made %+v: want one GET /customers?limit=1", calls)
	}
	bad, _ := asaas.New(asaas.Config{APIURL: fake.APIURL(), APIKey: "$aact_wrong_key_42"}, nil)
	err := bad.Check(context.Background())
	var ae *asaas.APIError
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "api_key_env") {
		t.Fatalf("bad key: %v", err)
	}
	if strings.Contains(err.Error(), "$aact_wrong_key_42") {
		t.Errorf("the key is in the error: %v", err)
	}
	if !errors.As(err, &ae) || ae.Status != 401 || !ae.HasCode("invalid_access_token") {
		t.Errorf("error %#v", err)
	}
}

// The key appears in no error, whatever fails: Asaas's answers, a server
// that echoes what it was sent, a server that is gone.
func TestKeyIsNeverInErrors(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":[{"code":"invalid_access_token","description":"chave ` + r.Header.Get("access_token") + ` inválida"}]}`))
	}))
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	fake, _ := setup(t)
	req := request(payments.KindBoleto, "CHG0000000000000000000000030")
	for name, url := range map[string]string{"echo": echo.URL, "gone": gone.URL, "fake": fake.APIURL()} {
		c, err := asaas.New(asaas.Config{APIURL: url, APIKey: "$aact_SECRET_9f8e7d"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		errs := []error{c.Check(context.Background()), c.Cancel(context.Background(), "pay_1")}
		_, e := c.Issue(context.Background(), req)
		_, l := c.Lookup(context.Background(), "pay_1")
		errs = append(errs, e, l)
		for _, err := range errs {
			if err == nil {
				t.Errorf("%s: no error", name)
				continue
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "52998224725") {
				t.Errorf("%s: secret or CPF in %q", name, err)
			}
		}
	}
	echo.Close()
}

func TestNewRefusesAKeyInClear(t *testing.T) {
	if _, err := asaas.New(asaas.Config{APIURL: "http://api.asaas.com/v3", APIKey: "k"}, nil); err == nil {
		t.Error("plain http to a remote host accepted")
	}
	if _, err := asaas.New(asaas.Config{APIURL: "https://api.asaas.com/v3"}, nil); err == nil || !strings.Contains(err.Error(), "api_key_env") {
		t.Errorf("empty key: %v", err)
	}
	for _, tc := range []struct {
		url, key string
		ok       bool
	}{
		{"https://api-sandbox.asaas.com/v3", "$aact_hmlg_000YTU5YTA1X3B5T7C9YZ", true},
		{"https://api.asaas.com/v3", "$aact_prod_000YTU5YTE0M2M2N2I4MT", true},
		{"https://api.asaas.com/v3", "legacy-key-without-prefix", true},
		{"https://api-sandbox.asaas.com/v3", "$aact_prod_000YTU5YTE0M2M2N2I4MT", false},
		{"https://api.asaas.com/v3", "$aact_hmlg_000YTU5YTA1X3B5T7C9YZ", false},
		{"https://api.asaas.com/v3", "aact_prod_000YTU5YTE0M2M2N2I4MT", false}, // the $ eaten by a shell
	} {
		_, err := asaas.New(asaas.Config{APIURL: tc.url, APIKey: tc.key}, nil)
		if (err == nil) != tc.ok {
			t.Errorf("%s with %.11s…: %v", tc.url, tc.key, err)
		}
		if err != nil && strings.Contains(err.Error(), "000YTU5") {
			t.Errorf("the key is in %q", err)
		}
	}
}
