// Package archive is quita's long-term store: every message, delivery
// status, dialog action, debt and debtor, kept in SQL for years while Redis
// keeps only hot state. PostgreSQL (github.com/jackc/pgx/v5) in production,
// SQLite (modernc.org/sqlite, pure Go) in the data dir when embedded; one
// set of queries serves both (numbered $n parameters, ON CONFLICT), and the
// schema is in numbered migrations with one variant per dialect
// (migrations/postgres, migrations/sqlite; SCHEMA.md).
package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // pure-Go database/sql driver "sqlite"
)

// Dialect is the SQL engine behind a DB.
type Dialect string

// The dialects an archive runs on.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// FileName is the embedded archive's file in the data dir.
const FileName = "archive.db"

// DB is an open archive.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	where   string // what it is, for messages (never the password)
}

// Open connects to the archive at rawURL: postgres:// or postgresql://
// for PostgreSQL, sqlite:<path> for a SQLite file, or "" for SQLite in
// dataDir (FileName). It does not migrate (Migrate does).
func Open(ctx context.Context, rawURL, dataDir string) (*DB, error) {
	driver, dsn, d, where, err := dsnFor(rawURL, dataDir)
	if err != nil {
		return nil, err
	}
	if d == SQLite {
		if err := os.MkdirAll(filepath.Dir(where), 0o700); err != nil {
			return nil, fmt.Errorf("archive directory: %w", err)
		}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return nil, fmt.Errorf("open archive %s: %w", where, err)
	}
	if d == SQLite {
		// One writer at a time is SQLite's rule; one connection keeps the
		// archiver and the readers from failing with SQLITE_BUSY.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(8)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("archive %s does not answer: %w (check QUITA_ARCHIVE_URL)", where, err)
	}
	return &DB{sql: db, dialect: d, where: where}, nil
}

func dsnFor(rawURL, dataDir string) (driver, dsn string, d Dialect, where string, err error) {
	switch {
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		u, perr := url.Parse(rawURL)
		if perr != nil {
			return "", "", "", "", fmt.Errorf("QUITA_ARCHIVE_URL is not a valid URL: %v", redact(perr))
		}
		return "pgx", rawURL, Postgres, "postgres://" + u.Host + u.Path, nil
	case rawURL == "" || strings.HasPrefix(rawURL, "sqlite:"):
		path := strings.TrimPrefix(rawURL, "sqlite:")
		if path == "" {
			if dataDir == "" {
				return "", "", "", "", errors.New("no archive: set QUITA_ARCHIVE_URL or QUITA_DATA_DIR")
			}
			path = filepath.Join(dataDir, FileName)
		}
		q := url.Values{}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "synchronous(NORMAL)")
		return "sqlite", "file:" + path + "?" + q.Encode(), SQLite, path, nil
	default:
		return "", "", "", "", errors.New("QUITA_ARCHIVE_URL must start with postgres://, postgresql:// or sqlite:")
	}
}

// redact keeps a URL parse error from echoing the password.
func redact(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return "parse error"
}

// Dialect is the engine in use.
func (db *DB) Dialect() Dialect { return db.dialect }

// String says which archive this is (no credentials).
func (db *DB) String() string { return string(db.dialect) + " " + db.where }

// SQL is the underlying pool, for reports and tests.
func (db *DB) SQL() *sql.DB { return db.sql }

// Close closes the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Ping checks the archive answers.
func (db *DB) Ping(ctx context.Context) error { return db.sql.PingContext(ctx) }

// inTx runs f in a transaction, committed when f returns nil.
func (db *DB) inTx(ctx context.Context, f func(*sql.Tx) error) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("archive: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("archive: commit: %w", err)
	}
	return nil
}
