package chatwoot

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Status is the bridge's state as `quita status` shows it, read from Redis
// (any process, the same answer).
type Status struct {
	Queued       int64     `json:"queued"`             // conversations with mirroring work
	OldestDueSec float64   `json:"oldest_due_seconds"` // how long the oldest has waited to be mirrored
	Mirrored     int64     `json:"mirrored"`           // conversations mirrored now
	Webhooks     int64     `json:"webhooks_pending"`   // deliveries accepted, not yet applied
	Errors       int64     `json:"errors_total"`       // since the bridge first ran
	LastError    string    `json:"last_error,omitempty"`
	LastErrorAt  time.Time `json:"last_error_at,omitzero"`
}

// StaleAfter is how long mirroring may lag before status and the alert say so.
const StaleAfter = 5 * time.Minute

// ReadStatus reads the bridge's figures; ok is false when the bridge never ran.
func ReadStatus(ctx context.Context, rdb redis.UniversalClient, prefix string, now time.Time) (Status, bool, error) {
	k := keys{p: prefix}
	var st Status
	pipe := rdb.Pipeline()
	due := pipe.ZCard(ctx, k.due())
	oldest := pipe.ZRangeWithScores(ctx, k.due(), 0, 0)
	mirrored := pipe.ZCard(ctx, k.mirrored())
	stream := pipe.XLen(ctx, k.inbound())
	stats := pipe.HGetAll(ctx, k.stats())
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return st, false, fmt.Errorf("read the chatwoot bridge's figures: %w", err)
	}
	st.Queued, st.Mirrored, st.Webhooks = due.Val(), mirrored.Val(), stream.Val()
	if z := oldest.Val(); len(z) == 1 {
		if d := now.Sub(time.UnixMilli(int64(z[0].Score))); d > 0 {
			st.OldestDueSec = d.Seconds()
		}
	}
	h := stats.Val()
	st.Errors, _ = strconv.ParseInt(h["errors"], 10, 64)
	st.LastError = h["last_error"]
	if ms, err := strconv.ParseInt(h["last_error_at"], 10, 64); err == nil {
		st.LastErrorAt = time.UnixMilli(ms).UTC()
	}
	ran := len(h) > 0 || st.Queued > 0 || st.Mirrored > 0 || st.Webhooks > 0
	return st, ran, nil
}

// Problem is why status warns ("" when it does not).
func (s Status) Problem() string {
	if s.OldestDueSec > StaleAfter.Seconds() {
		return fmt.Sprintf("mirroring to Chatwoot is %.0f s behind (last error: %s) (QuitaChatwootFailing, RUNBOOK.md#quitachatwootfailing)", s.OldestDueSec, s.LastError)
	}
	return ""
}
