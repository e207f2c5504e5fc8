package archive

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

// migrations holds the numbered schema files, one directory per dialect:
// NNNN_name.sql, applied in order, each once, each in its own transaction.
//
//go:embed migrations
var migrations embed.FS

// Migration is one numbered schema file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations lists the dialect's migration files in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("archive migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("archive migration %s/%s: want NNNN_name.sql", dir, e.Name())
		}
		b, err := migrations.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies the migrations the archive lacks and returns their
// names (none when it is current). Two processes starting together are
// safe: each migration inserts its version in the same transaction, so the
// second fails on the primary key and retries as a no-op.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at `+db.timeType()+` NOT NULL)`); err != nil {
		return nil, fmt.Errorf("archive %s: create schema_migrations: %w", db.where, err)
	}
	all, err := Migrations(db.dialect)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, m := range all {
		done, err := db.hasVersion(ctx, m.Version)
		if err != nil {
			return applied, err
		}
		if done {
			continue
		}
		err = db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.Version, m.Name, time.Now().UTC()); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, m.SQL)
			return err
		})
		if err != nil {
			if done, herr := db.hasVersion(ctx, m.Version); herr == nil && done {
				continue // another process applied it meanwhile
			}
			return applied, fmt.Errorf("archive migration %s (%s): %w", m.Name, db.dialect, err)
		}
		applied = append(applied, m.Name)
	}
	return applied, nil
}

func (db *DB) hasVersion(ctx context.Context, v int) (bool, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, v).Scan(&n); err != nil {
		return false, fmt.Errorf("archive %s: read schema_migrations: %w", db.where, err)
	}
	return n > 0, nil
}

func (db *DB) timeType() string {
	if db.dialect == Postgres {
		return "timestamptz"
	}
	return "TIMESTAMP"
}

// Version is the highest migration applied (0 for an empty archive).
func (db *DB) Version(ctx context.Context) (int, error) {
	var v sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	return int(v.Int64), err
}
