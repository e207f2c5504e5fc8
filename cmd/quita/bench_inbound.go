package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"github.com/valyala/fasthttp"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/bot/metrics"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/portfolio"
	"github.com/quita-bot/quita/storage"
)

func init() { benchmarks["inbound"] = benchInbound }

const (
	benchSID   = "AC0123456789abcdef0123456789abcdef"
	benchToken = "benchauthtoken0123456789"
	benchFrom  = "+15005550006"
)

// nullChannel hands messages to nobody and tells the benchmark when each
// reply reached the channel.
type nullChannel struct {
	name   string
	onSend func(to string, at time.Time)
}

func (n nullChannel) Name() string { return n.name }

func (n nullChannel) Send(_ context.Context, m channels.Outbound) (channels.SendResult, error) {
	n.onSend(m.To, time.Now())
	return channels.SendResult{ProviderID: "null-" + m.ID, Status: channels.StatusSent}, nil
}

type inboundLevel struct {
	concurrency        int
	acks, failures     int
	ackRate            float64
	ackP50, ackP99     time.Duration
	ackP99InService    time.Duration // p99 of the acknowledgements' time inside the service (quita_webhook_seconds)
	replies, unreplied int
	e2eRate            float64
	e2eP50, e2eP99     time.Duration
	floorRate          float64
	floorP50, floorP99 time.Duration
	floorFailures      int
	redisCPUPerReply   time.Duration // the Redis server's CPU time per reply (INFO cpu)
	ownCPUPerReply     time.Duration // this process's (service and load generator) CPU time per reply
	// stealService and stealFloor are the host CPU time the hypervisor
	// gave away while each was loaded, in percent (-1: unknown).
	stealService, stealFloor float64
}

