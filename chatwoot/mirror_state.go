package chatwoot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/quita-bot/quita/channels"
)

// mirrorState is what the bridge remembers of one conversation's mirror
// (hash keys.state). Every field is written as soon as the step it records
// is done in Chatwoot, so a restart resumes where the last one stopped.
type mirrorState struct {
	Contact int64  // the Chatwoot contact
	Conv    int64  // the Chatwoot conversation (display id)
	Cursor  int    // transcript messages [0, Cursor) are mirrored (or summarised)
	HLast   string // the last handoff event applied (its JSON, as in the handoff log)
	Started bool   // mirroring (handoffs mode: from the handoff to the hand-back)
	Attrs   string // hash of the contact's custom attributes last written
	Labeled string // "reason|priority" last written as labels
	Attempt string // source id of a post whose answer was not seen: look before posting again
	Step    string // "item|n": the item in progress and how many of its calls are done
	Status  string // the Chatwoot status last seen or set
	Fails   int64  // failed syncs in a row
}

func (b *Bridge) loadState(ctx context.Context, conv string) (mirrorState, error) {
	h, err := b.rdb.HGetAll(ctx, b.keys.state(conv)).Result()
	if err != nil {
		return mirrorState{}, fmt.Errorf("chatwoot: load mirror state: %w", err)
	}
	num := func(k string) int64 { n, _ := strconv.ParseInt(h[k], 10, 64); return n }
	return mirrorState{Contact: num("contact"), Conv: num("conv"), Cursor: int(num("cursor")), HLast: h["hlast"],
		Started: h["started"] == "1", Attrs: h["attrs"], Labeled: h["labeled"], Attempt: h["attempt"], Step: h["step"],
		Status: h["status"], Fails: num("fails")}, nil
}

// save writes fields (name, value pairs) of conv's mirror state.
func (b *Bridge) save(ctx context.Context, conv string, fields ...any) error {
	if err := b.rdb.HSet(ctx, b.keys.state(conv), fields...).Err(); err != nil {
		return fmt.Errorf("chatwoot: save mirror state: %w", err)
	}
	return nil
}

// job is something the webhook side asks the mirror to do in Chatwoot.
type job struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"` // note | fail
	Text    string `json:"text,omitempty"`
	Message int64  `json:"message,omitempty"` // fail: the Chatwoot message to mark failed
	At      int64  `json:"at"`                // unix ms
}

// addJob queues a job for conv and marks it for mirroring.
func (b *Bridge) addJob(ctx context.Context, conv string, j job) error {
	j.ID, j.At = shortHash(strconv.FormatInt(b.now().UnixNano(), 10)+j.Text+strconv.FormatInt(j.Message, 10)), b.now().UnixMilli()
	enc, _ := json.Marshal(j)
	if err := b.rdb.RPush(ctx, b.keys.jobs(conv), enc).Err(); err != nil {
		return fmt.Errorf("chatwoot: queue a note: %w", err)
	}
	return b.Mark(ctx, conv)
}

func (b *Bridge) loadJobs(ctx context.Context, conv string) ([]job, error) {
	raws, err := b.rdb.LRange(ctx, b.keys.jobs(conv), 0, 49).Result()
	if err != nil {
		return nil, fmt.Errorf("chatwoot: read jobs: %w", err)
	}
	out := make([]job, 0, len(raws))
	for _, r := range raws {
		var j job
		if json.Unmarshal([]byte(r), &j) == nil {
			out = append(out, j)
		}
	}
	return out, nil
}

// expectChange records a change quita makes in Chatwoot, so that its
// webhook is recognised (kind status|assignee).
func (b *Bridge) expectChange(ctx context.Context, conv, kind, value string) error {
	_, err := b.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, b.keys.expect(conv), kind, value)
		p.Expire(ctx, b.keys.expect(conv), expectTTL)
		return nil
	})
	return err
}

// consumeExpected reports whether a webhook's change is one quita made,
// and forgets it.
func (b *Bridge) consumeExpected(ctx context.Context, conv, kind, value string) (bool, error) {
	v, err := b.rdb.HGet(ctx, b.keys.expect(conv), kind).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil || v != value {
		return false, err
	}
	return true, b.rdb.HDel(ctx, b.keys.expect(conv), kind).Err()
}

func shortHash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatUint(h.Sum64(), 36)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func maskConv(conv string) string { return channels.MaskPhone(conv) }
