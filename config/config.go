// Package config reads quita's settings from the environment (one place,
// every option with a default) and the optional YAML file of creditor
// policies named by QUITA_CONFIG.
package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// MaxBatch is the largest QUITA_BATCH: storage.MaxBatch (a test keeps them equal).
const MaxBatch = 1000

// Config is every environment setting. README.md's config table lists them.
type Config struct {
	Addr        string // QUITA_ADDR
	PublicURL   string // QUITA_PUBLIC_URL
	RedisURL    string // REDIS_URL; empty runs the embedded Redis
	RedisPrefix string // QUITA_REDIS_PREFIX
	// AutoPipeline is QUITA_REDIS_AUTOPIPELINE: batch the commands of
	// concurrent webhooks, workers and senders into shared pipelines.
	AutoPipeline bool
	DataDir      string        // QUITA_DATA_DIR
	ConfigFile   string        // QUITA_CONFIG
	AdminToken   string        // QUITA_ADMIN_TOKEN
	Secret       string        // QUITA_SECRET
	LogFormat    string        // QUITA_LOG_FORMAT: text | json
	LogLevel     string        // QUITA_LOG_LEVEL: debug | info | warn | error
	Simulator    bool          // QUITA_SIMULATOR
	Demo         bool          // QUITA_DEMO
	Workers      int           // QUITA_WORKERS
	Senders      int           // QUITA_SENDERS
	Batch        int           // QUITA_BATCH
	BatchWait    time.Duration // QUITA_BATCH_WAIT
	FallbackSMS  bool          // QUITA_FALLBACK_SMS
	Timezone     string        // QUITA_TIMEZONE

	TwilioAccountSID   string // TWILIO_ACCOUNT_SID
	TwilioAuthToken    string // TWILIO_AUTH_TOKEN
	TwilioFrom         string // TWILIO_FROM
	TwilioWhatsAppFrom string // TWILIO_WHATSAPP_FROM
	TwilioAPIURL       string // TWILIO_API_URL

	CloudToken       string // WHATSAPP_CLOUD_TOKEN
	CloudPhoneID     string // WHATSAPP_CLOUD_PHONE_ID
	CloudAppSecret   string // WHATSAPP_CLOUD_APP_SECRET
	CloudVerifyToken string // WHATSAPP_CLOUD_VERIFY_TOKEN
	CloudAPIURL      string // WHATSAPP_CLOUD_API_URL
	CloudWABAID      string // WHATSAPP_CLOUD_WABA_ID: the WhatsApp Business Account whose templates sync manages

	WhatsApp   bool   // QUITA_WHATSAPP: connect the whatsmeow device at start
	WhatsAppDB string // QUITA_WHATSAPP_DB

	ShutdownTimeout time.Duration // QUITA_SHUTDOWN_TIMEOUT
	NudgeAfter      time.Duration // QUITA_NUDGE_AFTER: silence before one gentle nudge; 0 disables

	// The archive (storage/archive): PostgreSQL at ArchiveURL, or SQLite
	// in the data dir when it is empty.
	ArchiveURL     string // QUITA_ARCHIVE_URL
	Archive        bool   // QUITA_ARCHIVE: off runs without an archive (no history beyond Redis)
	HotDays        int    // QUITA_HOT_DAYS: an idle conversation's transcript leaves Redis after this many days, once archived
	SubjectHashKey string // QUITA_SUBJECT_HASH_KEY: HMAC key of erased subjects' phones and CPFs
}

// Embedded reports whether quita runs its in-process Redis.
func (c Config) Embedded() bool { return c.RedisURL == "" }

// FromEnv reads the configuration from the environment.
func FromEnv() (Config, error) { return parse(os.Getenv) }

