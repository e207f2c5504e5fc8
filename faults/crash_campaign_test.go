package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quita-bot/quita/portfolio"
)

// campaignZone picks a time zone where it is now between 10:30 and 20:30,
// so that the creditor's contact window (the US preset: 08–21 local, every
// day) stays open for the whole test and the cadence's 10:00 step of today
// is already due. The listed offsets are at most two hours apart, so one
// always qualifies, whatever the day and hour the test runs.
func campaignZone(now time.Time) (string, bool) {
	for _, z := range []string{"America/Sao_Paulo", "America/Noronha", "America/Manaus", "America/Rio_Branco",
		"Atlantic/Azores", "Europe/Lisbon", "Europe/Berlin", "Europe/Moscow", "Asia/Dubai", "Asia/Karachi", "Asia/Dhaka",
		"Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu",
		"America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York"} {
		loc, err := time.LoadLocation(z)
		if err != nil {
			continue
		}
		l := now.In(loc)
		if mins := l.Hour()*60 + l.Minute(); mins >= 10*60+30 && mins <= 20*60+30 {
			return z, true
		}
	}
	return "", false
}

// campaignConfig is the example creditor configuration, as an operator copies it, with the US contact
// preset (every day 08–21) instead of the Brazilian one (no Sundays or
// holidays), so that the campaign can run on any day.
func campaignConfig(t *testing.T) string {
	t.Helper()
	example, err := os.ReadFile("../deploy/quita.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const br, us = "preset: br ", "preset: us "
	if !bytes.Contains(example, []byte(br)) {
		t.Fatalf("deploy/quita.example.yaml no longer sets %q", br)
	}
	// As an operator's copy: the example's marker and made-up identities
	// replaced (a production start refuses them).
	own := regexp.MustCompile(`(?m)^\s*(example: true|site: https://loja\.example).*\n`).ReplaceAll(example, nil)
	own = bytes.Replace(own, []byte("key: pix@loja.example"), []byte("key: 7d9f0335-8dcc-4054-9bf9-0dbd61d36906"), 1)
	path := filepath.Join(t.TempDir(), "quita.yaml")
	if err := os.WriteFile(path, bytes.Replace(own, []byte(br), []byte(us), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCrashMidCampaign SIGKILLs quita while the reminder scheduler is
// sending a campaign, restarts it, and counts: no debtor may be skipped, and
// repeats (a reminder handed to the provider twice) are reported, goal 0.
func TestCrashMidCampaign(t *testing.T) {
	zone, ok := campaignZone(time.Now())
	if !ok {
		t.Fatal("no listed time zone is between 10:30 and 20:30 now: the list lost a zone")
	}
	loc, _ := time.LoadLocation(zone)
	const debts = 300
	r := startRedis(t)
	tw := startFakeTwilio(t)
	port := freePort(t)
	env := quitaEnv(t, r.URL(), tw.srv.URL, port, "QUITA_ADMIN_TOKEN=fault-admin-token", "QUITA_DEMO=off", "QUITA_CONFIG="+campaignConfig(t),
		"WHATSAPP_CLOUD_TOKEN=") // SMS only: the cadence prefers WhatsApp when it is configured
	q := startQuita(t, env, port)

	due := time.Now().In(loc).AddDate(0, 0, 3).Format(time.DateOnly) // D-3 is today, 10:00 local: due now
	rows := make([]map[string]string, debts)
	for i := range rows {
		rows[i] = map[string]string{"creditor": "loja-exemplo", "debtor_name": "Cliente " + strconv.Itoa(i), "cpf": portfolio.CPFFor(100000 + i),
			"phone": phone(5000 + i), "channel": "sms", "timezone": zone, "invoice": "NF-" + strconv.Itoa(i),
			"amount": "359,90", "due_date": due, "payment_method": "boleto"}
	}
	body, _ := json.Marshal(rows)
	req, _ := http.NewRequest(http.MethodPost, q.url("/api/v1/debts"), bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer fault-admin-token")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct{ Created, Failed int }
	json.NewDecoder(resp.Body).Decode(&sum)
	resp.Body.Close()
	if resp.StatusCode >= 300 || sum.Created != debts {
		t.Fatalf("import: %s, %+v; want %d created", resp.Status, sum, debts)
	}
	t.Logf("imported %d debts due %s (%s), D-3 reminder due now", debts, due, zone)

	handed := func() (debtors, total int) {
		for i := range debts {
			if n := tw.sentTo(phone(5000 + i)); n > 0 {
				debtors++
				total += n
			}
		}
		return
	}
	waitFor(t, 20*time.Second, "the campaign is under way (a third handed to Twilio)", func() (bool, string) {
		d, _ := handed()
		return d >= debts/3, fmt.Sprintf("%d debtors reached", d)
	})
	q.kill()
	atKill, totalAtKill := handed()
	t.Logf("quita SIGKILLed with %d of %d debtors reached (%d CreateMessage calls)", atKill, debts, totalAtKill)
	restart := time.Now()
	q.start()
	deadline := time.Now().Add(3 * time.Minute) // scheduler leases are 2 minutes
	for {
		if d, _ := handed(); d == debts {
			break
		}
		if time.Now().After(deadline) {
			var missing []string
			for i := range debts {
				if tw.sentTo(phone(5000+i)) == 0 {
					tr, _ := q.transcript(phone(5000 + i))
					missing = append(missing, fmt.Sprintf("%s transcript %+v", phone(5000+i), tr))
				}
			}
			retry, _ := r.do("ZRANGE", "quita:out:retry", "0", "-1", "WITHSCORES")
			t.Fatalf("%d debtors never reached after the restart (skipped reminders):\n%s\nout:retry: %.2000s",
				len(missing), strings.Join(missing, "\n"), retry)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Settle: a repeat would come from a reclaimed claim; leases are 2 minutes,
	// so nothing more can arrive once every claim has been completed.
	reached, total := handed()
	repeats := 0
	for i := range debts {
		if n := tw.sentTo(phone(5000 + i)); n > 1 {
			repeats += n - 1
		}
	}
	t.Logf("after restart: all %d debtors reached (%s after the restart), %d CreateMessage calls, %d repeated reminders (goal 0; at most the in-flight ones)",
		reached, time.Since(restart).Round(time.Millisecond), total, repeats)
	if repeats > 16 { // bound: the in-flight sends of 4 senders and a claim batch being committed
		t.Errorf("%d reminders were sent twice", repeats)
	}
}