func benchInbound(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench inbound", flag.ContinueOnError)
	redisFlag := fs.String("redis", "", "Redis URL (default $REDIS_URL); a real server")
	convs := fs.Int("conversations", 10000, "distinct conversations (phone numbers)")
	levels := fs.String("concurrency", "1,8,32,64", "client concurrency levels, comma-separated")
	duration := fs.Duration("duration", 5*time.Second, "load time per level (the service and then the floor)")
	drain := fs.Duration("drain", 60*time.Second, "how long to wait for the replies after each level")
	workers := fs.Int("workers", 16, "inbound workers (QUITA_WORKERS)")
	senders := fs.Int("senders", 8, "outbound senders (QUITA_SENDERS)")
	batch := fs.Int("batch", 16, "conversations a worker takes together under load (QUITA_BATCH)")
	batchWait := fs.Duration("batch-wait", 2*time.Millisecond, "how long a stream reader pauses after a partial read (QUITA_BATCH_WAIT)")
	rate := fs.Float64("rate", 0, "send webhooks at this many per second (open loop; the concurrency levels bound those in flight); 0: each client sends when answered (closed loop)")
	debtors := fs.Bool("debtors", true, "import every number as a debtor with one open debt first, so each message loads a debtor and their debts as in production")
	out := fs.String("out", benchHistory, "append the result to this file (- for none)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run (service and client) here")
	withFloor := fs.Bool("floor", true, "measure the floor after each level, at the same --rate (false: only the service, e.g. to profile it)")
	archiveFlag := fs.String("archive", "off", "archive what the run commits: off, sqlite (a fresh file) or a postgres:// URL; reports rows/s and the lag")
	pool := fs.Int("pool", 0, "give the pipeline its own Redis pool of this size (0: share serve's pool, as serve does today)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	conc, err := parseInts(*levels)
	if err != nil {
		return fmt.Errorf("--concurrency: %w", err)
	}
	if *convs < slices.Max(conc) {
		return fmt.Errorf("--conversations must be at least the highest concurrency")
	}
	redisURL, err := benchRedisURL(*redisFlag)
	if err != nil {
		return err
	}

	// The service, in this process, on the real Redis, under a throwaway prefix.
	port, err := freeTCPPort()
	if err != nil {
		return err
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	// A throwaway prefix as short as the default "quita": key length is part
	// of what each Redis call costs (hashing, comparing, the AOF), and a
	// longer one than production's would understate the service.
	runID := storage.NewID()
	prefix := "qb" + runID[len(runID)-6:]
	cfg.Addr, cfg.PublicURL = fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("http://127.0.0.1:%d", port)
	cfg.RedisURL, cfg.RedisPrefix, cfg.Secret = redisURL, prefix, "bench-secret-bench-secret-bench-secret"
	cfg.Simulator, cfg.Demo, cfg.DataDir = false, false, os.TempDir()
	cfg.TwilioAccountSID, cfg.TwilioAuthToken, cfg.TwilioFrom = benchSID, benchToken, benchFrom
	cfg.TwilioWhatsAppFrom, cfg.TwilioAPIURL, cfg.CloudToken = "", "http://127.0.0.1:9", ""
	cfg.Workers, cfg.Senders, cfg.Batch, cfg.BatchWait, cfg.ShutdownTimeout = *workers, *senders, *batch, *batchWait, 5*time.Second
	cleanArchive, err := benchArchiveConfig(&cfg, *archiveFlag)
	if err != nil {
		return err
	}
	defer cleanArchive()
	if cfg.ConfigFile == "" {
		if cfg.ConfigFile, err = benchCreditorFile(); err != nil {
			return err
		}
		defer os.Remove(cfg.ConfigFile)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	s, err := newService(ctx, cfg, log, time.Now)
	if err != nil {
		return err
	}
	// The pipeline as serve builds it, but without the provider rate limit
	// (50/s per channel by default, a provider's limit, not quita's), and the
	// SMS channel replaced by a null one that timestamps each reply.
	phones := make([]string, *convs)
	index := make(map[string]int, *convs)
	for i := range phones {
		phones[i] = fmt.Sprintf("+55119%08d", 10000000+i)
		index[phones[i]] = i
	}
	started := make([]atomic.Int64, *convs) // unix ns of the in-flight tracked message, 0 when none
	// Conversations without a tracked message in flight wait in free, so a
	// client blocks (rather than spins) when every one awaits its reply.
	// Room for two of each: a stale release after a level's refill must
	// never block the sender that calls it (the CAS on started makes a
	// repeated index harmless).
	free := make(chan int, 2*len(phones))
	release := func(i int) {
		select {
		case free <- i:
		default:
		}
	}
	refill := func() {
		for len(free) > 0 {
			<-free
		}
		for i := range phones {
			started[i].Store(0)
			free <- i
		}
	}
	var mu sync.Mutex
	var e2e []time.Duration
	var lastHanded atomic.Int64
	onSend := func(to string, at time.Time) {
		i, ok := index[to]
		if !ok {
			return
		}
		// 1 marks a slot a client is filling in: not a message yet.
		if t0 := started[i].Load(); t0 > 1 && started[i].CompareAndSwap(t0, 0) {
			mu.Lock()
			e2e = append(e2e, at.Sub(time.Unix(0, t0)))
			mu.Unlock()
			lastHanded.Store(at.UnixNano())
			release(i)
		}
	}
	pipeStore := s.store
	if *pool > 0 { // what a dedicated pool for blocking stream reads would give (see BENCHMARKS.md)
		o, err := redis.ParseURL(redisURL)
		if err != nil {
			return fmt.Errorf("--pool needs a redis:// URL: %w", err)
		}
		o.PoolSize, o.Protocol = *pool, 2
		prdb := redis.NewClient(o)
		defer prdb.Close()
		pipeStore = storage.New(prdb, prefix)
		pipeStore.SetArchiving(s.store.Archiving())
	}
	s.bot = bot.New(pipeStore, newDialog(s), s.dir, log, time.Now, bot.Options{Workers: cfg.Workers, Senders: cfg.Senders, Batch: cfg.Batch, BatchWait: cfg.BatchWait,
		RatePerSecond: map[string]float64{channels.SMS: 1e9}})
	s.bot.SetHooks(metrics.New().Hooks())
	_, pols, err := reminderParts(s.dir)
	if err != nil {
		return err
	}
	s.bot.SetGate(&bot.Compliance{Store: pipeStore, Log: log, Default: bot.PresetBR, Creditors: pols})
	s.bot.AddChannel(nullChannel{name: channels.SMS, onSend: onSend})
	if *debtors { // the same numbers as phones[i]: benchRows numbers +55119 and 8 digits
		creditor := s.dir.DefaultCreditor().ID
		known := func(id string) bool { _, ok := s.dir.Creditor(id); return ok }
		im := &portfolio.Importer{Store: s.store, Creditors: known}
		rows := benchRows(*convs, 10_000_000, creditor, time.Now().AddDate(0, 0, -20).Format(time.DateOnly))
		if sum, err := im.ImportSeq(ctx, rows, *convs, nil, nil); err != nil || sum.Failed > 0 {
			return fmt.Errorf("import the bench's debtors: %v (%d rows refused)", err, sum.Failed)
		}
	}
	// The time each acknowledged webhook spent in the service (routing to
	// answer), beside the client's: what is left is the kernel, the load
	// generator and waiting to be scheduled.
	var handled struct {
		sync.Mutex
		d []time.Duration
	}
	timed := s.onWebhook
	s.onWebhook = func(route string, status int, d time.Duration) {
		if timed != nil {
			timed(route, status, d)
		}
		if status < 300 {
			handled.Lock()
			handled.d = append(handled.d, d)
			handled.Unlock()
		}
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	runDone := make(chan error, 1)
	go func() { runDone <- s.run(runCtx) }()
	defer func() {
		stop()
		<-runDone
	}()

	// The floor: a bare Fiber handler doing one Redis round trip.
	rdb, err := storage.Connect(ctx, redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	defer deletePrefix(context.Background(), rdb, prefix)
	floorPort, err := freeTCPPort()
	if err != nil {
		return err
	}
	floor := fiber.New(fiber.Config{DisableStartupMessage: true})
	floorKey := prefix + ":floor"
	floor.Post("/floor", func(c *fiber.Ctx) error {
		if err := rdb.Incr(c.UserContext(), floorKey).Err(); err != nil {
			return err
		}
		return c.SendString("ok")
	})
	go floor.Listen(fmt.Sprintf("127.0.0.1:%d", floorPort))
	defer floor.Shutdown()
	if err := waitListening(ctx, port, floorPort); err != nil {
		return err
	}
	desc := machine(ctx, rdb)

	tuneGC() // as serve runs
	stopProfile, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()

	webhooks := newWebhookSigner(cfg.PublicURL + "/webhooks/twilio")
	var seq atomic.Int64
	var results []inboundLevel
	var watch *archiveWatch
	if s.archive != nil {
		if watch, err = watchArchive(ctx, s.archive, pipeStore); err != nil {
			return err
		}
	}
	var loadEnd time.Time
	for _, c := range conc {
		fmt.Fprintf(os.Stderr, "inbound: concurrency %d for %s (rate %s)…\n", c, *duration, rateDesc(*rate))
		mu.Lock()
		e2e = e2e[:0]
		mu.Unlock()
		handled.Lock()
		handled.d = handled.d[:0]
		handled.Unlock()
		refill() // forget what never came back before this level
		var tracked atomic.Int64
		lvl := inboundLevel{concurrency: c}
		levelStart := time.Now()
		levelCtx, levelCancel := context.WithDeadline(ctx, levelStart.Add(*duration))
		levelOver := levelCtx.Done()
		redisCPUBefore, ownCPUBefore, hostBefore := redisCPUSeconds(ctx, rdb), processCPU(), readHostCPU()
		acks, failures := load(ctx, c, *rate, *duration, fmt.Sprintf("127.0.0.1:%d", port), "/webhooks/twilio",
			func(req *fasthttp.Request) (func(ok bool), bool) {
				// The next conversation without a tracked message in flight.
				// When every conversation awaits its reply, the client waits:
				// the load is then what the pipeline sustains.
				var i int
				for claimed := false; !claimed; {
					select {
					case i = <-free:
						claimed = started[i].CompareAndSwap(0, 1) // two clients never track one conversation
					case <-levelOver:
						return nil, false
					}
				}
				n := seq.Add(1)
				body, sig := webhooks.build(phones[i], fmt.Sprintf("SM%s%024x", runID[:8], n))
				req.Header.SetMethod("POST")
				req.Header.SetContentType("application/x-www-form-urlencoded")
				req.Header.Set("X-Twilio-Signature", sig)
				req.SetBodyRaw(body)
				started[i].Store(time.Now().UnixNano())
				return func(ok bool) {
					if ok {
						tracked.Add(1)
					} else {
						started[i].Store(0) // not acknowledged: no reply expected
						release(i)
					}
				}, true
			})
		levelCancel()
		loadEnd = time.Now()
		lvl.stealService, lvl.stealFloor = stealPercent(hostBefore, readHostCPU()), -1
		slices.Sort(acks)
		lvl.acks, lvl.failures = len(acks), failures
		lvl.ackRate = float64(len(acks)) / duration.Seconds()
		lvl.ackP50, lvl.ackP99 = percentile(acks, 50), percentile(acks, 99)
		handled.Lock()
		inService := slices.Clone(handled.d)
		handled.Unlock()
		slices.Sort(inService)
		lvl.ackP99InService = percentile(inService, 99)
		deadline := time.Now().Add(*drain)
		for {
			mu.Lock()
			n := len(e2e)
			mu.Unlock()
			if int64(n) >= tracked.Load() || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		lat := slices.Clone(e2e)
		mu.Unlock()
		slices.Sort(lat)
		lvl.replies, lvl.unreplied = len(lat), int(tracked.Load())-len(lat)
		if end := time.Unix(0, lastHanded.Load()); len(lat) > 0 && end.After(levelStart) {
			lvl.e2eRate = float64(len(lat)) / end.Sub(levelStart).Seconds()
		}
		lvl.e2eP50, lvl.e2eP99 = percentile(lat, 50), percentile(lat, 99)
		if lvl.replies > 0 {
			lvl.redisCPUPerReply = time.Duration((redisCPUSeconds(ctx, rdb) - redisCPUBefore) / float64(lvl.replies) * 1e9)
			lvl.ownCPUPerReply = (processCPU() - ownCPUBefore) / time.Duration(lvl.replies)
		}

		if !*withFloor {
			results = append(results, lvl)
			continue
		}
		// Closed loop, the floor's best throughput; open loop, the same
		// arrivals as the service got, so its latency is the least any
		// service could show on this machine at that rate.
		fmt.Fprintf(os.Stderr, "floor: concurrency %d for %s (rate %s)…\n", c, *duration, rateDesc(*rate))
		floorBefore := readHostCPU()
		facks, ffail := load(ctx, c, *rate, *duration, fmt.Sprintf("127.0.0.1:%d", floorPort), "/floor",
			func(req *fasthttp.Request) (func(bool), bool) {
				req.Header.SetMethod("POST")
				req.SetBodyString("x")
				return nil, true
			})
		lvl.stealFloor = stealPercent(floorBefore, readHostCPU())
		slices.Sort(facks)
		lvl.floorRate, lvl.floorFailures = float64(len(facks))/duration.Seconds(), ffail
		lvl.floorP50, lvl.floorP99 = percentile(facks, 50), percentile(facks, 99)
		results = append(results, lvl)
	}

	var b strings.Builder
	poolDesc := "shared Redis pool (serve's default)"
	if *pool > 0 {
		poolDesc = fmt.Sprintf("pipeline on its own Redis pool of %d", *pool)
	}
	who := "unknown numbers"
	if *debtors {
		who = "each a debtor with one overdue debt"
	}
	fmt.Fprintf(&b, "%d conversations (%s), webhooks %s, %s per level, %d workers, %d senders, batch %d (pause %s), %s, null SMS channel, Twilio-signed webhooks over loopback (fasthttp client, keep-alive).\n\n",
		*convs, who, rateDesc(*rate), *duration, cfg.Workers, cfg.Senders, cfg.Batch, cfg.BatchWait, poolDesc)
	if watch != nil {
		line, err := watch.finish(ctx, loadEnd, *drain)
		if err != nil {
			return err
		}
		b.WriteString(line)
	} else {
		b.WriteString("Archive off (--archive off).\n\n")
	}
	writeInboundTable(&b, results, *rate > 0, runtime.NumCPU())
	if err := report(*out, "Inbound", "quita bench inbound "+strings.Join(args, " "), desc, b.String()); err != nil {
		return err
	}
	for _, l := range results {
		if l.unreplied > 0 {
			return fmt.Errorf("concurrency %d: %d acknowledged webhooks got no reply within --drain %s", l.concurrency, l.unreplied, *drain)
		}
	}
	return nil
}

// writeInboundTable prints one row per level and, closed loop, the peak to
// peak ratio. Open loop the floor got the same arrivals as the service, so
// only its latency compares: no ratio.
func writeInboundTable(b *strings.Builder, results []inboundLevel, openLoop bool, cores int) {
	b.WriteString("| concurrency | acks/s | ack p50 ms | ack p99 ms | ack p99 in service ms | replies/s (e2e) | e2e p50 ms | e2e p99 ms | Redis CPU µs/reply | quita CPU µs/reply | floor req/s | floor p99 ms | e2e ÷ floor | failed acks | unreplied | CPU steal % (service, floor) |\n")
	b.WriteString("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, l := range results {
		floor := "— | — | —" // not measured (--floor=false)
		switch {
		case l.floorRate > 0 && openLoop: // both got the same arrivals: only the latencies compare
			floor = fmt.Sprintf("%.0f | %s | —", l.floorRate, ms(l.floorP99))
		case l.floorRate > 0:
			floor = fmt.Sprintf("%.0f | %s | %.0f%%", l.floorRate, ms(l.floorP99), 100*l.e2eRate/l.floorRate)
		}
		fmt.Fprintf(b, "| %d | %.0f | %s | %s | %s | %.0f | %s | %s | %d | %d | %s | %d | %d | %s, %s |\n",
			l.concurrency, l.ackRate, ms(l.ackP50), ms(l.ackP99), ms(l.ackP99InService), l.e2eRate, ms(l.e2eP50), ms(l.e2eP99),
			l.redisCPUPerReply.Microseconds(), l.ownCPUPerReply.Microseconds(), floor, l.failures+l.floorFailures, l.unreplied,
			percentOrDash(l.stealService), percentOrDash(l.stealFloor))
	}
	if best, bestFloor := peakRates(results); len(results) > 1 && bestFloor.floorRate > 0 && !openLoop {
		// each at its best level: the floor often peaks at a lower
		// concurrency than the service, and a ratio per level flatters the
		// levels where the floor itself has slowed down
		fmt.Fprintf(b, "\nPeak to peak: %.0f replies/s (c=%d) ÷ %.0f floor req/s (c=%d) = %.0f%%.\n",
			best.e2eRate, best.concurrency, bestFloor.floorRate, bestFloor.concurrency, 100*best.e2eRate/bestFloor.floorRate)
		writeCeilings(b, best, bestFloor.floorRate, cores)
	}
}

// writeCeilings says what bounds the best level, from its CPU per reply:
// Redis runs each command on one thread, so its CPU per reply caps the
// replies per second whatever the cores; and the Redis and quita CPU per
// reply together cannot exceed the machine's cores.
func writeCeilings(b *strings.Builder, best inboundLevel, floorRate float64, cores int) {
	redis, own := best.redisCPUPerReply.Seconds(), best.ownCPUPerReply.Seconds()
	if redis <= 0 || own <= 0 || cores < 1 {
		return
	}
	oneThread, allCores := 1/redis, float64(cores)/(redis+own)
	fmt.Fprintf(b, "Ceilings at c=%d: one Redis thread at %.0f µs per reply serves at most %.0f replies/s (%.0f%% of the floor's best); %d cores at %.0f µs per reply (Redis and quita) at most %.0f (%.0f%%).\n",
		best.concurrency, redis*1e6, oneThread, 100*oneThread/floorRate, cores, (redis+own)*1e6, allCores, 100*allCores/floorRate)
}

func percentOrDash(p float64) string {
	if p < 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f", p)
}

// peakRates are the levels with the most replies and the fastest floor.
func peakRates(results []inboundLevel) (best, bestFloor inboundLevel) {
	for _, l := range results {
		if l.e2eRate > best.e2eRate {
			best = l
		}
		if l.floorRate > bestFloor.floorRate {
			bestFloor = l
		}
	}
	return best, bestFloor
}

// load runs c clients against addr+path for d; prepare fills each request
// and may return a callback told whether it was acknowledged (2xx).
func load(ctx context.Context, c int, rate float64, d time.Duration, addr, path string, prepare func(req *fasthttp.Request) (done func(ok bool), ok bool)) ([]time.Duration, int) {
	client := &fasthttp.HostClient{Addr: addr, MaxConns: c, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	start := time.Now()
	end := start.Add(d)
	// With a rate, request i is due at start + i/rate (open loop) and its
	// latency counts from then, so a stalled server shows as latency rather
	// than as fewer requests (no coordinated omission); c bounds the
	// requests in flight. Without one, each client sends as soon as its
	// last request was answered (closed loop).
	var seq atomic.Int64
	due := func() (time.Time, bool) {
		if rate <= 0 {
			return time.Now(), true
		}
		at := start.Add(time.Duration(float64(seq.Add(1)-1) / rate * float64(time.Second)))
		if !at.Before(end) {
			return at, false
		}
		if wait := time.Until(at); wait > 0 {
			time.Sleep(wait)
		}
		return at, true
	}
	var mu sync.Mutex
	var all []time.Duration
	var failures atomic.Int64
	var wg sync.WaitGroup
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			lat := make([]time.Duration, 0, 4096)
			for time.Now().Before(end) && ctx.Err() == nil {
				t0, ok := due()
				if !ok {
					break
				}
				req.Reset()
				req.SetRequestURI("http://" + addr + path)
				done, ok := prepare(req)
				if !ok {
					break
				}
				if rate <= 0 {
					t0 = time.Now()
				}
				err := client.Do(req, resp)
				ok = err == nil && resp.StatusCode() < 300
				if ok {
					lat = append(lat, time.Since(t0))
				} else {
					failures.Add(1)
				}
				if done != nil {
					done(ok)
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, int(failures.Load())
}

func rateDesc(rate float64) string {
	if rate <= 0 {
		return "as fast as answered (closed loop)"
	}
	return fmt.Sprintf("at %.0f/s (open loop, latency from each one's scheduled time)", rate)
}

func freeTCPPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitListening waits until every port accepts connections.
func waitListening(ctx context.Context, ports ...int) error {
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range ports {
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return errors.Join(fmt.Errorf("port %d never listened", p), err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// benchCreditorFile writes the one creditor the benchmark's conversations
// talk to (a production start needs a creditor file of its own; the bench's
// messages never ask for a payment, so it configures no billing).
func benchCreditorFile() (string, error) {
	f, err := os.CreateTemp("", "quita-bench-*.yaml")
	if err != nil {
		return "", err
	}
	_, err = f.WriteString("creditors:\n  - {id: bench, name: Loja Bench, cnpj: 11.222.333/0001-81}\n")
	return f.Name(), errors.Join(err, f.Close())
}
