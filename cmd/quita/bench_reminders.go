package main

import (
	"context"
	"flag"
	"fmt"
	"iter"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/bot"
	"github.com/quita-bot/quita/bot/metrics"
	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/config"
	"github.com/quita-bot/quita/portfolio"
	"github.com/quita-bot/quita/storage"
)

func init() { benchmarks["reminders"] = benchReminders }

func benchReminders(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench reminders", flag.ContinueOnError)
	redisFlag := fs.String("redis", "", "Redis URL (default $REDIS_URL); a real, otherwise quiet server (memory is read from INFO)")
	n := fs.Int("debts", 1_000_000, "debts to import (one debtor each)")
	dispatchers := fs.Int("dispatchers", 4, "scheduler passes running at once (as several processes would)")
	workers := fs.Int("workers", 16, "inbound workers")
	senders := fs.Int("senders", 8, "outbound senders")
	timeout := fs.Duration("timeout", 30*time.Minute, "give up dispatching after this long")
	keep := fs.Bool("keep", false, "keep the imported keys (default: delete them at the end)")
	out := fs.String("out", benchHistory, "append the result to this file (- for none)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the whole run here")
	importOnly := fs.Bool("import-only", false, "measure the import and memory only, no dispatch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tuneGC() // as serve runs
	stopProfile, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	redisURL, err := benchRedisURL(*redisFlag)
	if err != nil {
		return err
	}
	rdb, err := storage.Connect(ctx, redisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	prefix := "bench:" + storage.NewID()
	if !*keep {
		defer deletePrefix(context.Background(), rdb, prefix)
	}
	store := storage.New(rdb, prefix)
	file, err := config.LoadFile(os.Getenv("QUITA_CONFIG"))
	if err != nil {
		return err
	}
	dir := config.NewDirectory(file)
	creditor := dir.DefaultCreditor().ID

	// The pipeline and scheduler as serve builds them, on a clock the
	// benchmark moves to the cadence day (it keeps running from there, so
	// retries with backoff come due), with a null SMS channel.
	var clockOffset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(clockOffset.Load())) }
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	b := bot.New(store, dialogsFor(dir), dir, log, now, bot.Options{Workers: *workers, Senders: *senders,
		RatePerSecond: map[string]float64{channels.SMS: 1e9}})
	cads, pols, err := reminderParts(dir)
	if err != nil {
		return err
	}
	gate := &bot.Compliance{Store: store, Log: log, Default: bot.PresetBR, Creditors: pols}
	b.SetGate(gate)
	sched := bot.NewScheduler(b, gate, cads, bot.SchedulerOptions{Batch: 200})
	var handed atomic.Int64
	var lastHanded atomic.Int64
	b.AddChannel(nullChannel{name: channels.SMS, onSend: func(_ string, at time.Time) {
		handed.Add(1)
		lastHanded.Store(at.UnixNano())
	}})
	known := func(id string) bool { _, ok := dir.Creditor(id); return ok }
	im := &portfolio.Importer{Store: store, Creditors: known, FirstReminder: sched.FirstReminder}

	desc := machine(ctx, rdb)
	memBefore, err := usedMemory(ctx, rdb)
	if err != nil {
		return err
	}
	due := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	fmt.Fprintf(os.Stderr, "reminders: importing %d debts due %s…\n", *n, due)
	redisCPUBefore := redisCPUSeconds(ctx, rdb)
	importStart := time.Now()
	lastProgress := 0
	// One import of all rows, generated as the importer takes them (as
	// `quita import` reads a file), with progress every 100,000.
	sum, err := im.ImportSeq(ctx, benchRows(*n, 0, creditor, due), *n, nil, func(done, _ int) {
		if done/100_000 != lastProgress {
			lastProgress = done / 100_000
			fmt.Fprintf(os.Stderr, "  %d imported (%.0f/s)\n", done, float64(done)/time.Since(importStart).Seconds())
		}
	})
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("import refused %d rows: %+v", sum.Failed, sum.Errors[:min(3, len(sum.Errors))])
	}
	importDur := time.Since(importStart)
	memAfter, err := usedMemory(ctx, rdb)
	if err != nil {
		return err
	}
	rssImport := rss()
	redisCPU := redisCPUSeconds(ctx, rdb) - redisCPUBefore
	if *importOnly {
		var sb strings.Builder
		fmt.Fprintf(&sb, "%d debts (one debtor each), creditor %q, import only.\n\n", *n, creditor)
		sb.WriteString("| figure | value |\n|---|---:|\n")
		writeImportFigures(&sb, *n, importDur, redisCPU, memBefore, memAfter, rssImport)
		return report(*out, "Reminders (import)", "quita bench reminders "+strings.Join(args, " "), desc, sb.String())
	}

	// One cadence day: move the clock to the first reminder and dispatch.
	first, err := sched.FirstReminder(creditor, due, "America/Sao_Paulo")
	if err != nil {
		return err
	}
	clockOffset.Store(int64(time.Until(first.Add(time.Minute))))
	botCtx, stopBot := context.WithCancel(ctx)
	defer func() { stopBot(); b.Wait() }()
	if err := b.Start(botCtx); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "reminders: dispatching the cadence day of %s with %d dispatchers…\n", first.Format(time.RFC3339), *dispatchers)
	dispatchStart := time.Now()
	var claimed atomic.Int64
	var wg sync.WaitGroup
	dctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	for range *dispatchers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for dctx.Err() == nil {
				k, err := sched.RunDue(dctx)
				claimed.Add(int64(k))
				if k == 0 && err == nil {
					return
				}
			}
		}()
	}
	claimingDone := make(chan struct{})
	go func() { // progress while the scheduler claims (a million takes minutes)
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-claimingDone:
				return
			case <-tick.C:
				fmt.Fprintf(os.Stderr, "  %d handed to the channel (%.0f/s)\n", handed.Load(), float64(handed.Load())/time.Since(dispatchStart).Seconds())
			}
		}
	}()
	wg.Wait()
	close(claimingDone)
	claimDur := time.Since(dispatchStart)
	for lastReport := time.Now(); handed.Load() < claimed.Load() && dctx.Err() == nil; {
		time.Sleep(50 * time.Millisecond)
		if time.Since(lastReport) > 5*time.Second {
			fmt.Fprintf(os.Stderr, "  %d of %d reminders handed to the channel\n", handed.Load(), claimed.Load())
			lastReport = time.Now()
		}
	}
	dispatchDur := time.Unix(0, lastHanded.Load()).Sub(dispatchStart)
	rssEnd := rss()

	var sb strings.Builder
	fmt.Fprintf(&sb, "%d debts (one debtor each), creditor %q, default cadence, BR compliance gate, null SMS channel; %d dispatchers, %d workers, %d senders.\n\n",
		*n, creditor, *dispatchers, *workers, *senders)
	sb.WriteString("| figure | value |\n|---|---:|\n")
	writeImportFigures(&sb, *n, importDur, redisCPU, memBefore, memAfter, rssImport)
	fmt.Fprintf(&sb, "| reminders claimed (scheduler) | %d in %s, %.0f/s |\n", claimed.Load(), claimDur.Round(time.Millisecond), float64(claimed.Load())/claimDur.Seconds())
	fmt.Fprintf(&sb, "| reminders handed to the channel | %d in %s, %.0f/s |\n", handed.Load(), dispatchDur.Round(time.Millisecond), float64(handed.Load())/max(dispatchDur.Seconds(), 1e-9))
	fmt.Fprintf(&sb, "| process RSS after dispatch | %s |\n", mib(rssEnd))
	return report(*out, "Reminders", "quita bench reminders "+strings.Join(args, " "), desc, sb.String())
}

