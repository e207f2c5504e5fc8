package whatsapp

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    func(*Config)
		wantErr string
	}{
		{name: "defaults", want: func(*Config) {}},
		{
			name: "everything set",
			env: map[string]string{
				"QUITA_DATA_DIR": "/srv/quita", "QUITA_WHATSAPP_DB": "postgres://q@db/q",
				"QUITA_WHATSAPP_PHONE": "+5511900000000", "QUITA_WHATSAPP_RATE_LIMIT": "45s",
				"QUITA_WHATSAPP_JITTER": "0.5", "QUITA_WHATSAPP_DAILY_CAP": "80",
				"QUITA_WHATSAPP_ALLOW_COLD_CONTACT": "true",
			},
			want: func(c *Config) {
				c.DataDir, c.DBURL, c.Phone = "/srv/quita", "postgres://q@db/q", "+5511900000000"
				c.RateLimit, c.Jitter, c.DailyCap, c.AllowColdContact = 45*time.Second, 0.5, 80, true
			},
		},
		{name: "bad duration", env: map[string]string{"QUITA_WHATSAPP_RATE_LIMIT": "20"}, wantErr: "QUITA_WHATSAPP_RATE_LIMIT"},
		{name: "jitter out of range", env: map[string]string{"QUITA_WHATSAPP_JITTER": "1.5"}, wantErr: "QUITA_WHATSAPP_JITTER"},
		{name: "bad cap", env: map[string]string{"QUITA_WHATSAPP_DAILY_CAP": "many"}, wantErr: "QUITA_WHATSAPP_DAILY_CAP"},
		{name: "bad bool", env: map[string]string{"QUITA_WHATSAPP_ALLOW_COLD_CONTACT": "sim"}, wantErr: "QUITA_WHATSAPP_ALLOW_COLD_CONTACT"},
		{name: "not postgres", env: map[string]string{"QUITA_WHATSAPP_DB": "mysql://db/q"}, wantErr: "QUITA_WHATSAPP_DB"},
		{name: "bad phone", env: map[string]string{"QUITA_WHATSAPP_PHONE": "abc"}, wantErr: "QUITA_WHATSAPP_PHONE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultConfig()
			tt.want(&want)
			if got != want {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}
