package pixapi_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/pixapi"
	"github.com/quita-bot/quita/billing/pixapi/pixapitest"
	"github.com/quita-bot/quita/payments"
)

const (
	testKey    = "5f84a4c5-c5cb-4599-9f13-7eb4d419dacc"
	testID     = "quita-client-id"
	testSecret = "s3cr3t-never-printed"
	testTxid   = "QT01HZY3J8K2M4N6P8R0S2T4V6XQ" // 28 letters and digits, as billing.NewChargeID makes
)

// clock is a settable clock shared by the fake and the client.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFake starts a fake PSP and a client of it on one clock.
func newFake(t *testing.T, opts pixapitest.Options) (*pixapitest.Server, *pixapi.Client, *clock) {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID, opts.ClientSecret = testID, testSecret
	}
	if opts.Key == "" {
		opts.Key = testKey
	}
	clk := &clock{t: time.Date(2030, 12, 20, 12, 0, 0, 0, time.UTC)}
	fake := pixapitest.New(t, opts)
	fake.SetNow(clk.Now)
	c, err := pixapi.New(configOf(fake, clk))
	if err != nil {
		t.Fatal(err)
	}
	return fake, c, clk
}

func configOf(fake *pixapitest.Server, clk *clock) pixapi.Config {
	return pixapi.Config{BaseURL: fake.BaseURL(), TokenURL: fake.TokenURL(), ClientID: testID, ClientSecret: testSecret,
		CertFile: fake.PKI.CertFile, KeyFile: fake.PKI.KeyFile, CAFile: fake.PKI.CAFile, Key: testKey, Now: clk.Now}
}

// request is the charge of cobv_put_request.json: R$ 113,45 on time
// (123,45 less a 10,00 discount), 2% fine and 1% a month after.
func request() payments.ChargeRequest {
	return payments.ChargeRequest{ChargeID: testTxid, CreditorID: "loja-pix", DebtID: "d1", Kind: payments.KindPix,
		AmountCents: 11345, DiscountCents: 1000, DueDate: time.Date(2030, 12, 31, 0, 0, 0, 0, time.UTC), AcceptDaysAfterDue: 30,
		FinePercent: 2, MonthlyInterest: 1, Payer: payments.Payer{Name: "Francisco da Silva", CPF: "123.456.789-09"},
		Description: "Cobrança dos serviços prestados."}
}

func readJSON(t *testing.T, name string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func sameJSON(t *testing.T, got []byte, want any) {
	t.Helper()
	var g any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	if !reflect.DeepEqual(g, want) {
		w, _ := json.MarshalIndent(want, "", "  ")
		gi, _ := json.MarshalIndent(g, "", "  ")
		t.Fatalf("body differs\n got: %s\nwant: %s", gi, w)
	}
}
