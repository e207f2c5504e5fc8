package storage

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
	"github.com/quita-bot/quita/dialogs"
)

// Data-subject rights (LGPD art. 18) on the Redis side: what is held about
// a person, and their erasure. An erased person's opt-outs are kept as a
// keyed hash of the phone (HMAC-SHA256 with QUITA_SUBJECT_HASH_KEY), so the
// compliance gate still refuses the number while the number itself is gone.

// OptOutChannels are the channels whose opt-outs a subject's export and
// erasure look up.
var OptOutChannels = []string{channels.SMS, channels.WhatsApp, channels.WhatsAppCloud, channels.TwilioWhatsApp, channels.Simulator}

// SubjectHasher hashes phones and CPFs of erased subjects with a secret key.
type SubjectHasher struct{ key []byte }

// NewSubjectHasher returns a hasher with key (at least 16 bytes).
func NewSubjectHasher(key []byte) (SubjectHasher, error) {
	if len(key) < 16 {
		return SubjectHasher{}, errors.New("QUITA_SUBJECT_HASH_KEY must be at least 16 characters (openssl rand -hex 32)")
	}
	return SubjectHasher{key: key}, nil
}

// Hash is the hex HMAC-SHA256 of v ("" for an empty hasher or value).
func (h SubjectHasher) Hash(v string) string {
	if len(h.key) == 0 || v == "" {
		return ""
	}
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// SetSubjectHasher makes the opt-out checks also look for erased
// subjects' hashed opt-outs; without it an erased number's opt-out is not
// found, so `quita serve` always sets it when the key is configured.
func (s *Store) SetSubjectHasher(h SubjectHasher) { s.hasher = h }

// HashedOptOut is the opt-out record of an erased number: the channel and
// the HMAC of the phone instead of the phone.
func (k Keys) HashedOptOut(channel, hash string) string {
	return k.Prefix + ":optout:" + channel + ":h:" + hash
}

// hashedOptOutKey is the hashed opt-out key of a phone, "" without a hasher.
func (s *Store) hashedOptOutKey(channel, phone string) string {
	if h := s.hasher.Hash(phone); h != "" {
		return s.keys.HashedOptOut(channel, h)
	}
	return ""
}

// RedisSubject is what Redis holds about one person.
type RedisSubject struct {
	Debtor      dialogs.Debtor               `json:"debtor"`
	Debts       []dialogs.Debt               `json:"debts"`
	Agreements  []AgreementRecord            `json:"agreements,omitempty"`
	Transcripts map[string][]Message         `json:"transcripts"` // by conversation (phone)
	OptOuts     []OptOutRecord               `json:"opt_outs,omitempty"`
	Handoffs    map[string][]HandoffEvent    `json:"handoffs,omitempty"`
	States      map[string]string            `json:"dialog_states,omitempty"`
	Reminders   map[string]ReminderState     `json:"reminders,omitempty"`
	Extras      map[string]map[string]string `json:"debt_extras,omitempty"`
}

// Subject reads everything Redis holds about the debtor with this CPF
// (digits only); ErrNotFound when no debtor has it.
func (s *Store) Subject(ctx context.Context, cpf string) (RedisSubject, error) {
	d, err := s.DebtorByCPF(ctx, cpf)
	if err != nil {
		return RedisSubject{}, err
	}
	out := RedisSubject{Debtor: d, Transcripts: map[string][]Message{}, Handoffs: map[string][]HandoffEvent{},
		States: map[string]string{}, Reminders: map[string]ReminderState{}, Extras: map[string]map[string]string{}}
	if out.Debts, err = s.DebtsOf(ctx, d.ID); err != nil {
		return out, err
	}
	for _, debt := range out.Debts {
		if a, err := s.Agreement(ctx, debt.ID); err == nil {
			out.Agreements = append(out.Agreements, a)
		} else if !errors.Is(err, ErrNotFound) {
			return out, err
		}
		if rs, err := s.ReminderState(ctx, debt.ID); err == nil {
			out.Reminders[debt.ID] = rs
		}
		if x, err := s.DebtExtras(ctx, debt.ID); err == nil && len(x) > 0 {
			out.Extras[debt.ID] = x
		}
	}
	for _, phone := range d.Phones {
		tr, err := s.Transcript(ctx, phone, 0)
		if err != nil {
			return out, err
		}
		if len(tr) > 0 {
			out.Transcripts[phone] = tr
		}
		if h, err := s.HandoffHistory(ctx, phone); err == nil && len(h) > 0 {
			out.Handoffs[phone] = h
		}
		if st, err := s.LoadState(ctx, phone); err == nil && st != nil {
			out.States[phone] = string(st)
		}
		for _, ch := range OptOutChannels {
			v, err := s.rdb.HGetAll(ctx, s.keys.OptOut(ch, phone)).Result()
			if err != nil {
				return out, fmt.Errorf("read opt-out: %w", err)
			}
			if len(v) > 0 {
				at, _ := parseOptOut(v["at"], nil)
				out.OptOuts = append(out.OptOuts, OptOutRecord{Channel: ch, Phone: phone, At: at, Message: v["message"]})
			}
		}
	}
	return out, nil
}

// ErasedName replaces an erased debtor's name.
const ErasedName = "[titular apagado]"

// EraseSubject anonymises a person in Redis: the debtor record keeps its
// id, debts and financial data but loses name, CPF, birth date, phones and
// e-mail; the phone and CPF indexes, the transcripts, dialog states and
// handoff histories of their numbers are deleted (the archive keeps the
// anonymised transcripts); each opt-out becomes a hashed opt-out with its
// original time, so the gate still refuses the number. It needs a hasher.
func (s *Store) EraseSubject(ctx context.Context, d dialogs.Debtor) error {
	if len(s.hasher.key) == 0 {
		return errors.New("erasure needs QUITA_SUBJECT_HASH_KEY (the opt-outs of the erased numbers are kept as its keyed hashes)")
	}
	for _, phone := range d.Phones {
		for _, ch := range OptOutChannels {
			at, err := s.rdb.HGet(ctx, s.keys.OptOut(ch, phone), "at").Result()
			if errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil {
				return fmt.Errorf("erase: read opt-out: %w", err)
			}
			hk := s.hashedOptOutKey(ch, phone)
			if err := s.rdb.HSetNX(ctx, hk, "at", at).Err(); err != nil {
				return fmt.Errorf("erase: keep the opt-out: %w", err)
			}
			if err := s.rdb.HSet(ctx, hk, "channel", ch, "erased_at", time.Now().UTC().Format(time.RFC3339)).Err(); err != nil {
				return fmt.Errorf("erase: keep the opt-out: %w", err)
			}
			if err := s.rdb.Del(ctx, s.keys.OptOut(ch, phone)).Err(); err != nil {
				return fmt.Errorf("erase: opt-out: %w", err)
			}
		}
	}
	pipe := s.rdb.TxPipeline()
	for _, phone := range d.Phones {
		pipe.HDel(ctx, s.keys.Index("phone", phone), phone)
		pipe.Del(ctx, s.keys.Log(phone), s.keys.Msgs(phone), s.keys.Status(phone), s.keys.State(phone), s.keys.HandoffLog(phone), s.keys.Contacts(phone))
		pipe.ZRem(ctx, s.keys.Conversations(), phone)
		pipe.ZRem(ctx, s.keys.Nudges(), phone)
		pipe.ZRem(ctx, s.keys.ArchiveDirty(), phone)
		pipe.HDel(ctx, s.keys.ArchiveTrimmed(), phone)
		pipe.HDel(ctx, s.keys.Prefix+":wa:contacts", phone)
	}
	if d.CPF != "" {
		pipe.HDel(ctx, s.keys.Index("cpf", d.CPF), d.CPF)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("erase: %w", err)
	}
	anon := dialogs.Debtor{ID: d.ID, Name: ErasedName, Language: d.Language, TimeZone: d.TimeZone, VIP: d.VIP, Delays: d.Delays}
	// the debt links stay (financial records); the wrong numbers go
	if err := keepScript.Run(ctx, s.rdb, []string{s.keys.DebtorBucket(d.ID)}, d.ID, debtorRecord(anon), debtorDebts).Err(); err != nil {
		return fmt.Errorf("erase: debtor record: %w", err)
	}
	return nil
}
