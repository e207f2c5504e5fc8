package bot

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quita-bot/quita/storage"
)

func TestGroupByKeepsEachConversationsOrder(t *testing.T) {
	e := func(id, c string) storage.StreamEntry {
		return storage.StreamEntry{ID: id, Values: map[string]any{"c": c}}
	}
	in := []storage.StreamEntry{e("1", "a"), e("2", "b"), e("3", "a"), e("4", ""), e("5", ""), e("6", "b"), e("7", "a")}
	var got []string
	for _, g := range groupBy(in, inboundKey) {
		ids := ""
		for _, x := range g {
			ids += x.ID
		}
		got = append(got, ids)
	}
	if want := []string{"137", "26", "4", "5"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("groups = %v, want %v (one per conversation, in stream order; keyless entries alone)", got, want)
	}
}

// After a read that was not full, a stream's reader pauses (BatchWait) so
// that what arrives meanwhile is taken as one batch: the first message of
// a quiet service goes alone and at once, the five that follow it during
// the pause go together, through the workers and then the senders.
func TestReaderPauseGathersABatch(t *testing.T) {
	h := newHarness(t, Options{BatchWait: 2 * time.Second}) // far longer than five accepts take
	var mu sync.Mutex
	sizes := map[string][]int{}
	h.bot.SetHooks(Hooks{Batch: func(role string, n int) {
		mu.Lock()
		sizes[role] = append(sizes[role], n)
		mu.Unlock()
	}})
	h.start()
	h.accept("+5511987650100", "oi", "SM-first")
	waitFor(t, "the first reply", func() bool { return len(h.ch.Sent()) == 1 })
	for i := range 5 {
		h.accept(fmt.Sprintf("+55119876502%02d", i), "oi", fmt.Sprint("SM-", i))
	}
	waitFor(t, "six replies", func() bool { return len(h.ch.Sent()) == 6 })
	mu.Lock()
	defer mu.Unlock()
	if got, want := fmt.Sprint(sizes), "map[sender:[1 5] worker:[1 5]]"; got != want {
		t.Fatalf("batch sizes %s, want %s", got, want)
	}
}
