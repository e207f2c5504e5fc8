// Package archivetest gives tests a fresh, migrated archive of each
// dialect: SQLite in a temporary directory and PostgreSQL in a schema of
// its own (QUITA_TEST_POSTGRES, default postgres://postgres@127.0.0.1:5432/postgres),
// dropped when the test ends. Without a PostgreSQL the PostgreSQL case is
// skipped, unless QUITA_REQUIRE_POSTGRES=1 (CI), where it fails.
package archivetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/quita-bot/quita/storage/archive"
)

// DefaultPostgres is the test server when QUITA_TEST_POSTGRES is not set.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Each runs f once per dialect, each with its own fresh archive.
func Each(t *testing.T, f func(t *testing.T, db *archive.DB)) {
	t.Helper()
	for _, d := range []archive.Dialect{archive.SQLite, archive.Postgres} {
		t.Run(string(d), func(t *testing.T) { f(t, Open(t, d)) })
	}
}

// Open returns a fresh migrated archive of dialect d.
func Open(t *testing.T, d archive.Dialect) *archive.DB {
	t.Helper()
	u := URL(t, d)
	ctx := context.Background()
	db, err := archive.Open(ctx, u, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// URL is a QUITA_ARCHIVE_URL for a fresh, empty archive of dialect d.
func URL(t *testing.T, d archive.Dialect) string {
	t.Helper()
	if d == archive.SQLite {
		return "sqlite:" + t.TempDir() + "/archive.db"
	}
	base := os.Getenv("QUITA_TEST_POSTGRES")
	if base == "" {
		base = DefaultPostgres
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		if os.Getenv("QUITA_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("QUITA_REQUIRE_POSTGRES=1 but PostgreSQL at QUITA_TEST_POSTGRES does not answer: %v", err)
		}
		t.Skipf("no PostgreSQL (%v); set QUITA_TEST_POSTGRES", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "quita_test_" + hex.EncodeToString(b[:])
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String()
}
