package chatwoot

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Pipeline is what the bridge reads of quita's conversations (bot.Bot).
type Pipeline interface {
	Conversation(ctx context.Context, conv string) (dialogs.Conversation, error)
}

// Handoffs is what the bridge does to them on an agent's behalf (bot.Handoffs).
type Handoffs interface {
	Hold(ctx context.Context, conv, agent, reason string, takeOver bool) (dialogs.Conversation, error)
	ReplyAs(ctx context.Context, conv, agent, id string, m dialogs.Message) ([]storage.Outbound, bool, error)
	HandBack(ctx context.Context, conv, agent, resume string, asAdmin bool) (dialogs.Conversation, error)
	Release(ctx context.Context, conv string, cutoff time.Time) (bool, error)
}

// Options tune the bridge; zero values take the defaults.
type Options struct {
	Workers   int            // conversations mirrored at once (default 4)
	RetryBase time.Duration  // first retry after a failure, doubled each time (default 1s)
	RetryMax  time.Duration  // longest wait between retries (default 1m)
	Poll      time.Duration  // how often due work is looked for (default 250ms)
	Sweep     time.Duration  // how often every mirrored conversation is re-checked (default 30s)
	LeaseTTL  time.Duration  // the worker lease (default 15s)
	Consumer  string         // this process's consumer name on the inbound stream
	Location  *time.Location // the clock agents read in notes (default: the process's)
	Now       func() time.Time
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.RetryMax <= 0 {
		o.RetryMax = time.Minute
	}
	if o.Poll <= 0 {
		o.Poll = 250 * time.Millisecond
	}
	if o.Sweep <= 0 {
		o.Sweep = 30 * time.Second
	}
	if o.LeaseTTL <= 0 {
		o.LeaseTTL = 15 * time.Second
	}
	if o.Consumer == "" {
		o.Consumer = "cw-" + storage.NewID()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Bridge mirrors quita's conversations into one Chatwoot inbox and applies
// what agents do there. Run it in the background; Webhook receives
// Chatwoot's deliveries. One process at a time does the work (a Redis
// lease); the others only accept webhooks.
type Bridge struct {
	cfg      Config
	api      *Client
	pipe     Pipeline
	handoffs Handoffs
	store    *storage.Store
	rdb      redis.UniversalClient
	keys     keys
	log      *slog.Logger
	opts     Options

	wake      chan struct{}
	stopped   chan struct{} // closed when Run returns
	profileID atomic.Int64
	errors    atomic.Int64 // this process's errors, for the metric

	agentsMu sync.Mutex
	agents   []Agent
	agentsAt time.Time

	// watched are the conversations whose every change is worth a sync
	// (handoffs mode: the mirrored ones), so that the pipeline's change
	// notifications cost no Redis call each; the sweep refreshes it.
	watchedMu sync.Mutex
	watched   map[string]bool
}

func (b *Bridge) watch(convs ...string) {
	b.watchedMu.Lock()
	defer b.watchedMu.Unlock()
	if b.watched == nil {
		b.watched = map[string]bool{}
	}
	for _, c := range convs {
		b.watched[c] = true
	}
}

func (b *Bridge) isWatched(conv string) bool {
	b.watchedMu.Lock()
	defer b.watchedMu.Unlock()
	return b.watched[conv]
}

// New builds a bridge; cfg must be Enabled.
func New(cfg Config, api *Client, pipe Pipeline, h Handoffs, store *storage.Store, log *slog.Logger, opts Options) *Bridge {
	opts.defaults()
	return &Bridge{cfg: cfg, api: api, pipe: pipe, handoffs: h, store: store, rdb: store.Redis(),
		keys: keys{p: store.Keys().Prefix}, log: log, opts: opts, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
}

// Done is closed once Run has returned (its work stopped, its lease given up).
func (b *Bridge) Done() <-chan struct{} { return b.stopped }

// Config is the bridge's configuration.
func (b *Bridge) Config() Config { return b.cfg }

func (b *Bridge) now() time.Time { return b.opts.Now() }

// Mark queues conv for mirroring now (or keeps its later retry time: a
// conversation waiting out a Chatwoot outage is not hammered).
func (b *Bridge) Mark(ctx context.Context, conv string) error {
	_, err := b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, b.keys.state(conv), "gen", 1)
		p.ZAddNX(ctx, b.keys.due(), redis.Z{Score: float64(b.now().UnixMilli()), Member: conv})
		return nil
	})
	if err != nil {
		return fmt.Errorf("chatwoot: queue %s for mirroring: %w", conv, err)
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return nil
}

// doneScript removes a conversation from the work queue only if nothing
// marked it during the sync (its generation is the one the sync read).
var doneScript = redis.NewScript(`
local g = redis.call('HGET', KEYS[2], 'gen') or ''
redis.call('HDEL', KEYS[2], 'fails')
if g == ARGV[2] then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0`)

// Run mirrors and applies webhooks while this process holds the lease,
// until ctx ends.
func (b *Bridge) Run(ctx context.Context) {
	defer close(b.stopped)
	lease := storage.NewLease(b.rdb, b.keys.lease(), b.opts.LeaseTTL)
	defer func() { _ = lease.Release(context.WithoutCancel(ctx)) }()
	if err := b.store.EnsureGroup(ctx, b.keys.inbound(), inboundGroup); err != nil {
		b.fail(ctx, "inbound stream", err)
	}
	go b.learnProfile(ctx)
	renew := time.NewTicker(b.opts.LeaseTTL / 3)
	defer renew.Stop()
	for {
		held, err := lease.Acquire(ctx)
		if err != nil && ctx.Err() == nil {
			b.log.Warn("chatwoot: lease", "err", err)
		}
		if held {
			b.work(ctx, lease)
		}
		select {
		case <-ctx.Done():
			return
		case <-renew.C:
		}
	}
}

// work runs the mirror's loops until the lease is lost or ctx ends.
func (b *Bridge) work(ctx context.Context, lease *storage.Lease) {
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	queues := make([]chan string, b.opts.Workers)
	inflight := sync.Map{}
	for i := range queues {
		queues[i] = make(chan string, 64)
		wg.Add(1)
		go func(q chan string) {
			defer wg.Done()
			for conv := range q {
				b.syncOne(wctx, conv)
				inflight.Delete(conv)
			}
		}(queues[i])
	}
	wg.Add(3)
	go func() { defer wg.Done(); b.listen(wctx) }()
	go func() { defer wg.Done(); b.consumeInbound(wctx) }()
	go func() {
		defer wg.Done()
		sweep := time.NewTicker(b.opts.Sweep)
		defer sweep.Stop()
		b.sweep(wctx)
		for {
			select {
			case <-wctx.Done():
				return
			case <-sweep.C:
				b.sweep(wctx)
			}
		}
	}()
	poll := time.NewTicker(b.opts.Poll)
	renew := time.NewTicker(b.opts.LeaseTTL / 3)
	defer func() {
		poll.Stop()
		renew.Stop()
		stop()
		for _, q := range queues {
			close(q)
		}
		wg.Wait()
	}()
	for {
		select {
		case <-wctx.Done():
			return
		case <-renew.C:
			if ok, err := lease.Renew(wctx); err != nil || !ok {
				b.log.Warn("chatwoot: lost the worker lease; another process mirrors now", "err", err)
				return
			}
		case <-poll.C:
		case <-b.wake:
		}
		due, err := b.rdb.ZRangeByScore(wctx, b.keys.due(), &redis.ZRangeBy{Min: "-inf",
			Max: strconv.FormatInt(b.now().UnixMilli(), 10), Count: 64}).Result()
		if err != nil {
			if wctx.Err() == nil {
				b.log.Warn("chatwoot: read the work queue", "err", err)
			}
			continue
		}
		for _, conv := range due {
			if _, busy := inflight.LoadOrStore(conv, true); busy {
				continue
			}
			h := fnv.New32a()
			h.Write([]byte(conv))
			select {
			case queues[h.Sum32()%uint32(len(queues))] <- conv:
			default:
				inflight.Delete(conv) // that worker is busy: next poll
			}
		}
	}
}

// syncOne mirrors one conversation and takes it off the queue, or pushes
// its next attempt back with exponential backoff.
func (b *Bridge) syncOne(ctx context.Context, conv string) {
	gen, err := b.rdb.HGet(ctx, b.keys.state(conv), "gen").Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return
	}
	if err := b.sync(ctx, conv); err != nil {
		if ctx.Err() != nil {
			return
		}
		b.fail(ctx, "mirror "+maskConv(conv), err)
		fails, _ := b.rdb.HIncrBy(ctx, b.keys.state(conv), "fails", 1).Result()
		wait := b.opts.RetryBase << min(fails-1, 20)
		if wait > b.opts.RetryMax || wait <= 0 {
			wait = b.opts.RetryMax
		}
		b.rdb.ZAdd(ctx, b.keys.due(), redis.Z{Score: float64(b.now().Add(wait).UnixMilli()), Member: conv})
		return
	}
	if err := doneScript.Run(ctx, b.rdb, []string{b.keys.due(), b.keys.state(conv)}, conv, gen).Err(); err != nil && ctx.Err() == nil {
		b.log.Warn("chatwoot: finish a sync", "err", err)
	}
}

