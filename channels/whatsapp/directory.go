package whatsapp

import (
	"context"
	"sync"
	"time"

	"go.mau.fi/whatsmeow/types"
)

// LIDMap keeps which phone number (E.164) stands behind a WhatsApp hidden
// user id ("…@lid"), so that a debtor who shows up under either id is one
// debtor. The bot or storage may persist it; Memory is the in-process default.
type LIDMap interface {
	// PhoneForLID returns the phone for lid ("123…@lid"), or "" when unknown.
	PhoneForLID(ctx context.Context, lid string) (string, error)
	PutLID(ctx context.Context, lid, phone string) error
}

// Contacts remembers which numbers wrote to us, for the cold-contact rule:
// a number that never wrote gets no message unless AllowColdContact.
type Contacts interface {
	NoteInbound(ctx context.Context, phone string, at time.Time) error
	HasWritten(ctx context.Context, phone string) (bool, error)
}

// Memory is an in-memory LIDMap and Contacts, lost on restart.
type Memory struct {
	mu      sync.Mutex
	lids    map[string]string
	written map[string]time.Time
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory {
	return &Memory{lids: map[string]string{}, written: map[string]time.Time{}}
}

// PhoneForLID implements LIDMap.
func (m *Memory) PhoneForLID(_ context.Context, lid string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lids[lid], nil
}

// PutLID implements LIDMap.
func (m *Memory) PutLID(_ context.Context, lid, phone string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lids[lid] = phone
	return nil
}

// NoteInbound implements Contacts.
func (m *Memory) NoteInbound(_ context.Context, phone string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.written[phone]) {
		m.written[phone] = at
	}
	return nil
}

// HasWritten implements Contacts.
func (m *Memory) HasWritten(_ context.Context, phone string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.written[phone]
	return ok, nil
}

// notOnWhatsAppTTL is how long a "not on WhatsApp" answer is trusted: people
// install WhatsApp, so a negative answer is asked again after a day.
const notOnWhatsAppTTL = 24 * time.Hour

// targets caches where to send for a phone: the JID the person wrote from, or
// IsOnWhatsApp's canonical JID (which, for Brazilian numbers registered before
// the ninth digit, lacks it). Negative answers expire.
type targets struct {
	mu sync.Mutex
	m  map[string]target
}

type target struct {
	jid     types.JID // empty: not on WhatsApp
	expires time.Time // zero: never
}

func (t *targets) get(phone string, now time.Time) (target, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tg, ok := t.m[phone]
	if ok && !tg.expires.IsZero() && !now.Before(tg.expires) {
		delete(t.m, phone)
		return target{}, false
	}
	return tg, ok
}

func (t *targets) put(phone string, tg target) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]target{}
	}
	t.m[phone] = tg
}
