package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// WhatsAppTemplates is the hash of the WhatsApp templates' review statuses
// at Meta, as `quita whatsapp templates sync` last saw them:
// "creditor|key|language" → JSON TemplateStatus.
func (k Keys) WhatsAppTemplates() string { return k.Prefix + ":wa:templates" }

// TemplateStatus is one template translation as Meta reviewed it.
type TemplateStatus struct {
	Creditor string    `json:"creditor"`
	Key      string    `json:"key"`      // catalog key
	Language string    `json:"language"` // debtor language
	Name     string    `json:"name"`
	Code     string    `json:"code"`   // Meta's language code
	Status   string    `json:"status"` // APPROVED, PENDING, REJECTED, PAUSED…; "" when not submitted
	Category string    `json:"category,omitempty"`
	Problem  string    `json:"problem,omitempty"` // what needs the operator
	At       time.Time `json:"at"`
}

func (t TemplateStatus) field() string { return t.Creditor + "|" + t.Key + "|" + t.Language }

// SaveTemplateStatuses replaces a creditor's statuses with rows.
func (s *Store) SaveTemplateStatuses(ctx context.Context, creditor string, rows []TemplateStatus) error {
	old, err := s.TemplateStatuses(ctx)
	if err != nil {
		return err
	}
	pipe := s.rdb.TxPipeline()
	for _, o := range old {
		if o.Creditor == creditor {
			pipe.HDel(ctx, s.keys.WhatsAppTemplates(), o.field())
		}
	}
	for _, r := range rows {
		r.Creditor = creditor
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		pipe.HSet(ctx, s.keys.WhatsAppTemplates(), r.field(), b)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("save template statuses: %w", err)
	}
	return nil
}

// TemplateStatuses lists every saved status, by creditor, key and language.
func (s *Store) TemplateStatuses(ctx context.Context) ([]TemplateStatus, error) {
	all, err := s.rdb.HGetAll(ctx, s.keys.WhatsAppTemplates()).Result()
	if err != nil {
		return nil, fmt.Errorf("read template statuses: %w", err)
	}
	out := make([]TemplateStatus, 0, len(all))
	for f, v := range all {
		var t TemplateStatus
		if err := json.Unmarshal([]byte(v), &t); err != nil {
			return nil, fmt.Errorf("template status %s: %w", f, err)
		}
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].field() < out[j].field() })
	return out, nil
}
