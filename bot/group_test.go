package bot

import (
	"fmt"
	"testing"

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