// listen marks conversations as the pipeline announces their changes
// (pub/sub: fast, lossy; the sweep covers what it misses).
func (b *Bridge) listen(ctx context.Context) {
	k := b.store.Keys()
	sub := b.rdb.Subscribe(ctx, k.Events(), k.HandoffEvents())
	defer sub.Close()
	ch := sub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case msg, ok := <-ch:
			if !ok {
				return
			}
			conv := msg.Payload
			if msg.Channel == k.HandoffEvents() {
				var ev storage.HandoffEvent
				if err := jsonUnmarshal([]byte(msg.Payload), &ev); err != nil {
					continue
				}
				conv = ev.Conversation
				b.watch(conv)
			} else if b.cfg.Mirror == MirrorHandoffs && !b.isWatched(conv) {
				continue // not mirrored: its handoff event will start it
			}
			if conv != "" {
				_ = b.Mark(ctx, conv)
			}
		}
	}
}

// sweep marks every conversation that may have work: the mirrored ones,
// those waiting for or held by a person and, mirroring all, the most
// recently active.
func (b *Bridge) sweep(ctx context.Context) {
	var convs []string
	add := func(ids []string, err error) {
		if err == nil {
			convs = append(convs, ids...)
		}
	}
	if mirrored, err := b.rdb.ZRange(ctx, b.keys.mirrored(), 0, -1).Result(); err == nil {
		b.watchedMu.Lock()
		b.watched = map[string]bool{}
		b.watchedMu.Unlock()
		b.watch(mirrored...)
		convs = append(convs, mirrored...)
	}
	add(b.store.HandoffQueued(ctx, 500))
	add(b.store.HandoffHeld(ctx, 500))
	if b.cfg.Mirror == MirrorAll {
		add(b.store.Conversations(ctx, 0, 200))
	}
	seen := map[string]bool{}
	for _, c := range convs {
		if !seen[c] {
			seen[c] = true
			_ = b.Mark(ctx, c)
		}
	}
}

