// Package bot is quita's message pipeline: it accepts inbound messages
// durably, runs each conversation's dialog one message at a time, and sends
// the replies through the outbound queue with retries and rate limits.
package bot

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// Dialog runs one event through a conversation (dialogs.Engine).
type Dialog interface {
	Step(c dialogs.Conversation, ev dialogs.Event, now time.Time) (dialogs.Conversation, []dialogs.Action, error)
}

// Directory knows the creditors (from the config).
type Directory interface {
	Creditor(id string) (dialogs.Creditor, bool)
	DefaultCreditor() dialogs.Creditor
}

// ActionHandler carries out a dialog action other than sending a message
// (handoff, promise, agreement, reminders…). It must be idempotent: an
// action is delivered at least once.
type ActionHandler func(ctx context.Context, conv string, a dialogs.Action) error

// Options tune the pipeline; zero values take the defaults.
type Options struct {
	Workers       int           // inbound workers per process (default 8)
	Batch         int           // conversations a worker steps together under load (default 16)
	BatchWait     time.Duration // a stream reader's pause after a partial read, to gather a batch (0: none)
	Senders       int           // outbound senders per process (default 4)
	LockTTL       time.Duration // conversation lock lease (default 30s)
	ClaimIdle     time.Duration // reclaim entries pending this long (default 30s)
	ClaimEvery    time.Duration // how often to look for them (default 5s)
	MaxAttempts   int           // send attempts before failing (default 6)
	RetryBase     time.Duration // first retry delay, doubled each time (default 2s)
	RetryPoll     time.Duration // how often due retries are promoted (default 500ms)
	ReadBlock     time.Duration // how long a stream read waits for entries (default 2s); bounds shutdown time
	RatePerSecond map[string]float64
	Consumer      string        // this process's consumer name (default hostname-pid)
	FallbackSMS   bool          // a failed WhatsApp message is sent again by SMS
	NudgeAfter    time.Duration // silence after a bot reply before the timeout event; <= 0 disables
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Senders <= 0 {
		o.Senders = 4
	}
	if o.Batch <= 0 {
		o.Batch = 16
	}
	if o.LockTTL <= 0 {
		o.LockTTL = 30 * time.Second
	}
	if o.ClaimIdle <= 0 {
		o.ClaimIdle = 30 * time.Second
	}
	if o.ClaimEvery <= 0 {
		o.ClaimEvery = 5 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 6
	}
	if o.RetryBase <= 0 {
		o.RetryBase = 2 * time.Second
	}
	if o.ReadBlock <= 0 {
		o.ReadBlock = 2 * time.Second
	}
	if o.RetryPoll <= 0 {
		o.RetryPoll = 500 * time.Millisecond
	}
	if o.Consumer == "" {
		host, _ := os.Hostname()
		o.Consumer = host + "-" + storage.NewID()
	}
}

// Consumer groups of the streams (named in storage, where the metrics read them too).
const (
	groupWorkers = storage.GroupWorkers
	groupSenders = storage.GroupSenders
	groupActions = storage.GroupActions
)

// Bot is the pipeline.
type Bot struct {
	store    *storage.Store
	dialog   Dialog
	dir      Directory
	log      *slog.Logger
	now      func() time.Time
	opts     Options
	mu       sync.RWMutex
	channels map[string]channels.Channel
	handlers map[dialogs.ActionKind][]ActionHandler
	gate     OptOutGate
	limits   *rateLimits
	hooks    Hooks
	wg       sync.WaitGroup
	// templates are the creditors' approved WhatsApp templates (SetTemplates).
	templates Templates
	// messaging is dir's SMS encodings and prices, when it has them.
	messaging Messaging
}

// Hooks observe the pipeline (metrics); nil funcs are skipped.
type Hooks struct {
	Inbound     func(channel string)
	Outbound    func(channel, status string)
	StepLatency func(d time.Duration)
	Batch       func(role string, size int) // a worker's conversations or a sender's messages taken at once
	Blocked     func(reason string)
	Action      func(kind dialogs.ActionKind, reason string)
	// SMSSegments: an SMS the provider accepted, with its creditor,
	// encoding (gsm7 | ucs2) and the segments it is billed as.
	SMSSegments func(creditor, encoding string, segments int)
}

// New builds the pipeline. now is the clock (time.Now in production).
func New(store *storage.Store, dialog Dialog, dir Directory, log *slog.Logger, now func() time.Time, opts Options) *Bot {
	opts.defaults()
	if now == nil {
		now = time.Now
	}
	b := &Bot{store: store, dialog: dialog, dir: dir, log: log, now: now, opts: opts,
		channels: map[string]channels.Channel{}, handlers: map[dialogs.ActionKind][]ActionHandler{}}
	b.messaging, _ = dir.(Messaging)
	b.limits = newRateLimits(opts.RatePerSecond)
	b.gate = OptOutGate{Store: store}
	b.registerCoreActions()
	return b
}

// Store is the pipeline's storage.
func (b *Bot) Store() *storage.Store { return b.store }

// Now is the pipeline's clock.
func (b *Bot) Now() time.Time { return b.now() }

// AddChannel registers a provider under its name.
func (b *Bot) AddChannel(c channels.Channel) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.channels[c.Name()] = c
}

// Channel returns a registered provider.
func (b *Bot) Channel(name string) (channels.Channel, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	c, ok := b.channels[name]
	return c, ok
}

// OnAction registers a handler for an action kind; register before Start.
func (b *Bot) OnAction(kind dialogs.ActionKind, h ActionHandler) {
	b.handlers[kind] = append(b.handlers[kind], h)
}

// SetGate installs further compliance checks (windows, caps); opt-outs are
// always checked first.
func (b *Bot) SetGate(g Gate) { b.gate = OptOutGate{Store: b.store, Next: g} }

// SetHooks installs observers; call before Start.
func (b *Bot) SetHooks(h Hooks) { b.hooks = h }

// Start creates the consumer groups and runs workers, senders and the
// action dispatcher until ctx ends; Wait blocks until they have drained.
func (b *Bot) Start(ctx context.Context) error {
	k := b.store.Keys()
	for _, g := range []struct{ stream, group string }{
		{k.Inbound(), groupWorkers}, {k.Outbound(), groupSenders}, {k.Actions(), groupActions},
	} {
		if err := b.store.EnsureGroup(ctx, g.stream, g.group); err != nil {
			return err
		}
	}
	b.loop(ctx, k.Inbound(), groupWorkers, b.opts.Workers, b.opts.Batch, inboundKey, b.inboundBatch, b.retryAfterOutage)
	b.loop(ctx, k.Outbound(), groupSenders, b.opts.Senders, b.opts.Batch, outboundKey, b.outboundBatch, nil)
	b.loop(ctx, k.Actions(), groupActions, 1, 1, inboundKey, b.each("actions", b.handleAction), nil) // one at a time: a conversation's actions keep their order
	b.every(ctx, b.opts.ClaimEvery, b.reclaim)
	b.every(ctx, b.opts.RetryPoll, b.promoteRetries)
	if b.opts.NudgeAfter > 0 {
		b.every(ctx, b.opts.ClaimEvery, b.deliverNudges)
	}
	return nil
}

// Wait blocks until every loop has stopped after its context ended.
func (b *Bot) Wait() { b.wg.Wait() }

// loop reads a stream as this process's consumer with one blocking read
// and hands the entries to n handlers, so that a process holds one blocked
// Redis connection per stream, not one per handler. Entries of one read
// that share a key (a conversation) form one group, in stream order, so
// that the replies of one step reach the debtor in the order written; a
// handler gets up to batch groups at once (more only accumulate while every
// handler is busy, so batches grow with the load and not otherwise). An
// entry whose handler fails stays pending and is reclaimed later. When its
// reads work again after failing, the loop hands the handlers the entries
// afterOutage (nil: none) returns for that time, before the new ones.
func (b *Bot) loop(ctx context.Context, stream, group string, n, batch int, key func(storage.StreamEntry) string,
	handle func(context.Context, [][]storage.StreamEntry), afterOutage func(context.Context, time.Duration) []storage.StreamEntry) {
	work := make(chan [][]storage.StreamEntry)
	for i := 0; i < n; i++ {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			for groups := range work {
				handle(ctx, groups)
			}
		}()
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer close(work)
		backoff := 100 * time.Millisecond
		count := n * max(batch, 4)
		var failingSince time.Time // the first failed read of an outage
		for ctx.Err() == nil {
			entries, err := b.store.ReadGroup(ctx, stream, group, b.opts.Consumer, int64(count), b.opts.ReadBlock)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				if failingSince.IsZero() {
					failingSince = time.Now()
				}
				b.log.Warn("stream read failed; retrying", "stream", stream, "err", err, "retry_in", backoff)
				sleep(ctx, backoff)
				backoff = min(backoff*2, 5*time.Second)
				continue
			}
			backoff = 100 * time.Millisecond
			if !failingSince.IsZero() {
				down := time.Since(failingSince)
				failingSince = time.Time{}
				b.log.Info("stream reads work again", "stream", stream, "failed_for", down.Round(time.Millisecond))
				if afterOutage != nil {
					entries = append(afterOutage(ctx, down), entries...)
				}
			}
			for groups := groupBy(entries, key); len(groups) > 0; {
				k := min(batch, len(groups))
				work <- groups[:k] // entries already read are handled even if ctx ends now
				groups = groups[k:]
			}
			// After a read that found entries but fewer than it asked for,
			// a pause lets what arrives meanwhile be read, locked, committed
			// and sent together: a fraction of the round trips and script
			// runs of one by one, for at most BatchWait more latency under
			// moderate load, none when idle (the first entry is read at
			// once) or backed up (a full read).
			if n := len(entries); n > 0 && n < count && b.opts.BatchWait > 0 {
				sleep(ctx, b.opts.BatchWait)
			}
		}
	}()
}

// each handles a loop's groups one entry at a time, each with its own
// deadline; in-flight work finishes even during shutdown (a fresh context).
func (b *Bot) each(role string, handle func(context.Context, storage.StreamEntry) error) func(context.Context, [][]storage.StreamEntry) {
	return func(ctx context.Context, groups [][]storage.StreamEntry) {
		for _, g := range groups {
			for _, e := range g {
				wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.LockTTL)
				if err := handle(wctx, e); err != nil {
					b.log.Warn("entry left pending for retry", "role", role, "entry", e.ID, "err", err)
				}
				cancel()
			}
		}
	}
}

// inboundBatch runs a worker's batch with one deadline (the lock's lease);
// in-flight work finishes even during shutdown.
func (b *Bot) inboundBatch(ctx context.Context, groups [][]storage.StreamEntry) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.LockTTL)
	defer cancel()
	b.handleInboundBatch(wctx, groups)
}

// groupBy splits entries by key, keeping stream order inside each group;
// entries without a key stand alone.
func groupBy(entries []storage.StreamEntry, key func(storage.StreamEntry) string) [][]storage.StreamEntry {
	var groups [][]storage.StreamEntry
	at := map[string]int{}
	for _, e := range entries {
		k := key(e)
		if i, ok := at[k]; ok && k != "" {
			groups[i] = append(groups[i], e)
			continue
		}
		at[k] = len(groups)
		groups = append(groups, []storage.StreamEntry{e})
	}
	return groups
}

// inboundKey and outboundKey name an entry's conversation.
func inboundKey(e storage.StreamEntry) string { c, _ := e.Values["c"].(string); return c }

func outboundKey(e storage.StreamEntry) string {
	if c, _ := e.Values["c"].(string); c != "" { // written by commits; retries carry only the message
		return c
	}
	o, err := storage.DecodeOutbound(e)
	if err != nil {
		return ""
	}
	return o.ConversationID
}

func (b *Bot) every(ctx context.Context, d time.Duration, f func(context.Context)) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f(ctx)
			}
		}
	}()
}

// reclaim takes over entries a dead consumer left pending.
func (b *Bot) reclaim(ctx context.Context) {
	k := b.store.Keys()
	for _, s := range []struct {
		stream, group string
		handle        func(context.Context, storage.StreamEntry) error
	}{{k.Inbound(), groupWorkers, b.handleInbound}, {k.Outbound(), groupSenders, b.handleOutbound}, {k.Actions(), groupActions, b.handleAction}} {
		entries, err := b.store.Reclaim(ctx, s.stream, s.group, b.opts.Consumer, b.opts.ClaimIdle, 32)
		if err != nil {
			if ctx.Err() == nil {
				b.log.Warn("reclaim failed", "stream", s.stream, "err", err)
			}
			continue
		}
		for _, e := range entries {
			b.log.Info("reclaimed pending entry", "stream", s.stream, "entry", e.ID)
			if err := s.handle(ctx, e); err != nil {
				b.log.Warn("reclaimed entry left pending", "entry", e.ID, "err", err)
			}
		}
	}
}

// retryAfterOutage takes back, right after Redis answers again, the inbound
// entries that were pending before the outage began (their steps failed
// against a Redis that was gone, in this process or another), instead of
// leaving them to the reclaim pass after ClaimIdle (30 s). An entry read
// before the first failed read has been pending at least as long as the
// reads failed (down); one read since Redis came back has not, so live work
// is not taken. Running an entry twice is harmless: the conversation lock
// and the commit's checks let one step through.
func (b *Bot) retryAfterOutage(ctx context.Context, down time.Duration) []storage.StreamEntry {
	const perPass, passes = 256, 16
	var out []storage.StreamEntry
	for range passes {
		entries, err := b.store.Reclaim(ctx, b.store.Keys().Inbound(), groupWorkers, b.opts.Consumer, down, perPass)
		if err != nil {
			b.log.Warn("taking back entries pending across the outage failed; the reclaim pass will", "err", err)
			break
		}
		out = append(out, entries...)
		if len(entries) < perPass {
			break
		}
	}
	if len(out) > 0 {
		b.log.Info("took back entries pending across the outage", "entries", len(out), "outage", down.Round(time.Millisecond))
	}
	return out
}

// ReclaimNow runs one reclaim pass (tests and operators).
func (b *Bot) ReclaimNow(ctx context.Context) { b.reclaim(ctx) }

func (b *Bot) promoteRetries(ctx context.Context) {
	if _, err := b.store.PromoteRetries(ctx, b.now(), 100); err != nil && ctx.Err() == nil {
		b.log.Warn("promote retries failed", "err", err)
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
