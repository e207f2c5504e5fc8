package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quita-bot/quita/storage"
	"github.com/quita-bot/quita/storage/redistest"
)

// seedDeadLetters moves two unreadable inbox heads aside as a worker does.
func seedDeadLetters(t *testing.T, r *redistest.Server) {
	t.Helper()
	ctx := context.Background()
	st := r.Store()
	for _, e := range []storage.DeadLetterEntry{
		{Conversation: "+5511987650001", Raw: `{"from":"+5511987650001","text":"meu cpf 529`},
		{Conversation: "+5511987650002", Raw: "\x1b[31mgarbage"},
	} {
		must(t, r.Client.RPush(ctx, st.Keys().Inbox(e.Conversation), e.Raw).Err())
		must(t, st.DeadLetter(ctx, e.Conversation, e.Raw))
	}
}

func runDeadCmd(t *testing.T, r *redistest.Server, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	full := append([]string{args[0], "--redis", r.URL, "--prefix", r.Prefix}, args[1:]...)
	err := deadMain(context.Background(), full, &out, &errOut)
	return out.String(), err
}

func TestDeadList(t *testing.T) {
	r := redistest.New(t)
	seedDeadLetters(t, r)
	for _, c := range []struct {
		name        string
		args        []string
		want, never []string
	}{
		{"masked by default", []string{"list"},
			[]string{"2 dead letters, showing 2", "+55119****0001", "+55119****0002", "phones masked"},
			[]string{"+5511987650001", "\x1b"}},
		{"show phones", []string{"list", "--show-phones"},
			[]string{"+5511987650001", `"from":"+5511987650001"`, "?[31mgarbage"}, nil},
		{"limit", []string{"list", "--limit", "1"},
			[]string{"showing 1", "1 more: --limit 0 shows all"}, []string{"0002"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := runDeadCmd(t, r, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			for _, n := range c.never {
				if strings.Contains(out, n) {
					t.Errorf("output has %q:\n%s", n, out)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		out, err := runDeadCmd(t, r, "list", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Total   int64                     `json:"total"`
			Entries []storage.DeadLetterEntry `json:"entries"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("not one JSON object: %v\n%s", err, out)
		}
		if got.Total != 2 || len(got.Entries) != 2 || got.Entries[0].Conversation != "+55119****0001" ||
			got.Entries[0].Raw != `{"from":"+55119****0001","text":"meu cpf 529` {
			t.Errorf("got %+v, want both entries with masked phones", got)
		}
	})
	t.Run("empty", func(t *testing.T) {
		out, err := runDeadCmd(t, redistest.New(t), "list")
		if err != nil || !strings.Contains(out, "no dead letters") {
			t.Errorf("out %q, err %v: want no dead letters", out, err)
		}
	})
}

func TestDeadExportThenClear(t *testing.T) {
	r := redistest.New(t)
	seedDeadLetters(t, r)
	file := filepath.Join(t.TempDir(), "dead.jsonl")

	out, err := runDeadCmd(t, r, "export", file)
	if err != nil || !strings.Contains(out, "wrote 2 dead letters") {
		t.Fatalf("export: %q, %v", out, err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var first storage.DeadLetterEntry
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &first) != nil || first.Conversation != "+5511987650001" {
		t.Errorf("export file %q: want 2 JSON lines as stored, phones in full", b)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600 (personal data)", fi.Mode().Perm())
	}
	if _, err := runDeadCmd(t, r, "export", file); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second export to the same file: %v, want a refusal", err)
	}
	if _, err := runDeadCmd(t, r, "export"); err == nil || !strings.Contains(err.Error(), "FILE.jsonl") {
		t.Errorf("export without a file: %v, want how to name one", err)
	}

	_, err = runDeadCmd(t, r, "clear")
	if err == nil || !strings.Contains(err.Error(), "--yes") || !strings.Contains(err.Error(), "2 dead letters") {
		t.Fatalf("clear without --yes: %v, want a refusal that says how many and how", err)
	}
	if n, _ := r.Client.LLen(context.Background(), r.Store().Keys().DeadLetters()).Result(); n != 2 {
		t.Fatalf("clear without --yes left %d entries, want 2", n)
	}
	out, err = runDeadCmd(t, r, "clear", "--yes")
	if err != nil || !strings.Contains(out, "removed 2 dead letters") {
		t.Fatalf("clear --yes: %q, %v", out, err)
	}
	if n, _ := r.Client.LLen(context.Background(), r.Store().Keys().DeadLetters()).Result(); n != 0 {
		t.Errorf("%d entries left after clear --yes", n)
	}
}

func TestDeadUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "name a subcommand"},
		{[]string{"purge"}, `unknown subcommand "purge"`},
		{[]string{"list", "extra"}, `unexpected argument "extra"`},
		{[]string{"list", "--limit", "x"}, "invalid value"},
	} {
		var out, errOut bytes.Buffer
		err := deadMain(context.Background(), c.args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("quita dead %q: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
