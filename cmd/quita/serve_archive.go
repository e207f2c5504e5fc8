package main

import (
	"context"
)

func init() { mounts = append(mounts, mountArchive) }

// mountArchive opens the archive (PostgreSQL at QUITA_ARCHIVE_URL, or
// SQLite in the data dir) and applies its migrations at start.
func mountArchive(ctx context.Context, s *service) error {
	if !s.cfg.Archive {
		s.log.Warn("QUITA_ARCHIVE=off: no archive; history lives only in Redis")
		return nil
	}
	db, applied, err := openArchive(ctx, s.cfg)
	if err != nil {
		return err
	}
	s.archive = db
	s.closers = append(s.closers, db.Close)
	s.log.Info("archive ready", "archive", db.String(), "migrations_applied", len(applied))
	return nil
}
