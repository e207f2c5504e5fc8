package faults

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quita-bot/quita/channels/twilio"
)

type badRequest struct {
	name    string
	method  string
	path    string
	body    string
	headers map[string]string
	want    int // expected status
}

// TestBadRequestsAreRefusedCleanly sends malformed, oversized, forged and
// replayed requests to every public endpoint: each gets its 4xx with a
// body, the process does not panic or die, and Redis holds the same keys.
func TestBadRequestsAreRefusedCleanly(t *testing.T) {
	r := startRedis(t)
	tw := startFakeTwilio(t)
	port := freePort(t)
	q := startQuita(t, quitaEnv(t, r.URL(), tw.srv.URL, port, "QUITA_LOG_LEVEL=debug"), port)

	// One genuine message per provider first, so that the replays below
	// repeat something that really was accepted.
	genuine := inboundSMS("SMgenuine000000000000000000000001", phone(1), "oi")
	if code, err := q.postTwilio("/webhooks/twilio", genuine, twilioToken); err != nil || code != http.StatusOK {
		t.Fatalf("genuine Twilio webhook: %d %v", code, err)
	}
	cloudBody := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":%q},"contacts":[{"profile":{"name":"Ana"},"wa_id":"5511900000002"}],"messages":[{"from":"5511900000002","id":"wamid.genuine1","timestamp":"%d","type":"text","text":{"body":"oi"}}]}}]}]}`,
		cloudPhoneID, time.Now().Unix())
	if code := do(t, q, badRequest{method: "POST", path: "/webhooks/whatsapp-cloud", body: cloudBody,
		headers: map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": cloudSign(cloudBody)}}); code != http.StatusOK {
		t.Fatalf("genuine Cloud webhook: %d", code)
	}
	waitFor(t, 60*time.Second, "the genuine messages are processed and answered", func() (bool, string) {
		a, _ := q.transcript(phone(1))
		b, _ := q.transcript("+5511900000002")
		return len(a) >= 2 && len(b) >= 2 && tw.sentTo(phone(1)) >= 1 && b[len(b)-1].Status != "queued",
			fmt.Sprintf("%+v and %+v", a, b)
	})
	waitFor(t, 30*time.Second, "Redis settles (no key count change for a second)", func() (bool, string) {
		n := r.dbsize()
		time.Sleep(time.Second) // observation window, not synchronisation
		return r.dbsize() == n, ""
	})
	before := r.dbsize()

	form := func(v url.Values) string { return v.Encode() }
	signed := func(path string, v url.Values) map[string]string {
		return map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio.Sign(twilioToken, q.url(path), v)}
	}
	formCT := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	jsonCT := map[string]string{"Content-Type": "application/json"}
	noSid := inboundSMS("", phone(2), "oi")
	noSid.Del("MessageSid")
	tooManyMedia := inboundSMS("SMmedia00000000000000000000000001", phone(2), "oi")
	tooManyMedia.Set("NumMedia", "99")
	badFrom := inboundSMS("SMbadfrom000000000000000000000001", "not-a-phone", "oi")
	big := inboundSMS("SMbig0000000000000000000000000001", phone(2), strings.Repeat("a", 70<<10))
	status := url.Values{"MessageSid": {"SMunknown00000000000000000000001"}, "MessageStatus": {"delivered"}, "AccountSid": {twilioSID}}
	exp := fmt.Sprint(time.Now().Add(time.Hour).Unix())
	past := fmt.Sprint(time.Now().Add(-time.Hour).Unix())
	cloudJunk := `{"entry":[{"changes":[{"value":{"messages":[{"from":`
	bigCloud := `{"x":"` + strings.Repeat("a", 70<<10) + `"}`

	cases := []badRequest{
		// simulator API
		{"simulator: not JSON", "POST", "/simulator/api/messages", `{"from":`, jsonCT, 400},
		{"simulator: no text", "POST", "/simulator/api/messages", `{"from":"+5511900000003","text":"  "}`, jsonCT, 400},
		{"simulator: bad phone", "POST", "/simulator/api/messages", `{"from":"12","text":"oi"}`, jsonCT, 400},
		{"simulator: text over 4096 bytes", "POST", "/simulator/api/messages", `{"from":"+5511900000003","text":"` + strings.Repeat("x", 5000) + `"}`, jsonCT, 413},
		{"simulator: body over 1 MiB", "POST", "/simulator/api/messages", `{"from":"+5511900000003","text":"` + strings.Repeat("x", 2<<20) + `"}`, jsonCT, 413},
		{"simulator: transcript of a non-number", "GET", "/simulator/api/conversations/%3Cscript%3E/messages", "", nil, 400},
		// Twilio webhook
		{"twilio: unsigned", "POST", "/webhooks/twilio", form(inboundSMS("SMx1", phone(2), "oi")), formCT, 403},
		{"twilio: forged (wrong token)", "POST", "/webhooks/twilio", form(inboundSMS("SMx2", phone(2), "oi")),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio.Sign("wrongtoken", q.url("/webhooks/twilio"), inboundSMS("SMx2", phone(2), "oi"))}, 403},
		{"twilio: signature of another body", "POST", "/webhooks/twilio", form(inboundSMS("SMx3", phone(2), "pague agora")),
			signed("/webhooks/twilio", inboundSMS("SMx3", phone(2), "oi")), 403},
		{"twilio: signed for another URL", "POST", "/webhooks/twilio", form(genuine),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": twilio.Sign(twilioToken, "https://evil.example/webhooks/twilio", genuine)}, 403},
		{"twilio: signed but no MessageSid", "POST", "/webhooks/twilio", form(noSid), signed("/webhooks/twilio", noSid), 400},
		{"twilio: signed, NumMedia 99", "POST", "/webhooks/twilio", form(tooManyMedia), signed("/webhooks/twilio", tooManyMedia), 400},
		{"twilio: signed, From not a number", "POST", "/webhooks/twilio", form(badFrom), signed("/webhooks/twilio", badFrom), 400},
		{"twilio: malformed form encoding", "POST", "/webhooks/twilio", "Body=%zz&From=%", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "AAAA"}, 400},
		{"twilio: body over 64 KiB", "POST", "/webhooks/twilio", form(big), signed("/webhooks/twilio", big), 413},
		{"twilio: forged status callback", "POST", "/webhooks/twilio/status", form(status),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "Zm9yZ2Vk"}, 403},
		// WhatsApp Cloud webhook
		{"cloud: unsigned", "POST", "/webhooks/whatsapp-cloud", cloudBody, jsonCT, 403},
		{"cloud: forged signature", "POST", "/webhooks/whatsapp-cloud", cloudBody,
			map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=" + strings.Repeat("0", 64)}, 403},
		{"cloud: signature of another body", "POST", "/webhooks/whatsapp-cloud", strings.Replace(cloudBody, `"oi"`, `"pague"`, 1),
			map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": cloudSign(cloudBody)}, 403},
		{"cloud: signed malformed JSON", "POST", "/webhooks/whatsapp-cloud", cloudJunk,
			map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": cloudSign(cloudJunk)}, 400},
		{"cloud: body over 64 KiB", "POST", "/webhooks/whatsapp-cloud", bigCloud,
			map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": cloudSign(bigCloud)}, 413},
		{"cloud: verification with a wrong token", "GET", "/webhooks/whatsapp-cloud?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=42", "", nil, 403},
		// media links
		{"media: no signature", "GET", "/media/abc", "", nil, 403},
		{"media: forged signature", "GET", "/media/abc?exp=" + exp + "&sig=" + strings.Repeat("0", 64), "", nil, 403},
		{"media: expired link", "GET", "/media/abc?exp=" + past + "&sig=" + mediaSign("abc", past), "", nil, 403},
		{"media: signature of another id", "GET", "/media/other?exp=" + exp + "&sig=" + mediaSign("abc", exp), "", nil, 403},
		{"media: valid link to nothing", "GET", "/media/abc?exp=" + exp + "&sig=" + mediaSign("abc", exp), "", nil, 404},
		{"media: path traversal", "GET", "/media/..%2F..%2Fetc%2Fpasswd?exp=" + exp + "&sig=x", "", nil, 403},
	}
	for _, c := range cases {
		got := do(t, q, c)
		if got != c.want {
			t.Errorf("%s: %s %s answered %d, want %d", c.name, c.method, c.path, got, c.want)
		} else {
			t.Logf("%-42s → %d", c.name, got)
		}
	}
	// Replays of genuine, signed deliveries: answered like the provider's own
	// retries (200, so it stops), and deduplicated (no new state).
	if code, err := q.postTwilio("/webhooks/twilio", genuine, twilioToken); err != nil || code != http.StatusOK {
		t.Errorf("replayed Twilio webhook: %d %v, want 200 (deduplicated)", code, err)
	}
	if code := do(t, q, badRequest{method: "POST", path: "/webhooks/whatsapp-cloud", body: cloudBody,
		headers: map[string]string{"Content-Type": "application/json", "X-Hub-Signature-256": cloudSign(cloudBody)}}); code != http.StatusOK {
		t.Errorf("replayed Cloud webhook: %d, want 200 (deduplicated)", code)
	}
	t.Logf("replayed genuine Twilio and Cloud webhooks → 200, deduplicated")

	if after := r.dbsize(); after != before {
		t.Errorf("Redis key count went from %d to %d: a refused or replayed request changed state", before, after)
	} else {
		t.Logf("Redis key count unchanged: %d before and after %d bad requests and 2 replays", before, len(cases))
	}
	for _, p := range []string{phone(1), "+5511900000002"} {
		tr, _ := q.transcript(p)
		in := 0
		for _, e := range tr {
			if e.Direction == "in" {
				in++
			}
		}
		if in != 1 {
			t.Errorf("%s has %d inbound entries after the replays, want 1", p, in)
		}
	}
	logs := q.logText()
	if strings.Contains(logs, "panic") {
		t.Errorf("quita logged a panic")
	}
	// LGPD: even at debug level, no full phone number reaches the log.
	// The numbers this test wrote from; the demo debtors are fictitious and named in the startup line.
	if m := regexp.MustCompile(`55119(1000|0000)\d{4}`).FindString(logs); m != "" {
		t.Errorf("the log carries an unmasked phone number %q", m)
	} else {
		t.Logf("debug log (%d bytes) carries no unmasked phone number", len(logs))
	}
	resp, err := client.Get(q.url("/healthz"))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("quita is not healthy after the bad requests: %v", err)
	}
	resp.Body.Close()
}

func do(t *testing.T, q *quitaProc, c badRequest) int {
	t.Helper()
	req, err := http.NewRequest(c.method, q.url(c.path), strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil && c.want == http.StatusRequestEntityTooLarge && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		// The server answered 413 and closed while the client was still
		// writing the oversized body: it refused it, which is the point.
		t.Logf("%s: the server closed the connection during the upload (%v)", c.name, err)
		return http.StatusRequestEntityTooLarge
	}
	if err != nil {
		t.Errorf("%s: %v", c.name, err)
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 && len(b) == 0 {
		t.Errorf("%s: %d with an empty body, want a message saying what was wrong", c.name, resp.StatusCode)
	}
	return resp.StatusCode
}

func cloudSign(body string) string {
	m := hmac.New(sha256.New, []byte(cloudSecret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func mediaSign(id, exp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(id + "|" + exp))
	return hex.EncodeToString(m.Sum(nil))
}
