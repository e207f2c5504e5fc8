package bot

import (
	"context"
	"errors"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
	"github.com/quita-bot/quita/storage"
)

// batchConv is one conversation of a worker's batch, locked by the worker.
type batchConv struct {
	id    string
	h     hold
	head  string // the inbox message to run next
	state []byte
}

// handleInboundBatch runs the conversations of one stream read together:
// one round trip locks and reads them all with their debtors and debts,
// one commits all their steps, and again while any inbox still
// holds messages, whatever the number of conversations. Redis then parses,
// runs and answers one script per batch instead of one per conversation,
// and both sides make a fraction of the system calls. A conversation
// another worker holds, or one with an unreadable message, goes on alone
// (handleConversation, drainHeld) after the batch. Entries of a
// conversation that fails stay pending and are reclaimed later.
func (b *Bot) handleInboundBatch(ctx context.Context, groups [][]storage.StreamEntry) {
	if b.hooks.Batch != nil {
		b.hooks.Batch("worker", len(groups))
	}
	if len(groups) == 1 && len(groups[0]) == 1 { // light load: nothing to batch
		if err := b.handleInbound(ctx, groups[0][0]); err != nil {
			b.log.Warn("entry left pending for retry", "role", "worker", "entry", groups[0][0].ID, "err", err)
		}
		return
	}
	var convs []*batchConv
	var names, tokens []string
	for _, g := range groups {
		ids := make([]string, len(g))
		for i, e := range g {
			ids[i] = e.ID
		}
		name := inboundKey(g[0])
		if name == "" {
			if err := b.store.Ack(ctx, b.store.Keys().Inbound(), groupWorkers, ids...); err != nil {
				b.log.Warn("ack of an empty notification failed", "err", err)
			}
			continue
		}
		c := &batchConv{id: name, h: hold{token: storage.NewID(), release: &storage.InboundEntry{Group: groupWorkers, IDs: ids}}}
		convs, names, tokens = append(convs, c), append(names, name), append(tokens, c.h.token)
	}
	if len(convs) == 0 {
		return
	}
	begun, err := b.store.BeginMany(ctx, names, tokens, b.opts.LockTTL)
	if err != nil { // locks a lost reply may have taken expire with their lease
		b.log.Warn("batch left pending for retry", "conversations", len(convs), "err", err)
		return
	}
	var active, busy, alone []*batchConv
	for i, c := range convs {
		switch {
		case !begun[i].OK:
			busy = append(busy, c)
		case begun[i].Head == "": // another worker drained it: only the notification is left
			alone = append(alone, c)
		default:
			c.head, c.state, c.h.prefetch = begun[i].Head, begun[i].State, begun[i].Case
			active = append(active, c)
		}
	}
	for len(active) > 0 {
		var more []*batchConv
		more, alone = b.stepBatch(ctx, active, alone)
		active = more
	}
	for _, c := range alone { // locked by this worker: drains what is left (if anything) and releases
		if err := b.drainHeld(ctx, c.id, c.h, c.head, c.state); err != nil {
			b.log.Warn("entry left pending for retry", "role", "worker", "conv", channels.MaskPhone(c.id), "err", err)
		}
	}
	for _, c := range busy { // waits for the other holder, as a single entry would
		if err := b.handleConversation(ctx, c.id, c.h.release.IDs); err != nil {
			b.log.Warn("entry left pending for retry", "role", "worker", "conv", channels.MaskPhone(c.id), "err", err)
		}
	}
}

// stepBatch runs the inbox head of every conversation in active and commits
// them together. It returns the conversations with another message waiting
// and, added to alone, those that must go on by themselves.
func (b *Bot) stepBatch(ctx context.Context, active, alone []*batchConv) (more, aloneAfter []*batchConv) {
	type pending struct {
		c   *batchConv
		dc  dialogs.Conversation
		m   storage.Message
		ev  *dialogs.Event
		raw string
		cs  dialogs.Case // the case of ev, when prefetched
		// prefetched: cs was read ahead with the lock; else lookupCases loads it
		prefetched bool
	}
	var steps []pending
	var lookups []dialogs.Conversation
	for _, c := range active {
		m, err := storage.DecodeInbox(c.head)
		if err != nil { // drainHeld moves it to the dead-letter list
			alone = append(alone, c)
			continue
		}
		dc, err := decodeConversation(c.id, c.state)
		if err != nil {
			b.fail(ctx, c, err)
			continue
		}
		p := pending{c: c, dc: dc, m: m, raw: c.head}
		p.ev = b.inboundEvent(&p.dc, m)
		if p.ev != nil {
			if p.cs, p.prefetched = b.prefetchedCase(p.dc, c.h.prefetch); !p.prefetched {
				lookups = append(lookups, p.dc)
			}
		}
		c.h.prefetch = nil // read ahead for the first message only
		steps = append(steps, p)
	}
	cases, err := b.lookupCases(ctx, lookups)
	if err != nil {
		for _, p := range steps {
			b.fail(ctx, p.c, err)
		}
		return nil, alone
	}
	var commits []storage.Commit
	var states [][]byte
	var committing []*batchConv
	for _, p := range steps {
		var commit storage.Commit
		var state []byte
		msgs := []storage.Message{p.m}
		if p.ev == nil {
			commit, state, err = b.prepareCommit(ctx, p.dc, p.c.h, p.raw, msgs, nil, b.now(), -1)
		} else {
			if !p.prefetched {
				p.cs, cases = cases[0], cases[1:]
			}
			commit, state, err = b.runStep(ctx, p.dc, *p.ev, p.cs, p.c.h, p.raw, msgs)
		}
		if err != nil {
			b.fail(ctx, p.c, err)
			continue
		}
		commits, states, committing = append(commits, commit), append(states, state), append(committing, p.c)
	}
	if len(commits) == 0 {
		return nil, alone
	}
	results, err := b.store.CommitMany(ctx, commits)
	if err != nil {
		for _, c := range committing {
			b.fail(ctx, c, err)
		}
		return nil, alone
	}
	for i, r := range results {
		c := committing[i]
		switch {
		case errors.Is(r.Err, storage.ErrLockLost):
			b.log.Warn("lock lost before commit; another worker redoes the step", "conv", channels.MaskPhone(c.id))
		case r.Released:
		case r.Next != "":
			c.head, c.state = r.Next, states[i]
			more = append(more, c)
		default: // the inbox emptied but nothing was released: drainHeld releases
			c.head, c.state = "", states[i]
			alone = append(alone, c)
		}
	}
	return more, alone
}

// fail gives up on a batch conversation for now: it is unlocked and its
// entries stay pending, to be reclaimed and retried.
func (b *Bot) fail(ctx context.Context, c *batchConv, err error) {
	b.log.Warn("entry left pending for retry", "role", "worker", "conv", channels.MaskPhone(c.id), "err", err)
	b.unlock(ctx, c.id, c.h.token)
}
