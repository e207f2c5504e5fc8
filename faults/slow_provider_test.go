package faults

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/channels/mediaserver"
	"github.com/quita-bot/quita/channels/simulator"
	"github.com/quita-bot/quita/channels/twilio"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// pipeline is the bot in this process on a real redis-server, with short
// retry delays (the binary's are seconds to minutes, too slow for CI).
type pipeline struct {
	bot   *bot.Bot
	store *storage.Store
}

func startPipeline(t *testing.T, r *redisProc, twilioAPI string, opts bot.Options) *pipeline {
	t.Helper()
	return startPipelineLogging(t, r, twilioAPI, opts, slog.New(slog.DiscardHandler))
}

// startPipelineLogging is startPipeline with the bot logging to log.
func startPipelineLogging(t *testing.T, r *redisProc, twilioAPI string, opts bot.Options, log *slog.Logger) *pipeline {
	t.Helper()
	store := r.store(t)
	file, err := config.LoadFile("")
	if err != nil {
		t.Fatal(err)
	}
	dir := config.NewDirectory(file)
	b := bot.New(store, dialogs.NewEngine(dialogs.EngineConfig{}), dir, log, time.Now, opts)
	media := mediaserver.New(store.GetMedia, []byte(secret), "http://127.0.0.1:1", time.Hour, time.Now)
	tw, err := twilio.New(twilio.Config{AccountSID: twilioSID, AuthToken: twilioToken, From: twilioFrom,
		APIURL: twilioAPI, PublicURL: "http://127.0.0.1:1"}, media, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range tw.Channels() {
		b.AddChannel(c)
	}
	b.AddChannel(simulator.Channel{})
	ctx, cancel := context.WithCancel(context.Background())
	if err := b.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); b.Wait() })
	return &pipeline{bot: b, store: store}
}

// store is a Store (prefix "quita") on this Redis, closed with the test.
func (r *redisProc) store(t *testing.T) *storage.Store {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", r.port)})
	t.Cleanup(func() { rdb.Close() })
	return storage.New(rdb, "quita")
}

// lastOut is a conversation's last outbound transcript entry.
func (p *pipeline) lastOut(t *testing.T, phone string) (storage.Message, bool) {
	t.Helper()
	tr, err := p.store.Transcript(context.Background(), phone, 50)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(tr) - 1; i >= 0; i-- {
		if tr[i].Direction == storage.Out {
			return tr[i], true
		}
	}
	return storage.Message{}, false
}

// TestSlowProviderFailsVisiblyWithoutBlockingOthers: Twilio answers 500 to
// every CreateMessage. SMS replies are retried with backoff and end failed
// with an error code on the transcript, while simulator conversations keep
// getting their replies in the meantime.
func TestSlowProviderFailsVisiblyWithoutBlockingOthers(t *testing.T) {
	r := startRedis(t)
	tw := startFakeTwilio(t)
	tw.mode.Store("500")
	const attempts = 4
	p := startPipeline(t, r, tw.srv.URL, bot.Options{Workers: 4, Senders: 4, MaxAttempts: attempts,
		RetryBase: 300 * time.Millisecond, RetryPoll: 50 * time.Millisecond, ReadBlock: 200 * time.Millisecond})
	ctx := context.Background()
	const smsConvs, simConvs = 6, 6
	start := time.Now()
	for i := range smsConvs {
		if err := p.bot.Accept(ctx, channels.Inbound{Channel: channels.SMS, From: phone(100 + i), Text: "oi", ProviderID: fmt.Sprintf("SMslow%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	// The simulator keeps talking while Twilio fails: each of its replies
	// must be delivered before the SMS replies have even exhausted their retries.
	var simDone time.Duration
	waitFor(t, 30*time.Second, "every SMS reply tried at Twilio once", func() (bool, string) {
		return tw.calls.Load() >= smsConvs, fmt.Sprintf("%d Twilio calls", tw.calls.Load())
	})
	for i := range simConvs {
		if err := p.bot.Accept(ctx, channels.Inbound{Channel: channels.Simulator, From: phone(200 + i), Text: "oi", ProviderID: fmt.Sprintf("sim-slow-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "simulator replies delivered while Twilio fails", func() (bool, string) {
		for i := range simConvs {
			m, ok := p.lastOut(t, phone(200+i))
			if !ok || m.Status != channels.StatusDelivered {
				return false, fmt.Sprintf("%s: %+v", phone(200+i), m.Status)
			}
		}
		simDone = time.Since(start)
		return true, ""
	})
	stillRetrying := 0
	for i := range smsConvs {
		if m, ok := p.lastOut(t, phone(100+i)); ok && m.Status != channels.StatusFailed {
			stillRetrying++
		}
	}
	t.Logf("simulator: %d replies delivered %s after the start while %d of %d SMS replies were still retrying (%d Twilio calls so far)",
		simConvs, simDone.Round(time.Millisecond), stillRetrying, smsConvs, tw.calls.Load())

	waitFor(t, 60*time.Second, "SMS replies failed visibly after retries", func() (bool, string) {
		for i := range smsConvs {
			m, ok := p.lastOut(t, phone(100+i))
			if !ok || m.Status != channels.StatusFailed {
				return false, fmt.Sprintf("%s: %q", phone(100+i), m.Status)
			}
		}
		return true, ""
	})
	failedAt := time.Since(start)
	for i := range smsConvs {
		m, _ := p.lastOut(t, phone(100+i))
		if m.ErrorCode != "retries_exhausted" {
			t.Errorf("%s: failed reply has error code %q, want retries_exhausted", phone(100+i), m.ErrorCode)
		}
	}
	calls := tw.calls.Load()
	if calls != smsConvs*attempts {
		t.Errorf("Twilio got %d CreateMessage calls, want %d (%d replies × %d attempts)", calls, smsConvs*attempts, smsConvs, attempts)
	}
	t.Logf("Twilio 500s: %d replies failed with retries_exhausted after %d attempts each (%d calls), %s after the start (backoff 300ms·(1+2+4) ±20%% = 1.7–2.5s expected)",
		smsConvs, attempts, calls, failedAt.Round(time.Millisecond))
	if n, _ := r.do("ZCARD", "quita:out:retry"); n != ":0" {
		t.Errorf("retry set still holds %s entries", n)
	}
}
