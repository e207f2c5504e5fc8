package whatsapp

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for QUITA_WHATSAPP_DB
	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/store"
	"go.mau.fi/whatsmeow/store/sqlstore"
	_ "modernc.org/sqlite" // pure-Go database/sql driver "sqlite"

	"github.com/quita-bot/quita/channels"
)

// Session is the WhatsApp device session kept in SQL: whatsmeow's tables
// (keys, sessions, LID map, contacts) and the one device quita pairs.
type Session struct {
	Container *sqlstore.Container
	Device    *store.Device
	db        *sql.DB
	log       *slog.Logger
	where     string
}

// Open opens the session database — SQLite in cfg.DataDir/whatsapp.db, or
// PostgreSQL when cfg.DBURL is set — creating or upgrading whatsmeow's
// tables, and loads the paired device (or a new, unpaired one).
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	driver, dialect, dsn := cfg.database()
	where := "PostgreSQL (QUITA_WHATSAPP_DB)"
	if driver == "sqlite" {
		where = cfg.DataDir + "/" + dbFile
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("whatsapp session: create QUITA_DATA_DIR: %w", err)
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("whatsapp session %s: %w", where, err)
	}
	container := sqlstore.NewWithDB(db, dialect, newWALogger(log, "Database"))
	if err := container.Upgrade(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("whatsapp session %s: prepare tables: %w", where, err)
	}
	dev, err := container.GetFirstDevice(ctx)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("whatsapp session %s: load device: %w", where, err)
	}
	return &Session{Container: container, Device: dev, db: db, log: log, where: where}, nil
}

// Where names the database, for people: the SQLite file or "PostgreSQL".
func (s *Session) Where() string { return s.where }

// Paired reports whether the session holds a paired device.
func (s *Session) Paired() bool { return s.Device.ID != nil }

// Phone returns the paired number in E.164, or "" before pairing.
func (s *Session) Phone() string {
	if s.Device.ID == nil {
		return ""
	}
	p, err := channels.NormalizePhone(s.Device.ID.User)
	if err != nil {
		return "+" + s.Device.ID.User
	}
	return p
}

// NewClient builds the whatsmeow client for the device. Messages are
// acknowledged to WhatsApp only after the channel's handler returns, and the
// decrypted-event buffer lets an unacknowledged message be decrypted again
// when it is redelivered: a message the sink did not accept is not lost.
func (s *Session) NewClient() *whatsmeow.Client {
	cli := whatsmeow.NewClient(s.Device, newWALogger(s.log, "Client"))
	cli.EnableAutoReconnect = true
	cli.SynchronousAck = true
	cli.EnableDecryptedEventBuffer = true
	return cli
}

// Close closes the database.
func (s *Session) Close() error { return s.db.Close() }

// Unpair forgets the local session so that a new pairing can start. The
// phone still lists the old link until someone removes it there
// (WhatsApp › Linked devices).
func (s *Session) Unpair(ctx context.Context) error {
	if s.Device.ID != nil {
		if err := s.Device.Delete(ctx); err != nil {
			return fmt.Errorf("whatsapp session: forget the paired device: %w", err)
		}
	}
	s.Device = s.Container.NewDevice()
	return nil
}
