package faults

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDuplicateStorm delivers every Twilio webhook five times, the copies
// concurrently (a provider retrying while the first is still in flight):
// each distinct MessageSid must get exactly one transcript entry and one reply.
func TestDuplicateStorm(t *testing.T) {
	distinct, copies, workers := 2000, 5, 50
	if testing.Short() {
		distinct = 200
	}
	r := startRedis(t)
	tw := startFakeTwilio(t)
	port := freePort(t)
	q := startQuita(t, quitaEnv(t, r.URL(), tw.srv.URL, port), port)

	jobs := make(chan int)
	var ok, bad atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				code, err := q.postTwilio("/webhooks/twilio", inboundSMS(fmt.Sprintf("SMdup%030d", i), phone(i), "oi"), twilioToken)
				if err == nil && code == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		}()
	}
	for i := range distinct {
		for range copies { // consecutive jobs: the copies run on different workers at once
			jobs <- i
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	t.Logf("%d deliveries (%d distinct MessageSids × %d) in %s: %d answered 200, %d not",
		distinct*copies, distinct, copies, elapsed.Round(time.Millisecond), ok.Load(), bad.Load())
	if bad.Load() != 0 {
		t.Fatalf("%d duplicate deliveries were not acknowledged with 200", bad.Load())
	}

	var ins, outs, apiCalls, pending int
	waitFor(t, 120*time.Second, "every conversation has its one message and its reply", func() (bool, string) {
		ins, outs, apiCalls, pending = 0, 0, 0, 0
		for i := range distinct {
			tr, err := q.transcript(phone(i))
			if err != nil {
				return false, err.Error()
			}
			in, out := 0, 0
			for _, e := range tr {
				if e.Direction == "in" {
					in++
				} else {
					out++
				}
			}
			if in > 1 {
				t.Fatalf("%s: %d inbound entries for one MessageSid delivered %d times: %+v", phone(i), in, copies, tr)
			}
			if out > 1 || tw.sentTo(phone(i)) > 1 {
				t.Fatalf("%s: %d replies in the transcript, %d at the provider, want 1: %+v", phone(i), out, tw.sentTo(phone(i)), tr)
			}
			if in == 0 || out == 0 || tw.sentTo(phone(i)) == 0 {
				pending++
			}
			ins, outs, apiCalls = ins+in, outs+out, apiCalls+tw.sentTo(phone(i))
		}
		return pending == 0, fmt.Sprintf("%d conversations not done (in %d, out %d, provider %d)", pending, ins, outs, apiCalls)
	})
	t.Logf("%d inbound entries, %d replies in transcripts, %d CreateMessage calls at the provider: exactly one each (done %s after the first delivery)",
		ins, outs, apiCalls, time.Since(start).Round(time.Millisecond))
}
