package chatwoot

import "strconv"

// keys are the bridge's Redis keys (storage/KEYS.md, "Chatwoot bridge").
// Conversation keys carry the conversation id in a hash tag, like the
// pipeline's.
type keys struct{ p string }

// due orders the conversations with mirroring work by when to try next
// (ms): the durable work queue; a failed sync pushes its score back.
func (k keys) due() string { return k.p + ":cw:due" }

// state is a conversation's mirror state (hash, see mirrorState).
func (k keys) state(conv string) string { return k.p + ":cw:c:{" + conv + "}" }

// jobs are notes and status reports the webhook side asks the mirror to
// post, in order (list of JSON job).
func (k keys) jobs(conv string) string { return k.p + ":cw:c:{" + conv + "}:jobs" }

// expect holds changes quita itself made in Chatwoot, so that their
// webhooks are not taken for an agent's (hash kind → value, short TTL).
func (k keys) expect(conv string) string { return k.p + ":cw:c:{" + conv + "}:expect" }

// byConv maps a Chatwoot conversation (display id) to quita's.
func (k keys) byConv(id int64) string { return k.p + ":cw:conv:" + strconv.FormatInt(id, 10) }

// mirrored orders the conversations being mirrored (handoffs mode: from
// the handoff to the hand-back) by when mirroring started (ms).
func (k keys) mirrored() string { return k.p + ":cw:mirrored" }

// inbound is the stream of verified webhook deliveries, applied in order.
func (k keys) inbound() string { return k.p + ":cw:in" }

// delivery remembers an X-Chatwoot-Delivery id already accepted.
func (k keys) delivery(id string) string { return k.p + ":cw:delivery:" + id }

// lease is held by the one process that mirrors and applies webhooks.
func (k keys) lease() string { return k.p + ":cw:lease" }

// stats counts errors for `quita status` and the metric (hash).
func (k keys) stats() string { return k.p + ":cw:stats" }

// inboundGroup is the consumer group on inbound.
const inboundGroup = "chatwoot"