// learnProfile reads the token's user once Chatwoot answers: messages it
// posted are quita's own.
func (b *Bridge) learnProfile(ctx context.Context) {
	wait := b.opts.RetryBase
	for {
		p, err := b.api.Profile(ctx)
		if err == nil {
			b.profileID.Store(p.ID)
			b.log.Info("chatwoot: connected", "as", p.Name, "role", p.Role)
			if p.Role != "" && p.Role != "administrator" {
				b.log.Warn("chatwoot: QUITA_CHATWOOT_TOKEN belongs to an agent, not an administrator: Chatwoot assigns conversations to the agent who opens them, so quita's handoffs would all be assigned to it")
			}
			return
		}
		if ctx.Err() != nil {
			return
		}
		b.fail(ctx, "profile", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, b.opts.RetryMax)
	}
}

// fail counts and logs an error talking to Chatwoot or applying its webhooks.
func (b *Bridge) fail(ctx context.Context, what string, err error) {
	b.errors.Add(1)
	now := b.now()
	b.rdb.HIncrBy(ctx, b.keys.stats(), "errors", 1)
	b.rdb.HSet(ctx, b.keys.stats(), "last_error", truncate(what+": "+err.Error(), 300), "last_error_at", now.UnixMilli())
	b.log.Warn("chatwoot: "+what, "err", err)
}

// ErrorsTotal is the errors this process counted (quita_chatwoot_errors_total).
func (b *Bridge) ErrorsTotal() int64 { return b.errors.Load() }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
