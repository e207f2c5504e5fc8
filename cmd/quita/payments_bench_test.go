package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkAsaasWebhookToThanks measures, through quita serve on the test's
// Redis and the Asaas fake, the time from Asaas posting PAYMENT_RECEIVED
// to the debtor's thank-you delivered, and the provider calls one segunda
// via costs (a new debtor, then the same request again).
//
//	go test -run '^$' -bench AsaasWebhookToThanks -benchtime 100x ./cmd/quita
func BenchmarkAsaasWebhookToThanks(b *testing.B) {
	s, fake := startAsaasCreditor(b)
	ctx := context.Background()
	var waits []time.Duration
	calls := 0
	for i := 0; i < b.N; i++ {
		phone, debt := fmt.Sprintf("+55119666%05d", i), fmt.Sprintf("bench-%d", i)
		seedDebtor(b, s, "loja-asaas", phone, debt, 45000)
		before := len(fake.Calls())
		tr := converse(b, s, phone, "oi", "529", "me manda a segunda via do boleto")
		calls += len(fake.Calls()) - before
		chs, err := s.store.DebtCharges(ctx, debt)
		if err != nil || len(chs) != 1 {
			b.Fatalf("charges %v %v", chs, err)
		}
		n := len(tr)
		start := time.Now()
		if _, err := fake.MarkPaid(chs[0].ProviderID); err != nil {
			b.Fatal(err)
		}
		for {
			msgs, err := s.store.Transcript(ctx, phone, n+2)
			if err != nil {
				b.Fatal(err)
			}
			if len(msgs) > n && strings.Contains(msgs[len(msgs)-1].Text, "Recebemos o seu pagamento") && msgs[len(msgs)-1].Status == "delivered" {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("no thanks after 10 s: %+v", msgs[len(msgs)-1])
			}
			runtime.Gosched()
		}
		waits = append(waits, time.Since(start))
	}
	slices.Sort(waits)
	q := func(p float64) float64 { return float64(waits[int(p*float64(len(waits)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(float64(calls)/float64(b.N), "asaas_calls/segunda_via")
	b.ReportMetric(float64(len(fake.CallsTo(http.MethodPost, "/payments")))/float64(b.N), "charges/debt")
}
