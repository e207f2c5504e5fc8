// Package channeltest has test doubles shared by the provider packages' tests.
package channeltest

import (
	"context"
	"sync"

	"github.com/quita-bot/quita/channels"
)

// Sink records what a provider's webhooks hand over (channels.Sink); Err,
// when set, is returned by every call, as a full or unreachable inbound
// stream would. Read the slices after the handlers returned.
type Sink struct {
	mu       sync.Mutex
	Err      error
	Inbound  []channels.Inbound
	Statuses []channels.StatusUpdate
}

// Accept implements channels.Sink.
func (s *Sink) Accept(_ context.Context, m channels.Inbound) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	s.Inbound = append(s.Inbound, m)
	return nil
}

// UpdateStatus implements channels.Sink.
func (s *Sink) UpdateStatus(_ context.Context, st channels.StatusUpdate) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Err != nil {
		return s.Err
	}
	s.Statuses = append(s.Statuses, st)
	return nil
}

// Calls counts the messages and statuses recorded.
func (s *Sink) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.Inbound) + len(s.Statuses)
}
