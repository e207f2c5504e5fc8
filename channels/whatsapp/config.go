package whatsapp

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/quita-bot/quita/channels"
)

// Defaults, chosen well under what WhatsApp users report as risky (more than
// five messages a minute per number, bursts of cold messages).
const (
	DefaultDataDir        = "data"
	DefaultRateLimit      = 20 * time.Second // one message per 20 s per sending number…
	DefaultJitter         = 0.3              // …±30%, so the gaps never look machine-made
	DefaultDailyCap       = 200              // messages per rolling 24 hours per sending number
	DefaultReconnectGrace = 30 * time.Second // whatsmeow reconnects by itself first
	DefaultBanCooldown    = time.Hour        // retry after a ban without an expiry, or error 463
	dbFile                = "whatsapp.db"
)

// Config is the WhatsApp (whatsmeow) channel's configuration. ConfigFromEnv
// reads it from the environment; zero durations and a zero cap take the
// defaults above, a negative RateLimit or DailyCap turns that limit off.
type Config struct {
	DataDir          string        // QUITA_DATA_DIR: the SQLite session lives in DataDir/whatsapp.db
	DBURL            string        // QUITA_WHATSAPP_DB: postgres:// URL; replaces SQLite when set
	Phone            string        // QUITA_WHATSAPP_PHONE: the paired number, E.164 (lease key, Inbound.To)
	RateLimit        time.Duration // QUITA_WHATSAPP_RATE_LIMIT: mean gap between two messages we send
	Jitter           float64       // QUITA_WHATSAPP_JITTER: ± fraction of RateLimit, in [0, 1)
	DailyCap         int           // QUITA_WHATSAPP_DAILY_CAP: messages per rolling 24 hours
	AllowColdContact bool          // QUITA_WHATSAPP_ALLOW_COLD_CONTACT: may message numbers that never wrote to us
	ReconnectGrace   time.Duration // how long whatsmeow's own reconnect may try before we call Connect
	BanCooldown      time.Duration // how long to stay away after a ban without expiry or error 463
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{
		DataDir:        DefaultDataDir,
		RateLimit:      DefaultRateLimit,
		Jitter:         DefaultJitter,
		DailyCap:       DefaultDailyCap,
		ReconnectGrace: DefaultReconnectGrace,
		BanCooldown:    DefaultBanCooldown,
	}
}

// ConfigFromEnv reads the channel's variables with getenv (os.Getenv in
// production) over DefaultConfig, and validates them. Errors name the
// variable and the fix.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	if v := strings.TrimSpace(getenv("QUITA_DATA_DIR")); v != "" {
		cfg.DataDir = v
	}
	cfg.DBURL = strings.TrimSpace(getenv("QUITA_WHATSAPP_DB"))
	cfg.Phone = strings.TrimSpace(getenv("QUITA_WHATSAPP_PHONE"))
	if v := getenv("QUITA_WHATSAPP_RATE_LIMIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return cfg, fmt.Errorf("QUITA_WHATSAPP_RATE_LIMIT=%q: not a duration; write it like 20s or 1m", v)
		}
		cfg.RateLimit = d
	}
	if v := getenv("QUITA_WHATSAPP_JITTER"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return cfg, fmt.Errorf("QUITA_WHATSAPP_JITTER=%q: not a number; write a fraction like 0.3 for ±30%%", v)
		}
		cfg.Jitter = f
	}
	if v := getenv("QUITA_WHATSAPP_DAILY_CAP"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cfg, fmt.Errorf("QUITA_WHATSAPP_DAILY_CAP=%q: not a whole number; write e.g. 200", v)
		}
		cfg.DailyCap = n
	}
	if v := getenv("QUITA_WHATSAPP_ALLOW_COLD_CONTACT"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("QUITA_WHATSAPP_ALLOW_COLD_CONTACT=%q: write true or false", v)
		}
		cfg.AllowColdContact = b
	}
	return cfg, cfg.Validate()
}

// Validate reports the first setting that cannot work, naming its variable.
func (c Config) Validate() error {
	if c.DBURL != "" {
		u, err := url.Parse(c.DBURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("QUITA_WHATSAPP_DB: want a postgres://user:pass@host/db URL, or leave it empty for SQLite in QUITA_DATA_DIR")
		}
	} else if c.DataDir == "" {
		return fmt.Errorf("QUITA_DATA_DIR is empty: set a writable directory for whatsapp.db")
	}
	if c.Phone != "" {
		if _, err := channels.NormalizePhone(c.Phone); err != nil {
			return fmt.Errorf("QUITA_WHATSAPP_PHONE: %w", err)
		}
	}
	if c.Jitter < 0 || c.Jitter >= 1 {
		return fmt.Errorf("QUITA_WHATSAPP_JITTER=%v: want a fraction in [0, 1), e.g. 0.3", c.Jitter)
	}
	return nil
}

// withDefaults fills zero durations and a zero cap with the defaults.
func (c Config) withDefaults() Config {
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.DailyCap == 0 {
		c.DailyCap = DefaultDailyCap
	}
	if c.ReconnectGrace <= 0 {
		c.ReconnectGrace = DefaultReconnectGrace
	}
	if c.BanCooldown <= 0 {
		c.BanCooldown = DefaultBanCooldown
	}
	return c
}

// database returns the database/sql driver, the whatsmeow dialect and the
// DSN of the session store.
func (c Config) database() (driver, dialect, dsn string) {
	if c.DBURL != "" {
		return "pgx", "postgres", c.DBURL
	}
	// modernc.org/sqlite registers as "sqlite"; whatsmeow accepts any dialect
	// starting with "sqlite" and refuses to start without foreign keys.
	// WAL and a busy timeout keep whatsmeow's concurrent writers from failing
	// with "database is locked"; _txlock=immediate takes the write lock at BEGIN.
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Set("_txlock", "immediate")
	return "sqlite", "sqlite", filepath.Join(c.DataDir, dbFile) + "?" + q.Encode()
}
