package chatwoot

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigOffWhenUnset(t *testing.T) {
	c, err := ConfigFromEnv(env(nil))
	if err != nil || c.Enabled() {
		t.Fatalf("no variables: %+v %v, want off", c, err)
	}
}

func TestConfigValid(t *testing.T) {
	c, err := ConfigFromEnv(env(map[string]string{
		"QUITA_CHATWOOT_URL": "https://chat.example.com/", "QUITA_CHATWOOT_ACCOUNT_ID": "3", "QUITA_CHATWOOT_INBOX_ID": "12",
		"QUITA_CHATWOOT_TOKEN": "tok", "QUITA_CHATWOOT_WEBHOOK_SECRET": "sec", "QUITA_CHATWOOT_TEAM_ID": "5",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{URL: "https://chat.example.com", AccountID: 3, InboxID: 12, Token: "tok", WebhookSecret: "sec", Mirror: MirrorHandoffs, TeamID: 5}
	if c != want {
		t.Fatalf("got %+v, want %+v", c, want)
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	base := map[string]string{"QUITA_CHATWOOT_URL": "https://chat.example.com", "QUITA_CHATWOOT_ACCOUNT_ID": "3",
		"QUITA_CHATWOOT_INBOX_ID": "12", "QUITA_CHATWOOT_TOKEN": "tok", "QUITA_CHATWOOT_WEBHOOK_SECRET": "sec"}
	cases := []struct{ key, value, want string }{
		{"QUITA_CHATWOOT_URL", "", "QUITA_CHATWOOT_URL is not set"},
		{"QUITA_CHATWOOT_URL", "http://chat.example.com", "must be https"},
		{"QUITA_CHATWOOT_URL", "https://chat.example.com/app/accounts/3", "has a path"},
		{"QUITA_CHATWOOT_URL", "chat.example.com", "is not a URL"},
		{"QUITA_CHATWOOT_ACCOUNT_ID", "", "QUITA_CHATWOOT_ACCOUNT_ID is not set"},
		{"QUITA_CHATWOOT_INBOX_ID", "twelve", `QUITA_CHATWOOT_INBOX_ID="twelve" is not a Chatwoot id`},
		{"QUITA_CHATWOOT_TEAM_ID", "-1", "QUITA_CHATWOOT_TEAM_ID"},
		{"QUITA_CHATWOOT_TOKEN", "", "QUITA_CHATWOOT_TOKEN is not set"},
		{"QUITA_CHATWOOT_WEBHOOK_SECRET", "", "not the inbox's HMAC token"},
		{"QUITA_CHATWOOT_MIRROR", "everything", `QUITA_CHATWOOT_MIRROR="everything": use handoffs`},
	}
	for _, c := range cases {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		m[c.key] = c.value
		_, err := ConfigFromEnv(env(m))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%q: err %v, want it to say %q", c.key, c.value, err, c.want)
		}
	}
	if c, err := ConfigFromEnv(env(map[string]string{"QUITA_CHATWOOT_URL": "http://127.0.0.1:3000", "QUITA_CHATWOOT_ACCOUNT_ID": "1",
		"QUITA_CHATWOOT_INBOX_ID": "1", "QUITA_CHATWOOT_TOKEN": "t", "QUITA_CHATWOOT_WEBHOOK_SECRET": "s", "QUITA_CHATWOOT_MIRROR": "all"})); err != nil || c.Mirror != MirrorAll {
		t.Fatalf("loopback http with mirror all: %+v %v", c, err)
	}
}