// dialogsFor is the engine serve uses (newDialog without a service).
func dialogsFor(dir *config.Directory) bot.Dialog {
	s := &service{dir: dir, cfg: config.Config{Timezone: "America/Sao_Paulo"}}
	return newDialog(s)
}

// benchRows are n synthetic debts with distinct debtors, phones and CPFs.
func benchRows(n, offset int, creditor, due string) iter.Seq[portfolio.Row] {
	return func(yield func(portfolio.Row) bool) {
		for i := range n {
			k := offset + i
			r := portfolio.Row{Line: i + 2, Creditor: creditor, DebtorName: "Cliente " + strconv.Itoa(k), CPF: portfolio.CPFFor(k + 1000),
				Phone: fmt.Sprintf("+55119%08d", k), Channel: channels.SMS, Invoice: "NF-" + strconv.Itoa(k),
				Description: "Parcela 3/10", Amount: "359,90", DueDate: due, PaymentMethod: "boleto", TimeZone: "America/Sao_Paulo"}
			if !yield(r) {
				return
			}
		}
	}
}

// writeImportFigures adds the import rows of the result table.
func writeImportFigures(sb *strings.Builder, n int, took time.Duration, redisCPU float64, memBefore, memAfter, rssAfter int64) {
	fmt.Fprintf(sb, "| import | %.0f debts/s (%s) |\n", float64(n)/took.Seconds(), took.Round(time.Millisecond))
	fmt.Fprintf(sb, "| Redis CPU per imported row | %.1f µs (INFO cpu, user + sys) |\n", redisCPU/float64(n)*1e6)
	fmt.Fprintf(sb, "| Redis memory per imported, scheduled debt | %.0f bytes (used_memory %s → %s) |\n", float64(memAfter-memBefore)/float64(n), mib(memBefore), mib(memAfter))
	fmt.Fprintf(sb, "| process RSS after import | %s |\n", mib(rssAfter))
}

// redisCPUSeconds is the server's CPU time so far (user + system), 0 when
// INFO cannot be read.
func redisCPUSeconds(ctx context.Context, rdb redis.UniversalClient) float64 {
	info, err := rdb.Info(ctx, "cpu").Result()
	if err != nil {
		return 0
	}
	sys, _ := strconv.ParseFloat(metrics.InfoField(info, "used_cpu_sys"), 64)
	user, _ := strconv.ParseFloat(metrics.InfoField(info, "used_cpu_user"), 64)
	return user + sys
}

func usedMemory(ctx context.Context, rdb redis.UniversalClient) (int64, error) {
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(metrics.InfoField(info, "used_memory"), 10, 64)
}

// rss is this process's resident set size in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
