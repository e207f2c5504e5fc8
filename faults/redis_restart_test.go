package faults

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

type sentMsg struct {
	phone, sid, text string
	code             int // 0: transport error
	at               time.Time
}

// TestRedisRestartUnderLoad kills Redis (AOF, appendfsync always) with
// SIGKILL under a stream of signed Twilio webhooks and restarts it on the
// same port. Every webhook answered 200 must reach its transcript exactly
// once, with no restart of quita.
func TestRedisRestartUnderLoad(t *testing.T) {
	r := startRedis(t)
	tw := startFakeTwilio(t)
	port := freePort(t)
	q := startQuita(t, quitaEnv(t, r.URL(), tw.srv.URL, port), port)

	const senders, convsPerSender = 8, 20
	var (
		mu   sync.Mutex
		sent []sentMsg
		stop = make(chan struct{})
		wg   sync.WaitGroup
	)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				m := sentMsg{phone: phone(s*convsPerSender + n%convsPerSender), sid: fmt.Sprintf("SM%08x%024x", s, n)}
				m.text = fmt.Sprintf("oi, mensagem %d-%d", s, n)
				m.code, _ = q.postTwilio("/webhooks/twilio", inboundSMS(m.sid, m.phone, m.text), twilioToken)
				m.at = time.Now()
				mu.Lock()
				sent = append(sent, m)
				mu.Unlock()
				time.Sleep(10 * time.Millisecond) // pacing, not synchronisation: a steady load
			}
		}()
	}
	acked := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, m := range sent {
			if m.code == http.StatusOK {
				n++
			}
		}
		return n
	}
	waitFor(t, 30*time.Second, "load reached 100 acknowledged webhooks", func() (bool, string) {
		return acked() >= 100, fmt.Sprint(acked())
	})
	killedAt := time.Now()
	r.kill()
	t.Logf("redis-server SIGKILLed after %d acknowledged webhooks", acked())
	waitFor(t, 30*time.Second, "webhooks fail while Redis is down", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range sent {
			if m.at.After(killedAt) && m.code != http.StatusOK {
				return true, ""
			}
		}
		return false, "no failed ack yet"
	})
	time.Sleep(time.Second) // keep Redis down for a while under load (the fault itself, not synchronisation)
	r.start()
	restartedAt := time.Now()
	t.Logf("redis-server restarted on the same port after %s down", restartedAt.Sub(killedAt).Round(time.Millisecond))
	waitFor(t, 60*time.Second, "webhooks acknowledged again after the restart", func() (bool, string) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range sent {
			if m.at.After(restartedAt) && m.code == http.StatusOK {
				return true, ""
			}
		}
		return false, "no 200 since restart"
	})
	time.Sleep(time.Second) // more load after recovery
	close(stop)
	wg.Wait()

	// Outage as the provider felt it: first failed ack → first 200 after it.
	var firstFail, firstOK time.Time
	var ok200, failed int
	for _, m := range sent {
		if m.code == http.StatusOK {
			ok200++
		} else {
			failed++
			if firstFail.IsZero() || m.at.Before(firstFail) {
				firstFail = m.at
			}
		}
	}
	for _, m := range sent {
		if m.code == http.StatusOK && m.at.After(firstFail) && (firstOK.IsZero() || m.at.Before(firstOK)) {
			firstOK = m.at
		}
	}
	t.Logf("webhooks: %d sent, %d acknowledged (200), %d refused or failed (503/transport) while Redis was down", len(sent), ok200, failed)
	t.Logf("outage felt by the provider: %s (first failed ack → first successful ack); Redis was down %s",
		firstOK.Sub(firstFail).Round(time.Millisecond), restartedAt.Sub(killedAt).Round(time.Millisecond))

	byPhone := map[string][]sentMsg{}
	for _, m := range sent {
		byPhone[m.phone] = append(byPhone[m.phone], m)
	}
	start := time.Now()
	var lost, dup, unackedStored int
	waitFor(t, 120*time.Second, "every acknowledged webhook in its transcript exactly once", func() (bool, string) {
		lost, dup, unackedStored = 0, 0, 0
		for p, msgs := range byPhone {
			tr, err := q.transcript(p)
			if err != nil {
				return false, err.Error()
			}
			count := map[string]int{}
			for _, e := range tr {
				if e.Direction == "in" {
					count[e.Text]++
				}
			}
			for _, m := range msgs {
				c := count[m.text]
				switch {
				case c > 1:
					dup++
				case c == 0 && m.code == http.StatusOK:
					lost++
				case c == 1 && m.code != http.StatusOK:
					unackedStored++
				}
			}
		}
		return lost == 0 && dup == 0, fmt.Sprintf("%d acknowledged messages not (yet) processed, %d processed twice", lost, dup)
	})
	if dup != 0 {
		t.Fatalf("%d messages processed more than once", dup)
	}
	t.Logf("all %d acknowledged messages processed exactly once (%s to drain after load); %d unacknowledged ones were stored anyway (the provider retries them; dedupe keeps them single)",
		ok200, time.Since(start).Round(time.Millisecond), unackedStored)
	resp, err := client.Get(q.url("/readyz"))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/readyz after recovery: %v %v", resp, err)
	}
	resp.Body.Close()
}
