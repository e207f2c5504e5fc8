package main

import (
	"bufio"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/quita-bot/quita/storage/redistest"
)

// scrape reads /metrics as Prometheus would and returns each sample line's
// value by its series ("name{labels}").
func scrape(t *testing.T, s *service) map[string]float64 {
	t.Helper()
	resp, err := s.app.Test(httptest.NewRequest(http.MethodGet, "/metrics", nil), 5000)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET /metrics = %d %s", resp.StatusCode, b)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetricsCountSimulatorMessage(t *testing.T) {
	r := redistest.New(t)
	s, _ := startService(t, testConfig(t, r.URL, r.Prefix))
	before := scrape(t, s)
	simulatorSay(t, s, "+5511912345678", "oi")
	waitTranscript(t, s, "+5511912345678", 2)
	after := scrape(t, s)

	for _, series := range []string{
		`quita_inbound_messages_total{channel="simulator"}`,
		`quita_outbound_messages_total{channel="simulator",status="delivered"}`,
		`quita_dialog_step_seconds_count`,
		`quita_dialog_actions_total{kind="send"}`,
		`quita_batch_size_count{role="accept"}`, // the simulator's webhook went through the accept group
	} {
		if after[series] < before[series]+1 {
			t.Errorf("%s went from %v to %v, want it to move by at least 1", series, before[series], after[series])
		}
	}
	for _, series := range []string{
		`quita_queue_length{stream="in"}`, `quita_queue_pending{stream="out"}`,
		`quita_queue_oldest_age_seconds{stream="actions"}`, `quita_outbound_retry_waiting`,
		`quita_dead_letters`, `quita_reminders_due`, `quita_reminders_overdue_seconds`,
		`quita_handoff_queue_length`, `quita_handoff_oldest_wait_seconds`,
	} {
		if _, ok := after[series]; !ok {
			t.Errorf("%s missing from /metrics", series)
		}
	}
	if after[`quita_redis_up`] != 1 {
		t.Errorf("quita_redis_up = %v, want 1", after[`quita_redis_up`])
	}
	if after[`quita_queue_pending{stream="in"}`] != 0 {
		t.Errorf("inbound pending = %v after the reply, want 0", after[`quita_queue_pending{stream="in"}`])
	}
}

// TestMetricsTimeEachWebhook shows quita_webhook_seconds counting every
// webhook answer under the route that answered and its status, forged and
// unknown ones included, and nothing else.
func TestMetricsTimeEachWebhook(t *testing.T) {
	r := redistest.New(t)
	cfg := testConfig(t, r.URL, r.Prefix)
	cfg.TwilioAccountSID, cfg.TwilioAuthToken = "AC"+strings.Repeat("b", 32), "metricsauthtoken0123456789"
	cfg.TwilioFrom, cfg.TwilioAPIURL = "+15005550006", "http://127.0.0.1:9"
	s, _ := startService(t, cfg)

	inbound := url.Values{"MessageSid": {"SM" + strings.Repeat("2", 32)}, "AccountSid": {cfg.TwilioAccountSID},
		"From": {"+5511987650003"}, "To": {cfg.TwilioFrom}, "Body": {"oi"}, "NumMedia": {"0"}}
	for token, want := range map[string]int{cfg.TwilioAuthToken: http.StatusOK, "forged": http.StatusForbidden} {
		if resp := postTwilio(t, s, "/webhooks/twilio", inbound, token); resp.StatusCode != want {
			t.Fatalf("webhook signed with %q answered %d, want %d", token, resp.StatusCode, want)
		}
	}
	for _, path := range []string{"/webhooks/nowhere", "/healthz"} {
		if _, err := s.app.Test(httptest.NewRequest(http.MethodGet, path, nil), 5000); err != nil {
			t.Fatal(err)
		}
	}

	got := map[string]float64{}
	for series, v := range scrape(t, s) {
		if strings.HasPrefix(series, "quita_webhook_seconds_count") {
			got[series] = v
		}
	}
	want := map[string]float64{
		`quita_webhook_seconds_count{code="200",route="/webhooks/twilio"}`: 1,
		`quita_webhook_seconds_count{code="403",route="/webhooks/twilio"}`: 1,
		`quita_webhook_seconds_count{code="404",route="/webhooks"}`:        1, // no route: the prefix, not the raw path
	}
	if !maps.Equal(got, want) {
		t.Fatalf("webhook timings %v, want %v", got, want)
	}
}
