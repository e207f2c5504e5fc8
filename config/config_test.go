package config

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		check   func(t *testing.T, c Config)
		wantErr []string // every substring must appear in the error
	}{
		{name: "zero config is the embedded demo", env: nil, check: func(t *testing.T, c Config) {
			if !c.Embedded() || !c.Simulator || !c.Demo || c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" {
				t.Errorf("defaults = %+v", c)
			}
			if c.PublicURL != "http://127.0.0.1:8080" || c.NudgeAfter != 24*time.Hour || c.Workers != 16 || c.Senders != 8 || c.Batch != 16 || c.BatchWait != 2*time.Millisecond || c.AutoPipeline {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{name: "production turns the simulator and demo off", env: map[string]string{"REDIS_URL": "redis://r:6379/0"}, check: func(t *testing.T, c Config) {
			if c.Embedded() || c.Simulator || c.Demo {
				t.Errorf("production = %+v", c)
			}
		}},
		{name: "simulator on in production on request", env: map[string]string{"REDIS_URL": "redis://r:6379/0", "QUITA_SIMULATOR": "on"}, check: func(t *testing.T, c Config) {
			if !c.Simulator {
				t.Error("QUITA_SIMULATOR=on ignored")
			}
		}},
		{name: "public URL loses its trailing slash", env: map[string]string{"QUITA_PUBLIC_URL": "https://q.example.com/"}, check: func(t *testing.T, c Config) {
			if c.PublicURL != "https://q.example.com" {
				t.Errorf("PublicURL = %q", c.PublicURL)
			}
		}},
		{name: "every bad value is reported at once", env: map[string]string{
			"QUITA_WORKERS": "many", "QUITA_SIMULATOR": "maybe", "QUITA_LOG_FORMAT": "xml", "QUITA_NUDGE_AFTER": "soon", "QUITA_TIMEZONE": "Mars/Base",
		}, wantErr: []string{"QUITA_WORKERS", "QUITA_SIMULATOR", "QUITA_LOG_FORMAT", "QUITA_NUDGE_AFTER", "QUITA_TIMEZONE"}},
		{name: "a batch holds at least one conversation", env: map[string]string{"QUITA_BATCH": "0"}, wantErr: []string{"QUITA_BATCH"}},
		{name: "a batch fits one script run", env: map[string]string{"QUITA_BATCH": "1001"}, wantErr: []string{"QUITA_BATCH=1001", "at most 1000"}},
		{name: "a batch pause is short", env: map[string]string{"QUITA_BATCH_WAIT": "5s"}, wantErr: []string{"QUITA_BATCH_WAIT"}},
		{name: "a batch pause can be turned off", env: map[string]string{"QUITA_BATCH_WAIT": "0"}, check: func(t *testing.T, c Config) {
			if c.BatchWait != 0 {
				t.Errorf("BatchWait = %s", c.BatchWait)
			}
		}},
		{name: "twilio needs its token", env: map[string]string{"TWILIO_ACCOUNT_SID": "AC123"}, wantErr: []string{"TWILIO_AUTH_TOKEN"}},
		{name: "cloud api needs phone id and secret", env: map[string]string{"WHATSAPP_CLOUD_TOKEN": "t"}, wantErr: []string{"WHATSAPP_CLOUD_PHONE_ID", "WHATSAPP_CLOUD_APP_SECRET"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parse(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not name %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadFileValidates(t *testing.T) {
	tests := []struct{ name, yaml, wantErr string }{
		{"no creditors", "creditors: []\n", "no creditors"},
		{"missing CNPJ", "creditors:\n- id: a\n  name: A\n", "CNPJ"},
		{"duplicate id", "creditors:\n- {id: a, name: A, cnpj: '1'}\n- {id: a, name: B, cnpj: '2'}\n", "twice"},
		{"bad verification", "creditors:\n- {id: a, name: A, cnpj: '1', verification: selfie}\n", "cpf3, birthdate or none"},
		{"valid", "creditors:\n- {id: a, name: A, cnpj: '1', verification: birthdate}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := t.TempDir() + "/quita.yaml"
			if err := writeFile(path, tt.yaml); err != nil {
				t.Fatal(err)
			}
			_, err := LoadFile(path)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }
