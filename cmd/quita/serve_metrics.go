package main

import (
	"context"

	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/quita-bot/quita/bot/metrics"
)

func init() { mounts = append(mounts, mountMetrics) }

// mountMetrics serves Prometheus metrics at /metrics: pipeline counters fed
// by the bot's hooks, and queue depth and lag read from Redis at scrape time.
func mountMetrics(_ context.Context, s *service) error {
	m := metrics.New()
	hooks := m.Hooks()
	s.bot.SetHooks(hooks)
	s.store.ObserveAcceptGroups(func(n int) { hooks.Batch("accept", n) })
	s.onWebhook = m.ObserveWebhook
	pm := metrics.NewPayments(m.Registry)
	s.billing.Counter, s.billing.Settled = pm.Applied, pm.Settled
	m.Registry.MustRegister(metrics.Chatwoot{Read: s.chatwootFigures}) // read at scrape time: the bridge may mount after
	m.Registry.MustRegister(metrics.NewQueues(s.rdb, metrics.SourcesFor(s.store.Keys()), s.channelStates))
	s.app.Get("/metrics", adaptor.HTTPHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})))
	return nil
}

// channelStates reads every channel's /readyz entry; mounts that run after
// this one are included because the list is read at scrape time.
func (s *service) channelStates() []metrics.ChannelState {
	out := make([]metrics.ChannelState, 0, len(s.ready))
	for _, r := range s.ready {
		st, ok := r.state()
		out = append(out, metrics.ChannelState{Name: r.name, State: st, Ready: ok})
	}
	return out
}