func parse(get func(string) string) (Config, error) {
	p := parser{get: get}
	c := Config{
		Addr:         p.str("QUITA_ADDR", "127.0.0.1:8080"),
		RedisURL:     p.str("REDIS_URL", ""),
		RedisPrefix:  p.str("QUITA_REDIS_PREFIX", "quita"),
		AutoPipeline: p.boolean("QUITA_REDIS_AUTOPIPELINE", false),
		DataDir:      p.str("QUITA_DATA_DIR", "./data"),
		ConfigFile:   p.str("QUITA_CONFIG", ""),
		AdminToken:   p.str("QUITA_ADMIN_TOKEN", ""),
		Secret:       p.str("QUITA_SECRET", ""),
		LogFormat:    p.oneOf("QUITA_LOG_FORMAT", "text", "text", "json"),
		LogLevel:     p.oneOf("QUITA_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		Workers:      p.integer("QUITA_WORKERS", 16),
		Senders:      p.integer("QUITA_SENDERS", 8),
		Batch:        p.integer("QUITA_BATCH", 16),
		BatchWait:    p.duration("QUITA_BATCH_WAIT", 2*time.Millisecond),
		FallbackSMS:  p.boolean("QUITA_FALLBACK_SMS", false),
		Timezone:     p.str("QUITA_TIMEZONE", "America/Sao_Paulo"),

		TwilioAccountSID:   p.str("TWILIO_ACCOUNT_SID", ""),
		TwilioAuthToken:    p.str("TWILIO_AUTH_TOKEN", ""),
		TwilioFrom:         p.str("TWILIO_FROM", ""),
		TwilioWhatsAppFrom: p.str("TWILIO_WHATSAPP_FROM", ""),
		TwilioAPIURL:       p.str("TWILIO_API_URL", ""),

		CloudToken:       p.str("WHATSAPP_CLOUD_TOKEN", ""),
		CloudPhoneID:     p.str("WHATSAPP_CLOUD_PHONE_ID", ""),
		CloudAppSecret:   p.str("WHATSAPP_CLOUD_APP_SECRET", ""),
		CloudVerifyToken: p.str("WHATSAPP_CLOUD_VERIFY_TOKEN", ""),
		CloudAPIURL:      p.str("WHATSAPP_CLOUD_API_URL", ""),
		CloudWABAID:      p.str("WHATSAPP_CLOUD_WABA_ID", ""),

		WhatsApp:   p.boolean("QUITA_WHATSAPP", false),
		WhatsAppDB: p.str("QUITA_WHATSAPP_DB", ""),

		ShutdownTimeout: p.duration("QUITA_SHUTDOWN_TIMEOUT", 20*time.Second),
		NudgeAfter:      p.duration("QUITA_NUDGE_AFTER", 24*time.Hour),
	}
	c.ArchiveURL = p.str("QUITA_ARCHIVE_URL", "")
	c.Archive = p.boolean("QUITA_ARCHIVE", true)
	c.HotDays = p.integer("QUITA_HOT_DAYS", 30)
	c.SubjectHashKey = p.str("QUITA_SUBJECT_HASH_KEY", "")
	if c.HotDays < 1 {
		p.fail("QUITA_HOT_DAYS must be at least 1")
	}
	// The demo (embedded Redis) has the simulator and demo data on; production only on request.
	c.Simulator = p.boolean("QUITA_SIMULATOR", c.Embedded())
	c.Demo = p.boolean("QUITA_DEMO", c.Embedded())
	c.PublicURL = strings.TrimRight(p.str("QUITA_PUBLIC_URL", "http://"+c.Addr), "/")
	if c.Workers < 1 || c.Senders < 1 || c.Batch < 1 {
		p.fail("QUITA_WORKERS, QUITA_SENDERS and QUITA_BATCH must be at least 1")
	}
	if c.Batch > MaxBatch {
		p.fail(fmt.Sprintf("QUITA_BATCH=%d is too large: at most %d (one Redis script run holds a whole batch)", c.Batch, MaxBatch))
	}
	if c.BatchWait < 0 || c.BatchWait > time.Second {
		p.fail(fmt.Sprintf("QUITA_BATCH_WAIT=%s must be between 0 (no pause) and 1s", c.BatchWait))
	}
	if c.TwilioAccountSID != "" && c.TwilioAuthToken == "" {
		p.fail("TWILIO_AUTH_TOKEN is required when TWILIO_ACCOUNT_SID is set")
	}
	if c.CloudToken != "" && (c.CloudPhoneID == "" || c.CloudAppSecret == "") {
		p.fail("WHATSAPP_CLOUD_PHONE_ID and WHATSAPP_CLOUD_APP_SECRET are required when WHATSAPP_CLOUD_TOKEN is set")
	}
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		p.fail(fmt.Sprintf("QUITA_TIMEZONE=%q is not a time zone name such as America/Sao_Paulo", c.Timezone))
	}
	if len(p.errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(p.errs, "; "))
	}
	return c, nil
}

// parser reads typed values and collects every error, so that one start
// reports all that is wrong.
type parser struct {
	get  func(string) string
	errs []string
}

func (p *parser) fail(msg string) { p.errs = append(p.errs, msg) }

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.get(name)); v != "" {
		return v
	}
	return def
}

func (p *parser) integer(name string, def int) int {
	v := p.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		p.fail(fmt.Sprintf("%s=%q is not a whole number", name, v))
		return def
	}
	return n
}

func (p *parser) boolean(name string, def bool) bool {
	switch strings.ToLower(strings.TrimSpace(p.get(name))) {
	case "":
		return def
	case "1", "on", "true", "yes":
		return true
	case "0", "off", "false", "no":
		return false
	}
	p.fail(fmt.Sprintf("%s=%q: use on or off", name, p.get(name)))
	return def
}

func (p *parser) duration(name string, def time.Duration) time.Duration {
	v := p.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(fmt.Sprintf("%s=%q is not a duration such as 20s", name, v))
		return def
	}
	return d
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(fmt.Sprintf("%s=%q: use one of %s", name, v, strings.Join(allowed, ", ")))
	return def
}
