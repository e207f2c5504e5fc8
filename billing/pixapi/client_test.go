package pixapi_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/billing/pixapi"
	"github.com/quita-bot/quita/billing/pixapi/pixapitest"
	"github.com/quita-bot/quita/payments"
)

// The PUT /cobv/{txid} body is the golden one (the shape of the spec's
// examples.cobBody1), and the charge is what the PSP answered: its txid,
// its location and a pixCopiaECola that is a dynamic BR Code for it.
func TestIssueWireBody(t *testing.T) {
	fake, c, _ := newFake(t, pixapitest.Options{})
	ch, err := c.Issue(context.Background(), request())
	if err != nil {
		t.Fatal(err)
	}
	puts := fake.CallsTo(http.MethodPut, "/cobv/")
	if len(puts) != 1 || puts[0].Path != "/cobv/"+testTxid || puts[0].Status != http.StatusCreated {
		t.Fatalf("calls: %+v", fake.Calls())
	}
	if got := puts[0].Header.Get("Authorization"); !strings.HasPrefix(got, "Bearer fake-access-token-") {
		t.Fatalf("Authorization %q", got)
	}
	sameJSON(t, puts[0].Body, readJSON(t, "cobv_put_request.json"))
	cv, _ := fake.Cobv(testTxid)
	if ch.ProviderID != testTxid || ch.Kind != payments.KindPix || ch.State != payments.ChargeRegistered ||
		ch.PixPayload != cv.PixCopiaECola || ch.PixLocation != cv.Loc.Location || ch.AmountCents != 11345 {
		t.Fatalf("charge %+v, cobv %+v", ch, cv)
	}
	br, err := payments.ParsePix(ch.PixPayload)
	if err != nil || br.URL != cv.Loc.Location || br.PointOfInitiation != "12" {
		t.Fatalf("pixCopiaECola %q: %+v %v", ch.PixPayload, br, err)
	}
	// Issued again (a retry): the same cobv, revised, the same code.
	again, err := c.Issue(context.Background(), request())
	if err != nil || again.PixPayload != ch.PixPayload {
		t.Fatalf("again: %+v %v", again, err)
	}
	if cv, _ := fake.Cobv(testTxid); cv.Revisao != 1 || len(fake.Cobvs()) != 1 {
		t.Fatalf("after a retry: revisao %d, %d cobvs", cv.Revisao, len(fake.Cobvs()))
	}
}

func TestIssueRefusesBadRequestsBeforeCalling(t *testing.T) {
	fake, c, _ := newFake(t, pixapitest.Options{})
	for name, mutate := range map[string]func(*payments.ChargeRequest){
		"short txid": func(r *payments.ChargeRequest) { r.ChargeID = "ABC123" },
		"txid dash":  func(r *payments.ChargeRequest) { r.ChargeID = "QT01HZY3J8K2M4N6P8R0S2T4V6-Q" },
		"no CPF":     func(r *payments.ChargeRequest) { r.Payer.CPF = "" },
		"no name":    func(r *payments.ChargeRequest) { r.Payer.Name = " " },
		"no amount":  func(r *payments.ChargeRequest) { r.AmountCents = 0 },
	} {
		req := request()
		mutate(&req)
		if _, err := c.Issue(context.Background(), req); err == nil {
			t.Errorf("%s: issued", name)
		}
	}
	if n := len(fake.Calls()); n != 0 {
		t.Fatalf("%d calls for requests refused locally", n)
	}
}

// The PSP's problem (RFC 7807, schema Problema) comes back as an APIError
// naming the TipoErro and each violation.
func TestIssueProblemFromThePSP(t *testing.T) {
	_, c, clk := newFake(t, pixapitest.Options{})
	clk.Add(30 * 24 * time.Hour) // the due date is now in the past
	_, err := c.Issue(context.Background(), request())
	var ae *pixapi.APIError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Kind() != "CobVOperacaoInvalida" ||
		len(ae.Violations) != 1 || !strings.Contains(err.Error(), "cobv.calendario.dataDeVencimento") {
		t.Fatalf("err %v (%+v)", err, ae)
	}
}

// One token serves N concurrent calls (one fetch, the others wait for it),
// until a little before it expires.
func TestTokenCachedUntilShortlyBeforeExpiry(t *testing.T) {
	fake, c, clk := newFake(t, pixapitest.Options{TokenTTL: 300 * time.Second})
	ctx := context.Background()
	if _, err := c.Issue(ctx, request()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.Lookup(ctx, testTxid)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.TokenCalls(); n != 1 {
		t.Fatalf("%d token requests for 21 calls, want 1", n)
	}
	clk.Add(239 * time.Second) // 61 s left: still used
	if _, err := c.Lookup(ctx, testTxid); err != nil || fake.TokenCalls() != 1 {
		t.Fatalf("at 239 s: %d token requests, %v", fake.TokenCalls(), err)
	}
	clk.Add(2 * time.Second) // 59 s left: replaced before it can lapse in flight
	if _, err := c.Lookup(ctx, testTxid); err != nil || fake.TokenCalls() != 2 {
		t.Fatalf("at 241 s: %d token requests, %v", fake.TokenCalls(), err)
	}
	// A token the PSP revoked early: one 401, a fresh token, the call succeeds.
	fake.RevokeTokens()
	if _, err := c.Lookup(ctx, testTxid); err != nil || fake.TokenCalls() != 3 {
		t.Fatalf("after a revocation: %d token requests, %v", fake.TokenCalls(), err)
	}
	tokenForm := fake.CallsTo(http.MethodPost, pixapitest.TokenPath)[0]
	if string(tokenForm.Body) != "grant_type=client_credentials&scope=cobv.write+cobv.read+pix.read+webhook.write" {
		t.Fatalf("token request body %q", tokenForm.Body)
	}
	if id, secret, ok := (&http.Request{Header: tokenForm.Header}).BasicAuth(); !ok || id != testID || secret != testSecret {
		t.Fatalf("token request not authenticated by HTTP Basic")
	}
}

// The PSP requires the creditor's client certificate: without one, or
// with one it did not issue, nothing gets through, and the error says why.
func TestMutualTLSRequired(t *testing.T) {
	fake, _, clk := newFake(t, pixapitest.Options{})
	pem, err := os.ReadFile(fake.PKI.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	bare := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := bare.Post(fake.TokenURL(), "application/x-www-form-urlencoded", strings.NewReader("grant_type=client_credentials"))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("a client without a certificate got HTTP %d", resp.StatusCode)
	}
	cfg := configOf(fake, clk)
	cfg.CertFile, cfg.KeyFile = fake.PKI.StrangerCertFile, fake.PKI.StrangerKeyFile
	stranger, err := pixapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = stranger.Check(context.Background())
	if err == nil || !strings.Contains(err.Error(), "client certificate") {
		t.Fatalf("a stranger's certificate: %v", err)
	}
	cfg = configOf(fake, clk)
	cfg.CAFile = ""
	untrusting, _ := pixapi.New(cfg)
	if err := untrusting.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "ca_file") {
		t.Fatalf("without the PSP's CA: %v", err)
	}
	if n := fake.TokenCalls(); n != 0 {
		t.Fatalf("the token endpoint answered %d requests without mutual TLS", n)
	}
	for _, c := range fake.Calls() {
		t.Errorf("a call got through: %+v", c)
	}
}

func TestNewRefusesWhatCannotWork(t *testing.T) {
	fake, _, clk := newFake(t, pixapitest.Options{})
	for name, mutate := range map[string]func(*pixapi.Config){
		"plain http":  func(c *pixapi.Config) { c.BaseURL = strings.Replace(c.BaseURL, "https", "http", 1) },
		"no secret":   func(c *pixapi.Config) { c.ClientSecret = "" },
		"no key":      func(c *pixapi.Config) { c.Key = "" },
		"no cert":     func(c *pixapi.Config) { c.CertFile = "/nonexistent/client.crt" },
		"not a CA":    func(c *pixapi.Config) { c.CAFile = c.KeyFile },
		"token http":  func(c *pixapi.Config) { c.TokenURL = "http://127.0.0.1/oauth/token" },
		"not the key": func(c *pixapi.Config) { c.KeyFile = c.CAFile },
	} {
		cfg := configOf(fake, clk)
		mutate(&cfg)
		_, err := pixapi.New(cfg)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: the secret is in %v", name, err)
		}
	}
}
