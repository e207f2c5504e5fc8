package whatsapp

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestSQLiteSessionStore opens the real whatsmeow sqlstore on modernc SQLite
// in a temporary data dir: offline, no WhatsApp needed.
func TestSQLiteSessionStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := DefaultConfig()
	cfg.DataDir = dir
	ctx := context.Background()

	s, err := Open(ctx, cfg, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	if s.Paired() || s.Phone() != "" {
		t.Fatal("a new store claims a paired device")
	}
	if s.Where() != filepath.Join(dir, "whatsapp.db") {
		t.Fatalf("Where() = %q", s.Where())
	}
	var fk int
	if err := s.db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Fatalf("foreign_keys = %d (%v), want 1", fk, err)
	}
	var tables int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name LIKE 'whatsmeow_%'").Scan(&tables); err != nil || tables < 10 {
		t.Fatalf("%d whatsmeow tables (%v)", tables, err)
	}
	cli := s.NewClient()
	if !cli.EnableAutoReconnect || !cli.SynchronousAck || !cli.EnableDecryptedEventBuffer {
		t.Fatal("client built without auto-reconnect, synchronous acks or the decrypted-event buffer")
	}
	if Adapt(cli).IsPaired() {
		t.Fatal("adapter says paired")
	}
	if err := s.Unpair(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "whatsapp.db")); err != nil {
		t.Fatal(err)
	}
	// Reopening finds the upgraded schema.
	s2, err := Open(ctx, cfg, quietLog())
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	s2.Close()
}

func TestOpenRejectsABadPostgresURL(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DBURL = "mysql://x"
	if _, err := Open(context.Background(), cfg, quietLog()); err == nil {
		t.Fatal("want an error naming QUITA_WHATSAPP_DB")
	}
}

func TestDatabaseChoice(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DataDir = "/var/lib/quita"
	driver, dialect, dsn := cfg.database()
	want := "/var/lib/quita/whatsapp.db?_pragma=foreign_keys%281%29&_pragma=journal_mode%28WAL%29&_pragma=busy_timeout%2810000%29&_txlock=immediate"
	if driver != "sqlite" || dialect != "sqlite" || dsn != want {
		t.Fatalf("sqlite: %s %s %s", driver, dialect, dsn)
	}
	cfg.DBURL = "postgres://quita:secret@db:5432/quita?sslmode=disable"
	if driver, dialect, dsn = cfg.database(); driver != "pgx" || dialect != "postgres" || dsn != cfg.DBURL {
		t.Fatalf("postgres: %s %s %s", driver, dialect, dsn)
	}
}
